"""AppTest: the Train and Runs pages, end to end on a tiny digits config."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module

    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(jobs_module, "_MANAGER",  # a fresh manager per test
                        jobs_module.JobManager(runs_dir=tmp_path / "runs", in_process=True))
    return tmp_path / "runs"


def tiny(at: AppTest) -> AppTest:
    at.session_state["data"] = {"name": "digits", "n_samples": 300, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 0, "alpha": 1.0}
    at.session_state["train"] = {"pretrain_epochs": 3, "max_iter": 150, "update_interval": 15}
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def wait_done(at, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.5)
        at.run()
        if at.success or at.error:
            return at
    raise AssertionError("training did not finish")


def test_train_page_idle():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    assert any("Start" in i.value for i in at.info)
    assert button(at, "Stop").disabled


def test_train_end_to_end_then_runs_page():
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    assert not at.exception
    assert "job_id" in at.session_state
    assert at.query_params["job"] in (at.session_state["job_id"], [at.session_state["job_id"]])
    wait_done(at)
    assert not at.exception and not at.error
    assert "Finished" in at.success[0].value
    # loss, KL, changed labels, metrics and the confusion matrix
    assert len(at.get("plotly_chart")) == 5
    assert [m.label for m in at.metric] == ["ACC", "NMI", "ARI"]
    assert 0 <= float(at.metric[0].value) <= 1
    run_path = at.session_state["run_path"]
    assert Path(run_path).is_dir()

    runs = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180)
    runs.session_state["owner"] = at.session_state["owner"]
    runs.run()
    assert not runs.exception
    assert len(runs.dataframe) == 2  # the jobs table and the saved runs table
    assert len(runs.get("download_button")) == 3  # labels CSV, model, CLI config


def test_refresh_reattaches_by_url(monkeypatch):
    import explorer.ui as ui

    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    owner, job_id = at.session_state["owner"], at.session_state["job_id"]
    # a new session (a refresh) with the same URL and the owner cookie finds the job
    monkeypatch.setattr(ui, "owner_cookie", lambda: owner)
    fresh = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    fresh.query_params["job"] = job_id
    fresh.run()
    assert fresh.session_state["job_id"] == job_id
    wait_done(fresh)
    assert fresh.success
    # another browser (another owner) does not see it
    monkeypatch.setattr(ui, "owner_cookie", lambda: None)
    stranger = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    stranger.query_params["job"] = job_id
    stranger.run()
    assert "job_id" not in stranger.session_state


def test_runs_page_empty():
    at = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180).run()
    assert not at.exception
    assert any("No saved runs" in i.value for i in at.info)
