"""The Explore page under Streamlit's AppTest: no run, image and tabular runs."""

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers.fake_run import make_fake_run

ROOT = Path(__file__).resolve().parents[2]
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
    assert sorted(c.key for c in charts) == sorted([
        "explore_map", "explore_confusion", "explore_gallery_0", "explore_gallery_1",
        "explore_metrics_chart", "explore_sizes", "explore_confidence", "explore_evolution",
        "explore_prototypes"])
    # the evolution: points, centroid trails and crosses, in the frame fixed at update 0
    evo = json.loads(next(c for c in charts if c.key == "explore_evolution").proto.spec)
    names = [t.get("name") or "" for t in evo["data"]]
    assert any("centroids" in n for n in names)
    assert len(evo["frames"]) == 3 and all(len(f["data"]) == len(evo["data"])
                                           for f in evo["frames"])
    assert len(at.dataframe) == 1  # the metrics table (an image run's galleries are pictures)
    from dec_core.baselines import NAMES

    assert list(at.dataframe[0].value.index)[:2] == [NAMES["kmeans_raw"], NAMES["ae_kmeans"]]
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


def test_one_colour_rule_and_one_name(runs):
    """Clusters wear their matched class's colour and say so; names come from baselines."""
    from dec_core.baselines import NAMES
    from dec_core.metrics import cluster_acc
    from dec_core.runs import load_run
    from explorer.charts.theme import class_color

    run = load_run(runs["images"], with_model=False)
    _, mapping = cluster_acc(run.y_true, run.labels, return_mapping=True)
    at = _app(runs["images"])
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["DEC ACC", "DEC NMI", "DEC ARI"]
    assert all(NAMES["ae_kmeans"] in str(m.proto.delta) for m in at.metric if m.proto.delta)
    table = at.dataframe[-1].value
    assert list(table.index) == [NAMES["kmeans_raw"], NAMES["ae_kmeans"], NAMES["dec"]]
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    for trace in traces:
        cluster = int(trace["name"].split()[1])
        if cluster in mapping:
            assert trace["name"] == f"cluster {cluster} → {mapping[cluster]}"
            assert trace["marker"]["color"] == class_color(mapping[cluster])
    at.radio(key="explore_color").set_value("true label").run()
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    for trace in traces:  # each class in its own colour, as on the Data page
        assert trace["marker"]["color"] == class_color(int(trace["name"].split()[0]))
    assert np.unique(run.y_true).size == len(traces)


def test_umap_does_not_hold_the_page(runs, monkeypatch):
    """UMAP runs in the background: PCA (captioned as such) until it is ready."""
    from explorer.analysis import projection

    release = threading.Event()
    real = projection.project

    def slow(embedding, method="umap", n_components=2, seed=0):
        if method == "umap":
            assert release.wait(120), "never released"
        return real(embedding, "pca" if method == "umap" else method, n_components, seed)

    monkeypatch.setattr(projection, "project", slow)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["run_path"] = str(runs["table"])
    at.session_state["explore_method"] = "UMAP"
    try:
        at.run()  # would time out here if UMAP ran inside the script
        assert not at.exception, at.exception
        title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
        assert title.startswith("PCA of the DEC embedding")
        assert any("Showing **PCA** while UMAP" in c.value for c in at.caption)
    finally:
        release.set()
    end = time.time() + 60
    while time.time() < end:
        time.sleep(0.3)
        at.run()  # what the polling fragment triggers
        title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
        if title.startswith("UMAP"):
            break
    assert title.startswith("UMAP of the DEC embedding")
    assert not any("Showing **PCA**" in c.value for c in at.caption)


def test_explore_and_compare_show_the_same_baseline(runs, tmp_path, monkeypatch):
    """The same row ("k-means on raw data") has the same figures on both pages."""
    from dec_core.baselines import NAMES

    at = _app(runs["table"])
    at.run()
    explore = at.dataframe[-1].value.loc[NAMES["kmeans_raw"]]
    cmp = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=120)
    cmp.session_state["owner"] = "bob" * 6
    cmp.session_state["run_path"] = str(runs["table"])
    cmp.session_state["cmp_frame"] = "PCA (instant)"
    cmp.run()
    cmp.button(key="cmp_compute").click().run()
    end = time.time() + 120
    while cmp.dataframe[0].value.loc[NAMES["kmeans_raw"], "Status"] != "done":
        assert time.time() < end, "k-means never finished"
        time.sleep(0.3)
        cmp.run()
    row = cmp.dataframe[0].value.loc[NAMES["kmeans_raw"]]
    for metric in ("ACC", "NMI", "ARI"):
        assert row[metric] == pytest.approx(explore[metric], abs=1e-12)
    assert NAMES["ae_kmeans"] in cmp.dataframe[0].value.index


def test_projector_mode_rescales_every_figure_of_a_finished_run(runs):
    """Turning projector mode on for a run already drawn redraws each figure in large type
    (the builders take the mode as an argument, so no cached figure keeps the small one)."""
    from explorer.charts.theme import PROJECTOR, PROJECTOR_KEY

    def title_sizes(at) -> dict:
        return {c.key: json.loads(c.proto.spec)["layout"].get("title", {}).get("font", {})
                .get("size") for c in at.get("plotly_chart")}

    at = _app(runs["images"])
    at.run()
    assert not at.exception, at.exception
    before = title_sizes(at)
    assert len(before) >= 9 and PROJECTOR["title"] not in before.values()
    at.session_state[PROJECTOR_KEY] = True
    at.run()
    assert not at.exception, at.exception
    assert title_sizes(at) == dict.fromkeys(before, PROJECTOR["title"])
