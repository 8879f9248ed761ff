"""The map's replay (explorer.live_map.replay): every update kept while a job trains, and the same
frames read back from the saved run."""

import numpy as np
import pytest

from dec_core.runs import load_run
from explorer.jobs import JobManager
from explorer.live_map import replay
from explorer.session.state import ensure_defaults


def tiny_config(**train) -> dict:
    state = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=200)
    state["model"].update(hidden=[16, 4])
    state["train"].update({"pretrain_epochs": 2, "max_iter": 60, "update_interval": 10,
                           "tol": 0.0, **train})
    return {k: state[k] for k in ("data", "model", "train")}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path_factory.mktemp("runs"), in_process=True)
    job = jobs.submit("teacher" * 3, tiny_config())
    assert jobs.wait(job, 180) and job.state == "done", job.error
    return job


def test_the_job_keeps_one_frame_per_update_without_the_all_rows_arrays(finished):
    v = finished.view()
    frames = v["replay"]
    assert [f["update"] for f in frames] == [row["update"] for row in v["dec"]]
    assert len(frames) >= 5
    for f in frames:
        assert not set(replay.DROPPED) & set(f)
        assert f["xy"].shape == (200, 2) and f["q"].shape == (200, 10)  # k: digits' 10 classes
    # the newest frame is the live map's last update
    np.testing.assert_array_equal(frames[-1]["xy"], v["step_info"]["xy"])


def test_info_at_rebuilds_the_trail_the_previous_positions_and_fixed_axes(finished):
    frames = finished.view()["replay"]
    info = replay.info_at(frames, 3)
    assert info["update"] == 3
    assert info["centers_trail"].shape == (4, 10, 2)  # updates 0..3, k = 10
    np.testing.assert_array_equal(info["centers_trail"][-1], frames[3]["centers_xy"])
    np.testing.assert_array_equal(info["xy_prev"], frames[2]["xy"])
    assert replay.info_at(frames, 0)["xy_prev"] is None
    (x0, x1), (y0, y1) = info["xy_range"]
    for f in frames:  # every update fits the same axes, so scrubbing never rescales them
        both = np.concatenate([f["xy"], f["centers_xy"]])
        assert x0 <= both[:, 0].min() and both[:, 0].max() <= x1
        assert y0 <= both[:, 1].min() and both[:, 1].max() <= y1
    # the live map's axes at the last update (they only widen): the same box
    np.testing.assert_array_equal(np.asarray(info["xy_range"]), np.asarray(frames[-1]["xy_range"]))


def test_a_saved_run_gives_the_frames_the_job_showed(finished):
    live = finished.view()["replay"]
    saved = replay.frames_from_run(load_run(finished.run_path, with_model=False))
    assert len(saved) == len(live)
    for a, b in zip(live, saved):
        assert a["update"] == b["update"]
        np.testing.assert_allclose(b["xy"], a["xy"], atol=1e-4)
        np.testing.assert_allclose(b["centers_xy"], a["centers_xy"], atol=1e-4)
        np.testing.assert_allclose(b["q"], a["q"], atol=1e-4)
        assert b["mapping"] is not None and b["n_classes"] == a["n_classes"]


def test_compact_refuses_an_update_without_a_map():
    assert replay.compact({}) is None
    assert replay.compact({"update": 0, "q": np.ones((3, 2))}) is None


def test_shared_box_holds_both_runs():
    a = [{"xy": np.array([[0.0, 0.0], [1.0, 1.0]]), "centers_xy": np.array([[0.5, 0.5]])}]
    b = [{"xy": np.array([[-2.0, 0.5]]), "centers_xy": np.array([[0.0, 3.0]])}]
    assert replay.shared_box(a, b) == ((-2.0, 1.0), (0.0, 3.0))


def test_train_replays_a_job_read_back_after_a_restart_from_its_saved_run(finished, tmp_path,
                                                                          monkeypatch):
    """A job the journal brought back has no frames in memory: the saved run has them."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import explorer.jobs as jobs_module
    from explorer.jobs import Job

    manager = JobManager(runs_dir=tmp_path / "runs", in_process=True)
    monkeypatch.setattr(jobs_module, "_MANAGER", manager)
    owner = "teacher" * 3
    v = finished.view()
    restored = Job(id="job-restored", owner=owner, config=v["config"], name="digits",
                   state="done", phase="finished", started=v["started"], finished=v["finished"],
                   run_path=v["run_path"], scores=v["scores"], kmeans=v["kmeans"], dec=v["dec"],
                   pretrain=v["pretrain"], dataset_info=v["dataset"], restored=True)
    manager._jobs[restored.id] = restored
    manager._by_owner[restored.owner_key].append(restored)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages/train.py"),
                           default_timeout=120)
    at.session_state["owner"] = owner
    at.session_state["job_id"] = restored.id
    at.run()
    assert not at.exception
    assert replay_slider(at).max == len(v["replay"]) - 1


def replay_slider(at):
    """The replay's slider (its key ends in the update it shows), or None."""
    return next((s for s in at.slider if s.label == "Replay: target update"), None)
