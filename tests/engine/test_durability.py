"""Fault test: SIGKILL a process in the middle of saving runs, again and again.

Every run on disk must afterwards load (and predict as saved) or be flagged
incomplete; the run being overwritten must hold the old state or the new one.
"""

import os
import random
import signal
import time

import numpy as np
import pytest

from dec_core import DEC
from dec_core.runs import list_runs, load_run, save_run

KILLS = 6


def saver(root: str, base: str, ready, go, saved) -> None:
    """A child process: load the run, say ready, then save it over and over until killed
    (``saved`` is set once the first save of "shared" is complete)."""
    import numpy as np

    from dec_core.runs import load_run, save_run

    run = load_run(base)
    x = np.load(base + "/x.npy")
    ready.set()
    go.wait()  # started ahead while the previous child was still saving
    i = 0
    while True:
        save_run(root + "/shared", run.estimator, x, run.y_true)   # overwrite in place
        saved.set()
        save_run(root + f"/new-{i}", run.estimator, x, run.y_true)  # a fresh folder
        i += 1


def saver_context():
    """Children forked from a forkserver that has imported TensorFlow (a real process each,
    killed for real), so six children do not import it six times (3 CPU s each). The
    forkserver is one per process: if the app's (explorer.jobs.spawn) runs already, it is
    the one, and it has these modules too."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["dec_core.runs", "tensorflow", "keras"])
    return ctx


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(c, 0.3, (40, 6)) for c in (-3, 0, 3)]).astype(np.float32)
    y = np.repeat(np.arange(3), 40)
    est = DEC(3, dims=[6, 8, 3], pretrain_epochs=2, max_iter=20, n_init=2,
              random_state=0).fit(x, y)
    path = tmp_path_factory.mktemp("base") / "base"
    save_run(path, est, x, y)
    np.save(path / "x.npy", x)
    return path, x, est.predict(x)


def test_sigkill_during_saves_loses_nothing(base_run, tmp_path):
    base, x, expected = base_run
    root = tmp_path / "runs"
    root.mkdir()
    ctx = saver_context()
    rng = random.Random(0)
    kills = 0

    def child():
        ready, go, saved = ctx.Event(), ctx.Event(), ctx.Event()
        proc = ctx.Process(target=saver, args=(str(root), str(base), ready, go, saved),
                           daemon=True)
        proc.start()
        return proc, ready, go, saved

    # Each child loads the run before it touches the runs folder, so the next one does
    # that while this one saves and is checked.
    upcoming = child()
    try:
        for cycle in range(KILLS):
            (proc, ready, go, saved), upcoming = upcoming, (child() if cycle < KILLS - 1
                                                            else None)
            end = time.time() + 120
            while not ready.wait(0.2):  # a child that died starting fails the test at once
                assert proc.is_alive() and time.time() < end, proc.exitcode
            go.set()
            # the first child completes one save of "shared" (on a loaded machine a first
            # save took longer than every kill delay); after that, "shared" is overwritten
            while cycle == 0 and not saved.wait(0.2):
                assert proc.is_alive() and time.time() < end + 120, proc.exitcode
            time.sleep(rng.uniform(0.05, 1.5))  # somewhere inside a save
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(60)
            assert proc.exitcode == -signal.SIGKILL
            kills += 1
            check(root, x, expected)
    finally:
        if upcoming is not None:
            upcoming[0].kill()
            upcoming[0].join(60)
    assert kills == KILLS
    assert (root / "shared").exists()
    for hidden in root.glob(".*"):  # leftovers are only temporaries, never listed
        assert hidden.name.startswith((".tmp-", ".old-"))


def check(root, x, expected):
    """Every run loads and predicts as saved, or is flagged; "shared" is old or new."""
    runs = list_runs(root)  # also restores a run caught between its renames
    for info in runs:
        if info.complete:
            run = load_run(info.path)
            np.testing.assert_array_equal(run.estimator.predict(x), expected)
        else:
            assert info.problem
    if any(r.name == "shared" for r in runs) or (root / "shared").exists():
        shared = load_run(root / "shared")  # old or new, never half
        np.testing.assert_array_equal(shared.labels, expected)
