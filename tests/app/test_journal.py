"""The job journal: a server restart loses no job; interrupted jobs resume to the same result.

A "server" here is a small process that owns a JobManager with real worker
processes (``DRIVER``), killed with SIGKILL (a crash) or SIGTERM (a graceful
stop, which calls ``JobManager.shutdown`` as the app's exit hook does). The
restarted server is a new JobManager on the same runs folder. The pages' words
for an interrupted job are checked under AppTest at the end.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from dec_core.runs import load_run
from explorer.jobs import JobManager, owner_dir
from explorer.jobs.journal import FOLDER
from explorer.session.state import ensure_defaults

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB = "alice" * 4, "bobby" * 4

# A server: submits one job for ALICE, prints its progress, waits to be killed.
DRIVER = textwrap.dedent("""
    import json, signal, sys, time
    from explorer.jobs import JobManager
    runs, config, graceful = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
    jobs = JobManager(max_jobs=1, runs_dir=runs)
    if graceful:  # what the app's exit hook does on SIGTERM
        def stop(*_):
            jobs.shutdown()
            print("shut", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
    job = jobs.submit("alice" * 4, config)
    print("job", job.id, flush=True)
    while True:
        print("at", len(job.pretrain), len(job.dec), job.pid, job.state, flush=True)
        time.sleep(0.1)
""")


def tiny_config(**train):
    state = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=200)
    state["model"].update(hidden=[16, 4])
    state["train"].update({"autoencoder": "live", "pretrain_epochs": 2, "max_iter": 40,
                           "update_interval": 10, **train})
    return {k: state[k] for k in ("data", "model", "train")}


def crash_copy(runs, to):
    """The disk as a SIGKILL leaves it, less the half-written ``.tmp-*`` files and folders
    (nothing reads them, and they vanish under the copy as the live job renames them)."""
    shutil.copytree(runs, to, ignore=shutil.ignore_patterns(".tmp-*"))


# long enough to be caught mid-way on a slow machine, short to finish in seconds
# (300 epochs of 13 steps, ~10 ms each on a quiet 2-core machine; the worker is frozen
# across the SIGKILL (run_server), so it checkpoints a few epochs after the kill; the DEC
# phase is fast, so its 80 updates stay: caught at update 2 or 3, it must not end first)
SLOW = dict(pretrain_epochs=300, pretrain_batch_size=16, max_iter=1600, update_interval=20,
            tol=0.0, batch_size=16)
# the tests that interrupt the DEC phase need pretraining over, not long
DEC_SLOW = {**SLOW, "pretrain_epochs": 20}


def epochs_run(epochs: int) -> int:
    """The epochs a tiny_config job of SLOW's batch runs: the step budget cuts 5,000 short."""
    from dec_core.cost import pretrain_plan
    from dec_core.presets import PRETRAIN_STEPS

    return pretrain_plan(200, SLOW["pretrain_batch_size"], epochs, PRETRAIN_STEPS)[2]


def wait_for(condition, timeout=60.0):
    end = time.time() + timeout
    while not condition():
        if time.time() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (dead) parent counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def run_server(runs, config, until, sig, graceful=False):
    """Start DRIVER, wait until ``until(pretrain_epochs, dec_updates)``, send ``sig``.

    A SIGKILL comes with the worker frozen (SIGSTOP) until the server is dead: the
    orphaned worker then checkpoints within an epoch or two of where the server last saw
    it, however the machine is loaded (once, on a busy machine, it had run all of
    pretraining between the line read here and its noticing the server was gone).
    Returns ``(job_id, worker_pid, driver_output, seconds from the signal (the thaw) to
    the worker's end)``.
    """
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(runs), json.dumps(config),
                             "1" if graceful else "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    job_id, worker = proc.stdout.readline().split()[1], None
    end = time.time() + 180
    for line in proc.stdout:
        if line.startswith("at"):
            _, n_pre, n_dec, pid, state = line.split()
            worker = int(pid) if pid != "None" else worker
            assert state in ("queued", "running"), state
            if until(int(n_pre), int(n_dec)):
                break
        assert time.time() < end, "the job did not get there in time"
    freeze = sig == signal.SIGKILL and worker is not None
    if freeze:
        os.kill(worker, signal.SIGSTOP)
    try:
        proc.send_signal(sig)
        if freeze:
            proc.wait(60)
    finally:
        if freeze:
            os.kill(worker, signal.SIGCONT)
    t0 = time.time()
    tail = proc.communicate(timeout=60)[0]  # EOF once the worker, which shares stdout, ends
    return job_id, worker, tail, time.time() - t0


def uninterrupted(tmp_path_factory, train: dict):
    """The uninterrupted run of ``tiny_config(**train)`` (same code, in-process)."""
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path_factory.mktemp("ref"), in_process=True)
    job = jobs.submit(ALICE, tiny_config(**train))
    assert jobs.wait(job, 300) and job.state == "done", job.error
    return load_run(job.run_path, with_model=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return uninterrupted(tmp_path_factory, SLOW)


@pytest.fixture(scope="module")
def reference_dec(tmp_path_factory):
    return uninterrupted(tmp_path_factory, DEC_SLOW)


@pytest.mark.parametrize("phase", ["pretraining", "dec"])
def test_sigkill_then_restart_shows_the_job_interrupted_and_resume_matches(
        tmp_path, request, phase):
    runs = tmp_path / "runs"
    train = SLOW if phase == "pretraining" else DEC_SLOW
    reference = request.getfixturevalue("reference" if phase == "pretraining" else "reference_dec")
    until = ((lambda pre, dec: pre >= 5) if phase == "pretraining"
             else (lambda pre, dec: dec >= 3))
    job_id, worker, _, ended_in = run_server(runs, tiny_config(**train), until, signal.SIGKILL)
    # the orphaned worker saves a checkpoint at its next boundary and ends by itself, well
    # before its last resort (in the DEC phase it once waited that out: its last events
    # stuck in a full pipe that no one read any more)
    from explorer.jobs.worker import ORPHAN_GRACE_S

    wait_for(lambda: not alive(worker), 60)
    assert ended_in < ORPHAN_GRACE_S / 2, ended_in
    record = json.loads((runs / FOLDER / f"{job_id}.json").read_text())
    assert record["owner"] == owner_dir(ALICE)
    assert ALICE not in json.dumps(record)  # the token is never written down

    jobs = JobManager(max_jobs=1, runs_dir=runs, in_process=True)  # the restarted server
    job = jobs.get(job_id, ALICE)
    assert jobs.get(job_id, BOB) is None and jobs.interrupted_for(ALICE) is job
    assert job.state == "interrupted" and not job.active
    if phase == "pretraining":
        assert job.message.startswith("interrupted by a server restart at epoch ")
        assert job.message.endswith(f" of {train['pretrain_epochs']}")
        assert job.resume_from.startswith("the checkpoint at pretraining epoch ")
    else:
        assert job.message.startswith("interrupted by a server restart at update ")
        assert job.resume_from.startswith("the checkpoint at DEC update ")
    assert jobs.resume(job_id, ALICE)
    assert jobs.wait(job, 300) and job.state == "done", job.error
    assert job.resumed == 1 and job.message
    run = load_run(job.run_path, with_model=False)
    np.testing.assert_array_equal(run.labels, reference.labels)  # identical, as documented
    np.testing.assert_array_equal(run.arrays["snapshots"], reference.arrays["snapshots"])
    assert len(job.pretrain) == train["pretrain_epochs"] and len(job.dec) == reference.arrays["snapshots"].shape[0]
    leftover = runs / FOLDER / f"{job_id}.ckpt.npz"
    wait_for(lambda: not leftover.exists(), 30)  # done: the checkpoint is not needed


def test_sigterm_checkpoints_marks_interrupted_and_leaves_no_process(tmp_path, reference_dec):
    reference = reference_dec
    runs = tmp_path / "runs"
    job_id, worker, tail, _ = run_server(runs, tiny_config(**DEC_SLOW),
                                      lambda pre, dec: dec >= 2, signal.SIGTERM, graceful=True)
    assert "shut" in tail
    assert not alive(worker)  # gone the moment the server is
    record = json.loads((runs / FOLDER / f"{job_id}.json").read_text())
    assert record["state"] == "interrupted"
    assert record["message"].startswith("interrupted by a server restart at update ")
    assert record["resume_from"].startswith("the checkpoint at DEC update ")
    assert (runs / FOLDER / f"{job_id}.ckpt.npz").is_file()
    jobs = JobManager(max_jobs=1, runs_dir=runs, in_process=True)
    job = jobs.get(job_id, ALICE)
    assert job.state == "interrupted" and job.message == record["message"]
    assert jobs.resume(job_id, ALICE) and jobs.wait(job, 300) and job.state == "done"
    np.testing.assert_array_equal(load_run(job.run_path, with_model=False).labels,
                                  reference.labels)
    wait_for(lambda: json.loads((runs / FOLDER / f"{job_id}.json").read_text())["state"]
             == "done")
    later = JobManager(max_jobs=1, runs_dir=runs, in_process=True).get(job_id, ALICE)
    assert later.state == "done" and later.run_path == job.run_path  # and its charts:
    assert len(later.pretrain) == DEC_SLOW["pretrain_epochs"] and len(later.dec) == len(job.dec)


def test_without_a_dec_checkpoint_resume_reuses_the_pretrained_autoencoder(
        tmp_path, reference_dec):
    reference = reference_dec
    runs = tmp_path / "runs"
    before = JobManager(max_jobs=1, runs_dir=runs, in_process=True)
    job = before.submit(ALICE, tiny_config(**DEC_SLOW))
    record = runs / FOLDER / f"{job.id}.json"
    wait_for(lambda: json.loads(record.read_text())["progress"]["update"] is not None, 120)
    crash_copy(runs, tmp_path / "crash")
    before.stop(job.id, ALICE)
    (tmp_path / "crash" / FOLDER / f"{job.id}.ckpt.npz").unlink(missing_ok=True)
    after = JobManager(max_jobs=1, runs_dir=tmp_path / "crash", in_process=True)
    again = after.get(job.id, ALICE)
    assert again.message.startswith("interrupted by a server restart at update ")
    assert again.resume_from.startswith("the pretrained autoencoder (pretraining had finished")
    assert after.resume(job.id, ALICE) and after.wait(again, 300) and again.state == "done"
    assert again.autoencoder_source == "resumed"  # its own, saved before the restart
    np.testing.assert_array_equal(load_run(again.run_path, with_model=False).labels,
                                  reference.labels)


def test_queued_jobs_survive_a_restart_in_order(tmp_path):
    runs = tmp_path / "runs"
    before = JobManager(max_jobs=1, runs_dir=runs, in_process=True)
    # a long job holds the one slot (a step job waiting for Step would lend it)
    first = before.submit(ALICE, tiny_config(**{**SLOW, "pretrain_epochs": 5000}))
    queued = [before.submit(BOB, tiny_config()), before.submit(ALICE, tiny_config(seed=1)),
              before.submit(BOB, tiny_config(seed=2))]
    record = runs / FOLDER / f"{first.id}.json"
    wait_for(lambda: json.loads(record.read_text())["progress"]["epoch"] >= 1)
    assert [j.state for j in queued] == ["queued"] * 3
    crash = tmp_path / "crash"
    crash_copy(runs, crash)
    for job in queued:
        before.stop(job.id, job.owner)
    before.stop(first.id, ALICE)

    after = JobManager(max_jobs=1, runs_dir=crash, in_process=True)
    again = [after.get(j.id, j.owner) for j in queued]
    assert after.get(first.id, ALICE).state == "interrupted"
    assert after.get(first.id, ALICE).message.startswith(
        "interrupted by a server restart at epoch ")
    assert after.get(first.id, ALICE).message.endswith(f" of {epochs_run(5000)}")
    assert [after.queue_position(j) for j in again[1:]] == [1, 2]
    for job in again:
        assert after.wait(job, 120) and job.state == "done", job.error
    assert again[0].started <= again[1].started <= again[2].started
    assert [j.name for j in after.jobs_for(BOB)] == ["digits", "digits"]


def test_train_and_runs_pages_say_it_in_words(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import explorer.jobs as jobs_module

    runs = tmp_path / "runs"
    before = JobManager(max_jobs=1, runs_dir=runs, in_process=True)
    job = before.submit(ALICE, tiny_config(**{**SLOW, "pretrain_epochs": 5000}))
    record = runs / FOLDER / f"{job.id}.json"
    wait_for(lambda: json.loads(record.read_text())["progress"]["epoch"] >= 1)
    crash_copy(runs, tmp_path / "crash")
    before.stop(job.id, ALICE)
    after = JobManager(max_jobs=1, runs_dir=tmp_path / "crash", in_process=True)
    monkeypatch.setattr(jobs_module, "_MANAGER", after)

    listing = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=60)
    listing.session_state["owner"] = ALICE
    listing.run()
    assert not listing.exception
    status = listing.dataframe[0].value["status"].tolist()
    assert status[0].startswith("interrupted by a server restart at epoch ")
    assert "Resume on the Train page continues from the start" in status[0]

    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=120)
    at.session_state["owner"] = ALICE  # a new session of the same browser, no ?job= link
    at.run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "This training was interrupted by a server restart at epoch " in text
    assert f"of {epochs_run(5000)}" in text
    # no checkpoint within its first 15 s: what is kept and what runs again, no "nothing lost"
    assert "continues from the start: no checkpoint was saved before the interruption, so " \
           "all the work done before it runs again" in text
    assert "Kept: its settings, its data and its link" in text and "Nothing is lost" not in text
    next(b for b in at.button if b.label == "Resume").click().run()
    assert job.id == at.session_state["job_id"] and after.get(job.id, ALICE).resumed == 1
    wait_for(lambda: after.get(job.id, ALICE).state == "running")
    after.stop(job.id, ALICE)
    assert after.wait(after.get(job.id, ALICE), 60)
