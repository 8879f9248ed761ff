"""Explore's Stability tab and flags (explorer.panels.stability) under AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis import k_sweep, stability
from explorer.panels import stability as stability_panel
from explorer.text import teach
from tests.helpers.fake_run import make_fake_run

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "explore.py")


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    return str(make_fake_run(tmp_path_factory.mktemp("runs") / "r", n=150, images=False,
                             n_updates=2))


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))


def _app(run_path) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["run_path"] = run_path
    at.session_state["explore_method"] = "PCA (fast)"
    return at


def _tab_text(at) -> str:
    return " ".join(m.value for m in at.tabs[-1].markdown) + " ".join(
        c.value for c in at.tabs[-1].caption)


def test_stability_tab_shows_the_cost_before_anything_runs(run_path):
    at = _app(run_path).run()
    assert not at.exception
    assert at.tabs[-1].label == "Stability"
    seed = 0  # the fake run's training seed
    assert (f"**Cost:** 2 more runs of these settings with seeds {seed + 1} and {seed + 2} "
            f"(this run's: {seed}), about") in _tab_text(at)
    assert [b.label for b in at.tabs[-1].button] == ["Check stability"]


class _Done:
    """A finished reseeded job whose saved run is ``path``."""

    def __init__(self, path):
        self.state, self.active, self.run_path, self.name = "done", False, path, "r"


def test_finished_check_gives_ari_jaccard_and_flags(run_path, monkeypatch):
    class Manager:
        def get(self, job_id, owner):
            return _Done(run_path)  # the same labels: every cluster survives

    monkeypatch.setattr(stability_panel, "manager", lambda: Manager())
    at = _app(run_path)
    at.session_state[stability.STATE_KEY] = {run_path: ["a", "b"]}
    at.run()
    assert not at.exception
    text = _tab_text(at)
    assert "ARI of this run against the reseeded runs: 1.00, 1.00" in text
    table = at.tabs[-1].dataframe[0].value
    assert list(table.columns[2:]) == ["Jaccard, seed 1", "Jaccard, seed 2", "mean Jaccard",
                                       "survives?"]  # the run's seed is 0
    assert set(table["survives?"]) == {"stable"} and (table["mean Jaccard"] == 1.0).all()
    assert any("every cluster survives reseeding" in c.value for c in at.caption)

    # a result whose cluster 1 dissolved is flagged above the tabs
    result = dict(at.session_state[stability_panel.RESULT_KEY][run_path])
    result["dissolved"] = [1]
    at.session_state[stability_panel.RESULT_KEY] = {run_path: result}
    at.run()
    assert any("cluster 1 does not survive reseeding" in w.value for w in at.warning)


def test_explore_says_no_structure_for_data_the_sweep_found_none_in(run_path, tmp_path):
    import copy
    import json
    import shutil

    from explorer.session.state import DATA_DEFAULTS, model_defaults, train_defaults

    # the fake run with the full settings a Train job saves
    full = tmp_path / "full"
    shutil.copytree(run_path, full)
    config = json.loads((full / "config.json").read_text())
    app = {"data": {**copy.deepcopy(DATA_DEFAULTS), "n_samples": 150},
           "model": {**model_defaults("digits"), "hidden": [16, 4]},
           "train": train_defaults("digits"), "name": "full"}
    config["extra"]["app"] = app
    (full / "config.json").write_text(json.dumps(config))
    manifest = json.loads((full / "manifest.json").read_text())
    manifest["files"]["config.json"] = (full / "config.json").stat().st_size
    (full / "manifest.json").write_text(json.dumps(manifest))
    at = _app(str(full)).run()
    assert at.tabs  # the run opened
    assert not any(teach.NO_STRUCTURE in w.value for w in at.warning)  # no sweep run yet
    key = k_sweep.run_key(app, None, 64)
    assert key is not None
    at.session_state[k_sweep.STATE_KEY] = {"key": key, "result": {"structure": "none"}}
    at.run()
    assert not at.exception
    k = config["params"]["n_clusters"]
    assert [w.value for w in at.warning if teach.NO_STRUCTURE in w.value] == [
        teach.no_structure_warning(k, None)]
