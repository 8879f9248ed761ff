"""The Explore page under Streamlit's AppTest: no run, image and tabular runs."""

from pathlib import Path

import pytest
from fake_run import make_fake_run
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "explore.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("explore_runs")
    return {
        "images": make_fake_run(root / "images", n=240, n_updates=3),
        "table": make_fake_run(root / "table", n=200, images=False, n_updates=3),
        "nolabels": make_fake_run(root / "nolabels", n=150, labels=False, n_updates=2),
    }


def _app(run_path=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if run_path is not None:
        at.session_state["run_path"] = str(run_path)
    at.session_state["explore_method"] = "PCA (fast)"
    return at


def test_no_run_shows_info():
    at = _app()
    at.run()
    assert not at.exception
    assert any("Train" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_broken_run_shows_error(tmp_path):
    at = _app(tmp_path / "nothing")
    at.run()
    assert not at.exception
    assert at.error and "cannot be opened" in at.error[0].value


def test_image_run(runs):
    at = _app(runs["images"])
    at.run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    # map, confusion, two galleries, metrics bars, sizes, evolution
    assert len(charts) >= 6
    assert len(at.dataframe) >= 1
    assert len(at.metric) == 3
    at.radio(key="explore_color").set_value("true label").run()
    at.toggle(key="explore_cm_norm").set_value(True).run()
    at.selectbox(key="explore_gallery_cluster").set_value(1).run()
    at.toggle(key="explore_3d").set_value(True).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 6


def test_table_run(runs):
    at = _app(runs["table"])
    at.run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart")
    assert len(at.dataframe) >= 2  # gallery table + metrics table


def test_unlabelled_run(runs):
    at = _app(runs["nolabels"])
    at.run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart")
    assert any("no true labels" in i.value.lower() for i in at.info)
    assert at.radio(key="explore_color").disabled
