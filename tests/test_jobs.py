"""The background job runner: queue cap, ownership, stop, reuse, step mode."""

import copy
import time

import numpy as np
import pytest

from dec_core.runs import load_run
from explorer.jobs import JobManager
from explorer.resources import check_fits, estimate_bytes
from explorer.state import ensure_defaults


def tiny_config(**train):
    state = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=200)
    state["model"].update(hidden=[16, 4])
    state["train"].update({"pretrain_epochs": 2, "max_iter": 40, "update_interval": 10, **train})
    return {k: state[k] for k in ("data", "model", "train")}


@pytest.fixture
def jobs(tmp_path):
    return JobManager(max_jobs=1, runs_dir=tmp_path)


def test_job_trains_and_saves_a_run(jobs):
    job = jobs.submit("alice" * 4, tiny_config())
    assert jobs.wait(job, 120)
    assert job.state == "done", job.error
    v = job.view()
    assert len(v["pretrain"]) == 2 and len(v["dec"]) >= 2
    assert set(v["kmeans"]) == {"acc", "nmi", "ari"}
    run = load_run(job.run_path)
    assert run.labels.shape == (200,)
    extra = run.config["extra"]
    assert extra["image_shape"] == [8, 8]
    assert set(extra["baselines"]) == {"kmeans_raw", "ae_kmeans", "dec"}
    assert run.arrays["x_images"].dtype == np.uint8
    snaps = run.arrays["snapshots"]
    assert snaps.shape[0] == len(v["dec"]) and snaps.shape[2] == 4
    assert run.arrays["snapshot_labels"].shape == snaps.shape[:2]
    np.testing.assert_array_equal(run.labels, job.estimator.labels_)


def test_queue_cap_and_positions(jobs):
    a = jobs.submit("alice" * 4, tiny_config())
    b = jobs.submit("bobby" * 4, tiny_config())
    c = jobs.submit("bobby" * 4, tiny_config())
    assert jobs.running_count() <= 1
    assert jobs.queue_position(b) == 1 and jobs.queue_position(c) == 2
    assert b.state == "queued"
    seen_max = 0
    while any(j.active for j in (a, b, c)):
        seen_max = max(seen_max, jobs.running_count())
        time.sleep(0.02)
    assert seen_max == 1
    assert all(j.state == "done" for j in (a, b, c))


def test_owners_are_isolated(jobs):
    job = jobs.submit("alice" * 4, tiny_config())
    assert jobs.get(job.id, "mallory" * 3) is None
    assert jobs.stop(job.id, "mallory" * 3) is False
    assert jobs.jobs_for("mallory" * 3) == []
    assert jobs.wait(job, 120) and job.state == "done"
    assert str(jobs.runs_dir / ("alice" * 4)) in job.run_path


def test_stop_keeps_a_usable_model(jobs):
    job = jobs.submit("alice" * 4, tiny_config(pretrain_epochs=200))
    while not job.pretrain:
        time.sleep(0.02)
    assert jobs.stop(job.id, "alice" * 4)
    assert jobs.wait(job, 120)
    assert job.state == "stopped"
    assert len(job.pretrain) < 200
    assert load_run(job.run_path).labels.shape == (200,)


def test_stop_a_queued_job(jobs):
    a = jobs.submit("alice" * 4, tiny_config())
    b = jobs.submit("alice" * 4, tiny_config())
    assert jobs.stop(b.id, "alice" * 4)
    assert b.state == "stopped" and jobs.queue_position(b) is None
    jobs.wait(a, 120)


def test_changing_dec_settings_reuses_the_autoencoder(jobs):
    first = jobs.submit("alice" * 4, tiny_config())
    jobs.wait(first, 120)
    second = jobs.submit("alice" * 4, tiny_config(learning_rate=0.005, tol=0.01))
    jobs.wait(second, 120)
    assert not first.reused_autoencoder and second.reused_autoencoder
    assert second.state == "done"
    # the k-means start is the same, since the embedding is the same
    np.testing.assert_array_equal(first.estimator.kmeans_labels_,
                                  second.estimator.kmeans_labels_)
    third = jobs.submit("alice" * 4, tiny_config(pretrain_epochs=3))
    jobs.wait(third, 120)
    assert not third.reused_autoencoder


def test_bad_config_fails_with_a_message(jobs):
    config = tiny_config()
    config["model"]["n_clusters"] = 500
    job = jobs.submit("alice" * 4, config)
    jobs.wait(job, 60)
    assert job.state == "failed" and "n_clusters" in job.error


def test_step_mode_advances_one_update_per_step(jobs):
    job = jobs.submit("alice" * 4, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    while len(job.dec) < 1 and job.active:
        time.sleep(0.02)
    time.sleep(0.5)
    assert len(job.dec) == 1  # waits at update 0
    for expected in (2, 3, 4):
        job.step()
        end = time.time() + 30
        while len(job.dec) < expected and time.time() < end:
            time.sleep(0.02)
        time.sleep(0.3)
        assert len(job.dec) == expected
    info = job.view()["step_info"]
    assert info["q"].shape == info["p"].shape and info["f"].shape == (10,)
    jobs.stop(job.id, "alice" * 4)
    assert jobs.wait(job, 60)


def test_memory_check_names_the_sizes():
    assert estimate_bytes(1000, [64, 32, 10], 10) > 0
    with pytest.raises(ValueError, match="memory"):
        check_fits(10**8, [784, 500, 500, 2000, 10], 10)


def test_config_is_copied(jobs):
    config = tiny_config()
    job = jobs.submit("alice" * 4, config)
    config["train"]["max_iter"] = 1
    assert job.config["train"]["max_iter"] == 40
    jobs.wait(job, 120)
    assert copy.deepcopy(job.view())["state"] == "done"


def test_nan_loss_and_empty_clusters_are_reported(jobs):
    job = jobs.submit("alice" * 4, tiny_config(learning_rate=1e30, max_iter=60))
    assert jobs.wait(job, 120)
    assert job.state == "done", job.error
    assert job.warnings and any("learning_rate" in w or "empty" in w for w in job.warnings)
