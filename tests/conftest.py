"""Shared test set-up: quiet TensorFlow, tiny data, the MNIST test file."""

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# no pre-started TensorFlow worker per test server / manager (tests are not timed)
os.environ.setdefault("DEC_WARM_WORKERS", "0")
# the machine's matmul rate, fixed: each server and test process would otherwise measure it
# (0.7 CPU s, dec_core.cost.machine_gflops; tests/engine/test_cost.py measures it once)
os.environ.setdefault("DEC_GFLOPS", "150")

ROOT = Path(__file__).resolve().parents[1]
MNIST_PATH = Path(os.environ.get("DEC_TEST_MNIST", ROOT.parent / "shared" / "data" / "mnist.npz"))


# The README's test command runs the suite on three pytest-xdist workers, a test file to
# a worker (pyproject.toml: -n 3 --dist loadfile --no-loadscope-reorder). On 2 cores a
# third worker runs while the other two wait on their servers, browsers and worker
# processes: the machine stays busy (98% in vmstat; three workers run the suite in
# less wall time than two). Files go out in collection
# order, so the longest start first and the many short ones fill in behind them;
# otherwise a minute-long browser test could start last and run alone. Seconds per file on the 2-core machine, three workers (2026-12-01);
# the rest keep their order.
LONGEST_FIRST = (
    "tests/browser/test_browser.py",          # ~95 s: two servers, five browser scenarios
    "tests/browser/test_browser_lab.py",      # ~160 s on a busy machine: three lab scenarios
    "tests/browser/test_restart_browser.py",  # ~85 s: three server starts
    "tests/app/test_journal.py",              # ~70 s: servers killed and restarted
    "tests/app/test_jobs.py",                 # ~65 s: real worker processes
    "tests/app/test_k_sweep.py",              # ~65 s alone (-n 0, busy machine): sweeps, a DEC fit, the CLI
    "tests/browser/test_browser_k_sweep.py",  # ~55 s (26 s alone): a server, an upload, a sweep
    "tests/browser/test_load.py",             # ~40 s: three browser sessions
    "tests/browser/test_browser_limits.py",   # ~30 s
    "tests/engine/test_durability.py",        # ~25 s: six SIGKILLed children
    "tests/engine/test_notebook.py",          # ~25 s: a Jupyter kernel runs a run's notebook
    "tests/browser/test_browser_map.py",      # ~20 s
    "tests/app/test_package.py",              # ~15 s: builds and installs the wheel
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank))

    items.sort(key=key)  # stable: tests keep their order inside a file


@pytest.fixture(autouse=True)
def _no_background_task_outlives_its_test():
    """A page's background computation (e.g. Explore's UMAP) finishes inside its test:
    one still running in the next test's time can swap the process's warnings state
    under that test's ``pytest.warns`` (catch_warnings is not thread-safe)."""
    yield
    import sys

    background = sys.modules.get("explorer.session.background")
    if background is not None and background._TASKS is not None:
        assert background._TASKS.wait_all(timeout=300), "a background task ran past 300 s"


@pytest.fixture
def mnist_path() -> Path:
    if not MNIST_PATH.is_file():
        pytest.skip(f"MNIST test file not found at {MNIST_PATH}")
    return MNIST_PATH


@pytest.fixture
def blobs():
    """Four well-separated blobs in 8-d: (x float32 (200, 8), y int64 (200,))."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=200, n_features=8, centers=4, cluster_std=0.5,
                      center_box=(-10, 10), random_state=0)
    return x.astype(np.float32), y.astype(np.int64)
