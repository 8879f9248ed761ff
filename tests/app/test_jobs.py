"""The job runner: queue cap, ownership, stop, reuse, step mode, versions, workers.

Most tests run the worker in-process (``JobManager(in_process=True)``): the
same worker code, without starting TensorFlow once per job. The tests at the
end use real worker processes: a warm worker, crash isolation, hard stop.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import numpy as np
import pytest

from dec_core.runs import load_run
from explorer.jobs import Job, JobManager, owner_dir
from explorer.jobs import events as ev
from explorer.jobs.resources import check_fits, estimate_bytes
from explorer.session.state import ensure_defaults

ALICE, BOB, MALLORY = "alice" * 4, "bobby" * 4, "mallory" * 3


def tiny_config(**train):
    state = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=200)
    state["model"].update(hidden=[16, 4])
    state["train"].update({"pretrain_epochs": 2, "max_iter": 40, "update_interval": 10, **train})
    return {k: state[k] for k in ("data", "model", "train")}


def wait_for(condition, timeout=60.0):
    end = time.time() + timeout
    while not condition():
        if time.time() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    return JobManager(max_jobs=1, runs_dir=tmp_path_factory.mktemp("runs"), in_process=True)


@pytest.fixture(scope="module")
def finished(jobs):
    """A tiny finished job, and the config dict it was submitted with."""
    config = tiny_config()
    job = jobs.submit(ALICE, config)
    assert jobs.wait(job, 120)
    assert job.state == "done", job.error
    return job, config


def test_job_trains_and_saves_a_run(finished):
    job, _ = finished
    v = job.view()
    assert len(v["pretrain"]) == 2 and len(v["dec"]) >= 2
    assert set(v["kmeans"]) == {"acc", "nmi", "ari"}
    run = load_run(job.run_path)
    assert run.labels.shape == (200,)
    extra = run.config["extra"]
    assert extra["image_shape"] == [8, 8]
    assert set(extra["baselines"]) == {"kmeans_raw", "ae_kmeans", "dec"}
    # one definition of "k-means on raw data": the pages recompute exactly this figure
    from dec_core.baselines import kmeans_raw_labels
    from dec_core.metrics import clustering_scores

    raw = kmeans_raw_labels(run.arrays["x_images"].reshape(200, -1) / 255.0, 10, 0)
    assert extra["baselines"]["kmeans_raw"] == pytest.approx(clustering_scores(run.y_true, raw))
    assert run.arrays["x_images"].dtype == np.uint8
    snaps = run.arrays["snapshots"]
    assert snaps.shape[0] == len(v["dec"]) and snaps.shape[2] == 4
    assert run.arrays["snapshot_labels"].shape == snaps.shape[:2]
    np.testing.assert_array_equal(run.labels, job.estimator.labels_)


def test_config_is_copied(finished):
    job, config = finished
    config["train"]["max_iter"] = 1
    assert job.config["train"]["max_iter"] == 40
    assert job.view()["config"]["train"]["max_iter"] == 40


def test_version_counts_every_applied_event(finished):
    job, _ = finished
    v = job.view()
    # dispatch; Phase loading, DatasetLoaded, Phase pretraining, 2 Epochs, Phase kmeans,
    # KMeansDone, AutoencoderSaved, one DecUpdate per update, Phase saving, Done; finish
    assert v["version"] == 12 + len(v["dec"])
    assert job.view(since_version=v["version"]) is None  # nothing new: nothing to draw
    assert job.view(since_version=v["version"] - 1)["version"] == v["version"]


def test_owners_are_isolated(jobs, finished):
    job, _ = finished
    assert jobs.get(job.id, MALLORY) is None
    assert jobs.stop(job.id, MALLORY) is False
    assert jobs.jobs_for(MALLORY) == []
    assert jobs.jobs_for(ALICE)[-1] is job
    folder = jobs.runs_dir / owner_dir(ALICE)
    assert folder == jobs.owner_path(ALICE)
    assert os.path.dirname(job.run_path) == str(folder)
    assert ALICE not in job.run_path  # the token never names a folder


def test_owner_dir_is_a_digest():
    name = owner_dir(ALICE)
    assert len(name) == 16 and int(name, 16) >= 0
    assert name != owner_dir(BOB) and name == owner_dir(ALICE)


def test_changing_dec_settings_reuses_the_autoencoder(jobs, finished):
    first, _ = finished
    second = jobs.submit(ALICE, tiny_config(learning_rate=0.005, tol=0.01))
    assert jobs.wait(second, 120) and second.state == "done", second.error
    assert not first.reused_autoencoder and second.reused_autoencoder
    assert [r["epoch"] for r in second.pretrain] == [1, 2]  # the cached curve
    # the k-means start is the same, since the embedding is the same
    np.testing.assert_array_equal(first.estimator.kmeans_labels_,
                                  second.estimator.kmeans_labels_)
    third = jobs.submit(ALICE, tiny_config(pretrain_epochs=3))
    assert jobs.wait(third, 120)
    assert not third.reused_autoencoder


def test_the_autoencoder_cache_key_follows_dec_cores_pretrain_keys(tmp_path):
    """dec_core.pretrained.PRETRAIN_KEYS decides (init, dropout and augment_shift once
    were missing from the app's copy); SGD's momentum counts only under SGD pretraining."""
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path, in_process=True)

    def key(**train):
        job = Job(id="j", owner=ALICE, config=tiny_config(**train))
        return jobs.autoencoders.key(job.config, job.owner_key, job.upload)

    base = key()
    assert key(learning_rate=0.005, tol=0.01) == base  # DEC-only settings reuse it
    for changed in ({"init": "dec"}, {"augment_shift": 1}, {"pretrain_steps": 10},
                    {"pretrain": "layerwise", "dropout": 0.1}, {"seed": 1}):
        assert key(**changed) != base, changed
    adam = {"pretrain_optimizer": "adam"}
    assert key(**adam, momentum=0.5) == key(**adam, momentum=0.9)
    sgd = {"pretrain_optimizer": "sgd"}
    assert key(**sgd, momentum=0.5) != key(**sgd, momentum=0.9)
    layerwise = {"pretrain": "layerwise"}
    assert key(dropout=0.1) == key(dropout=0.3)  # end to end: no dropout
    assert key(**layerwise, dropout=0.1) != key(**layerwise, dropout=0.3)


def test_queue_cap_positions_and_stop_a_queued_job(tmp_path):
    # no waiting allowance: a step-mode job waiting for Step holds the only slot until it
    # is stopped (with the default allowance it would lend it out, see below)
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path, in_process=True, max_waiting=0)
    a = jobs.submit(ALICE, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    b = jobs.submit(BOB, tiny_config())
    c = jobs.submit(BOB, tiny_config())
    assert jobs.running_count() == 1 and a.state == "running"
    assert (jobs.queue_position(a), jobs.queue_position(b), jobs.queue_position(c)) == (None, 1, 2)
    assert jobs.stop(c.id, BOB)
    assert c.state == "stopped" and jobs.queue_position(c) is None
    assert c.message == "stopped before it started"
    wait_for(lambda: len(a.dec) == 1)
    assert b.state == "queued" and jobs.queue_position(b) == 1
    jobs.stop(a.id, ALICE)
    seen_max = 0
    end = time.time() + 120
    while (a.active or b.active) and time.time() < end:
        seen_max = max(seen_max, jobs.running_count())
        time.sleep(0.02)
    assert seen_max == 1
    assert (a.state, b.state) == ("stopped", "done")
    assert jobs.running_count() == 0


def test_stop_keeps_a_usable_model(jobs):
    job = jobs.submit(ALICE, tiny_config(pretrain_epochs=200, pretrain_batch_size=16))
    wait_for(lambda: job.pretrain or not job.active)
    assert jobs.stop(job.id, ALICE)
    assert jobs.wait(job, 120)
    assert job.state == "stopped"
    assert len(job.pretrain) < 200
    assert load_run(job.run_path).labels.shape == (200,)


def test_bad_config_fails_with_a_message(jobs):
    config = tiny_config()
    config["model"]["n_clusters"] = 500
    job = jobs.submit(ALICE, config)
    assert jobs.wait(job, 60)
    assert job.state == "failed" and "n_clusters" in job.error


def test_step_mode_advances_one_update_per_step(jobs):
    job = jobs.submit(ALICE, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    wait_for(lambda: job.dec or not job.active)
    time.sleep(0.5)
    assert len(job.dec) == 1  # waits at update 0
    assert job.view()["waiting"] and not job.playing
    for expected in (2, 3, 4):
        job.step()
        wait_for(lambda: len(job.dec) >= expected, 30)  # noqa: B023
        time.sleep(0.3)
        assert len(job.dec) == expected
    info = job.view()["step_info"]
    assert info["q"].shape == info["p"].shape and info["f"].shape == (10,)
    before = job.version
    job.play()
    assert job.playing and job.version > before
    # playing is paced by the page: one update, then the worker holds until the
    # page says it drew the latest one (Job.advance)
    wait_for(lambda: len(job.dec) >= 5, 30)
    time.sleep(0.5)
    assert len(job.dec) == 5
    assert not job.advance(3)  # not the latest update: nothing released
    for expected in (6, 7, 8):
        assert job.advance(expected - 2)  # the page drew update expected - 2
        assert not job.advance(expected - 2)  # a second tab drawing it releases nothing
        wait_for(lambda: len(job.dec) >= expected, 30)  # noqa: B023
        time.sleep(0.3)
        assert len(job.dec) == expected
    job.pause()
    assert not job.playing
    assert not job.advance(len(job.dec) - 1)  # paused: the page's draws release nothing
    jobs.stop(job.id, ALICE)
    assert jobs.wait(job, 60)


def test_controls_given_before_the_worker_starts_reach_it():
    job = Job(id="x", owner=ALICE, config={})
    job.step(2)
    job.play()
    job._request_stop()
    from explorer.jobs.controls import Controls

    controls = Controls.for_threads()
    job._attach(controls)
    assert controls.stop.is_set() and controls.playing.is_set()
    assert sum(controls.credits.acquire(blocking=False) for _ in range(4)) == 2


def test_memory_check_names_the_sizes():
    assert estimate_bytes(1000, [64, 32, 10], 10) > estimate_bytes(100, [64, 32, 10], 10)
    with pytest.raises(ValueError, match="memory"):
        check_fits(10**8, [784, 500, 500, 2000, 10], 10)


def test_a_diverged_fit_shows_the_restored_result_with_a_warning(jobs):
    job = jobs.submit(ALICE, tiny_config(learning_rate=1e30, max_iter=60))
    assert jobs.wait(job, 120)
    assert job.state == "done", job.error
    diverged = [w for w in job.warnings if "diverged" in w]
    assert len(diverged) == 1 and "lower learning_rate" in diverged[0]
    assert "last update before that" in diverged[0]
    from dec_core.runs import load_run

    run = load_run(job.run_path, with_model=False)  # the restored, finite result was saved
    assert len(run.labels) == 200 and np.isfinite(run.proba).all()


def test_unknown_events_are_refused():
    job = Job(id="x", owner=ALICE, config={})
    with pytest.raises(TypeError, match="unknown worker event"):
        job.apply(("phase", "dec"))  # a tuple, not an event
    assert job.apply(ev.Phase("dec")) is False and job.phase == "dec"


def test_finished_jobs_are_pruned_by_age_and_count(tmp_path):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path, in_process=True, keep_finished=2,
                      keep_finished_s=3600)
    bad = tiny_config()
    bad["model"]["n_clusters"] = 500  # fails fast, still a finished job
    made = [jobs.submit(ALICE, bad) for _ in range(4)]
    for job in made:
        assert jobs.wait(job, 60)
    jobs._prune()
    assert [jobs.get(j.id, ALICE) is not None for j in made] == [False, False, True, True]
    assert jobs.jobs_for(ALICE) == [made[3], made[2]]
    jobs.keep_finished_s = 0.0
    jobs._prune()
    assert jobs.jobs_for(ALICE) == [] and jobs._jobs == {}


def test_eviction_waits_for_the_worker_that_loads_the_file(tmp_path):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path, in_process=True, ae_cache_size=1)
    paths = []
    for i in range(2):
        path = tmp_path / f"ae{i}.npz"
        path.write_bytes(b"weights")
        paths.append(path)
    jobs.autoencoders.remember("k0", str(paths[0]), [])
    pinned = jobs.autoencoders.pin("k0")  # a starting worker was handed this file
    assert pinned["path"] == str(paths[0])
    jobs.autoencoders.remember("k1", str(paths[1]), [])  # evicts k0
    assert jobs.autoencoders.pin("k0") is None
    assert paths[0].is_file()  # still there while in use
    jobs.autoencoders.unpin(str(paths[0]))
    assert not paths[0].is_file() and paths[1].is_file()


# ------------------------------------------------------------ real processes
def test_start_without_main_keeps_the_page_from_running_again(tmp_path, monkeypatch):
    """Under Streamlit ``__main__`` is the page; spawn and forkserver would run it again in the worker."""
    marker = tmp_path / "ran"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').close()\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    from explorer.compat import start_without_main
    from explorer.jobs.spawn import WORKER_CONTEXT

    for ctx in (multiprocessing.get_context("spawn"), WORKER_CONTEXT):  # the forkserver too
        plain = ctx.Process(target=time.sleep, args=(0,))
        plain.start()
        plain.join(60)
        assert marker.exists()  # what happens without the fix: the "page" ran in the child
        marker.unlink()

        fixed = ctx.Process(target=time.sleep, args=(0,))
        start_without_main(fixed)
        fixed.join(60)
        assert fixed.exitcode == 0 and not marker.exists()


@pytest.fixture(scope="module")
def procs(tmp_path_factory):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path_factory.mktemp("proc_runs"),
                      warm_workers=1, stop_grace_s=1.0)
    yield jobs
    jobs.close()


def test_warm_worker_takes_the_job_and_a_crash_stays_in_it(procs):
    warm_pid = procs.pool.idle[0].pid
    job = procs.submit(ALICE, tiny_config(pretrain_epochs=200, pretrain_batch_size=16))
    wait_for(lambda: job.pretrain or not job.active, 120)
    assert job.pid == warm_pid != os.getpid()
    os.kill(job.pid, signal.SIGKILL)  # a crash in native code, say
    assert procs.wait(job, 60)
    assert job.state == "failed" and "ended unexpectedly" in job.error
    after = procs.submit(ALICE, tiny_config())  # the server goes on
    assert procs.wait(after, 120) and after.state == "done", after.error
    assert after.pid not in (job.pid, os.getpid())


def test_stop_ends_a_worker_that_does_not_answer(procs):
    job = procs.submit(ALICE, tiny_config(pretrain_epochs=200, pretrain_batch_size=16))
    wait_for(lambda: job.pretrain or not job.active, 120)
    os.kill(job.pid, signal.SIGSTOP)  # a worker that cannot answer
    assert procs.stop(job.id, ALICE)
    assert procs.wait(job, 30)
    assert job.state == "stopped" and "was ended" in job.message
    with pytest.raises(ProcessLookupError):
        os.kill(job.pid, 0)


def test_the_shipped_autoencoder_is_used_only_when_it_matches(jobs):
    from dec_core.pretrained import load
    from dec_core.runs import load_run

    state = {}
    ensure_defaults(state)  # the built-in default: digits, default dims and pretraining
    assert state["train"]["autoencoder"] == "shipped"
    state["train"].update(max_iter=60, update_interval=30)  # DEC settings: the match holds
    job = jobs.submit(ALICE, {k: state[k] for k in ("data", "model", "train")})
    assert jobs.wait(job, 180) and job.state == "done", job.error
    recorded = load("digits").history
    assert job.autoencoder_source == "shipped" and job.reused_autoencoder
    assert [r["loss"] for r in job.pretrain] == [r["loss"] for r in recorded]  # as recorded
    assert job.view()["autoencoder_source"] == "shipped"
    run = load_run(job.run_path, with_model=False)
    assert run.config["extra"]["autoencoder"] == "shipped"

    live = jobs.submit(ALICE, tiny_config(pretrain_epochs=4))  # other data and settings
    assert jobs.wait(live, 120) and live.state == "done", live.error
    assert live.autoencoder_source == "live" and len(live.pretrain) == 4
    run = load_run(live.run_path, with_model=False)
    assert run.config["extra"]["autoencoder"] == "live"


def test_a_step_job_waiting_for_step_does_not_starve_the_queue(tmp_path):
    """Cap 1, one step job paused at update 0, one plain job: the plain job finishes
    (a paused step job must not hold the only slot); the step job waits on, then goes on."""
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True)
    step = jobs.submit(ALICE, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    wait_for(lambda: step.view()["waiting"] or not step.active)
    assert step.active and len(step.dec) == 1 and step.view()["waiting_since"] is not None
    assert jobs.running_count() == 0  # its slot is lent out while it waits
    info = step.view()["step_info"]  # the colours' matching (explorer.charts.theme.cluster_colors)
    from dec_core.metrics import cluster_acc
    from explorer.data import load

    y = load(tiny_config()["data"]).y
    assert info["n_classes"] == 10
    assert info["mapping"] == cluster_acc(y, info["labels"], return_mapping=True)[1]
    plain = jobs.submit(BOB, tiny_config())
    assert jobs.wait(plain, 120) and plain.state == "done", plain.error
    assert step.active and len(step.dec) == 1  # still waiting for a person
    step.step()
    wait_for(lambda: len(step.dec) == 2 and step.view()["waiting"], 30)
    jobs.stop(step.id, ALICE)
    assert jobs.wait(step, 60) and step.state == "stopped"
    assert not step.view()["waiting"] and jobs.running_count() == 0


def test_the_waiting_allowance_is_small_and_then_slots_count(tmp_path):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True, max_waiting=0)
    step = jobs.submit(ALICE, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    wait_for(lambda: step.view()["waiting"])
    plain = jobs.submit(BOB, tiny_config())
    time.sleep(1.0)
    assert plain.state == "queued" and jobs.queue_position(plain) == 1
    jobs.stop(step.id, ALICE)
    assert jobs.wait(plain, 120) and plain.state == "done"


def test_an_idle_step_job_is_saved_and_ended_with_words(tmp_path):
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True, step_idle_s=0.5)
    job = jobs.submit(ALICE, tiny_config(max_iter=200, tol=0.0), step_mode=True)
    assert jobs.wait(job, 120)
    assert job.state == "stopped" and job.idle_ended and job.run_path
    assert "waiting" in job.message and "for Step" in job.message and "saved" in job.message
    assert load_run(job.run_path).labels.shape == (200,)


def test_a_converged_step_job_ends_without_another_step(tmp_path):
    """The last update (the stop rule fired) is not followed by a wait for Step: the job
    ends by itself, as "finished" (it sat "running" for 14 minutes)."""
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True)
    job = jobs.submit(ALICE, tiny_config(max_iter=20, update_interval=10, tol=0.0),
                      step_mode=True)
    wait_for(lambda: job.view()["waiting"] or not job.active)
    job.step(2)  # update 1 at batch 10, update 2 at batch 20 = max_iter: the last
    assert jobs.wait(job, 60) and job.state == "done", job.error
    assert [r["update"] for r in job.dec] == [0, 1, 2]
    assert job.message.startswith("reached max_iter")


def test_one_parameter_check_for_the_page_and_the_worker(jobs):
    """The Train page refuses with the very words the worker fails with."""
    from explorer.data import load
    from explorer.jobs.resources import job_params

    config = tiny_config()
    config["model"]["n_clusters"] = 500  # 200 samples
    with pytest.raises(ValueError) as refused:
        job_params(config["model"], config["train"], load(config["data"], None))
    assert "n_clusters=500 is more than the 200 samples" in str(refused.value)
    job = jobs.submit(ALICE, config)
    assert jobs.wait(job, 120)
    assert job.state == "failed" and job.error == str(refused.value)
    assert job.phase == "finished" and job.finished is not None


def test_a_job_ends_only_through_end():
    job = Job(id="j", owner=ALICE, config={}, upload={"name": "a.csv", "bytes": b"1"})
    job.state, job.phase, job.waiting_since = "running", "dec", 1.0
    with pytest.raises(ValueError):
        job._end("running")
    before = job.version
    with job.lock:
        job._end("stopped", "stopped by the test")
    assert (job.state, job.phase, job.message, job.error) == ("stopped", "finished",
                                                              "stopped by the test", "")
    assert job.finished is not None and job.upload is None and job.waiting_since is None
    assert job.version > before and not job.active


def test_a_worker_gives_tensorflow_one_thread_per_op_unless_told_otherwise(monkeypatch):
    from explorer import settings
    from explorer.jobs import worker

    for key in ("DEC_TF_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(key, raising=False)
    assert settings.worker_tf_threads() == settings.WORKER_TF_THREADS == (1, 2)
    assert worker.tf_thread_env() == {"TF_NUM_INTRAOP_THREADS": "1",
                                      "TF_NUM_INTEROP_THREADS": "2"}
    monkeypatch.setenv("DEC_TF_THREADS", "2,1")
    assert worker.tf_thread_env() == {"TF_NUM_INTRAOP_THREADS": "2",
                                      "TF_NUM_INTEROP_THREADS": "1"}
    monkeypatch.setenv("DEC_TF_THREADS", "default")
    assert worker.tf_thread_env() == {}
    monkeypatch.setenv("DEC_TF_THREADS", "lots")  # unreadable: the default
    assert settings.worker_tf_threads() == (1, 2)
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "4")  # the server's own setting wins
    assert worker.tf_thread_env() == {"TF_NUM_INTEROP_THREADS": "2"}


def test_a_worker_starts_with_tensorflow_and_runs_it_on_the_threads_it_was_given(monkeypatch):
    """Through the real start: forked from the forkserver, in the server's environment of now."""
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    from explorer.jobs.spawn import WORKER_CONTEXT, start_process

    assert WORKER_CONTEXT.get_start_method() == ("forkserver" if sys.platform == "linux"
                                                 else "spawn")
    out = WORKER_CONTEXT.Queue()
    # the second setting comes after the forkserver started: the worker still sees it
    for threads in ((1, 2), (2, 1)):
        monkeypatch.setenv("DEC_TF_THREADS", f"{threads[0]},{threads[1]}")
        proc = start_process(_report_tf_threads, (out,))
        preloaded, got = out.get(timeout=120)
        proc.join(60)
        # TensorFlow came imported (forked): the worker did not pay for it
        assert preloaded == (WORKER_CONTEXT.get_start_method() == "forkserver")
        assert got == threads and proc.exitcode == 0


def test_the_forkserver_outlasts_a_sigterm_and_a_worker_outlasts_no_forkserver():
    """A SIGTERM to the server's process group leaves the forkserver (the server keeps
    track of its workers through it); should the forkserver die anyway, kill() still ends
    a worker. In a process of its own: the forkserver is killed."""
    code = textwrap.dedent("""
        import os, signal, time
        from multiprocessing import forkserver
        from explorer.jobs.pool import Runner
        runner = Runner(in_process=False)
        assert runner.events.get(timeout=120).__class__.__name__ == "Ready"
        server = forkserver._forkserver._forkserver_pid
        ignored = int(open(f"/proc/{server}/status").read().split("SigIgn:")[1].split()[0], 16)
        child = int(open(f"/proc/{runner.pid}/status").read().split("SigIgn:")[1].split()[0], 16)
        os.kill(server, signal.SIGKILL)
        time.sleep(0.5)
        assert runner.exitcode is not None  # what multiprocessing now believes
        assert runner.kill()
        time.sleep(0.5)
        stat = open(f"/proc/{runner.pid}/stat").read().split()[2] if os.path.exists(
            f"/proc/{runner.pid}") else "gone"
        print(bool(ignored & 1 << 14), bool(child & 1 << 14), stat)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=180, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    # the forkserver ignored SIGTERM, the worker did not; the worker has ended (a zombie
    # until whoever inherited it reaps it)
    ignored, child_ignored, state = out.stdout.split()
    assert (ignored, child_ignored) == ("True", "False") and state in ("gone", "Z"), out.stdout


def _report_tf_threads(out) -> None:
    preloaded = "tensorflow" in sys.modules
    from explorer.jobs import worker

    worker.warm_up()
    import tensorflow as tf

    out.put((preloaded, (tf.config.threading.get_intra_op_parallelism_threads(),
                         tf.config.threading.get_inter_op_parallelism_threads())))


def test_progress_never_goes_back_while_a_job_runs():
    """The estimate behind the bar can fall (here: epochs counted, then the worker's finer
    step count); the bar shows the most it said, until a resume starts a new attempt."""
    job = Job(id="job-progress", owner="o" * 20, config={"train": {"max_iter": 100, "tol": 0.001}},
              state="running", phase="pretraining", started=time.time())
    job.pretrain_epochs, job.pretrain = 10, [{"loss": 1.0}] * 5
    first, _ = job.progress()
    assert first == pytest.approx(0.4)
    job.pretrain_done = 0.1  # a lower estimate of the same moment
    assert job._estimated_progress()[0] < first  # what the bar showed before the floor
    assert job.progress()[0] == first
    job.pretrain_done = 0.9
    assert job.progress()[0] == pytest.approx(0.72)
    job._end("done")
    assert job.progress() == (1.0, 0.0)
