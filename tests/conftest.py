"""Shared test set-up: quiet TensorFlow, tiny data, the MNIST test file."""

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# no pre-started TensorFlow worker per test server / manager (tests are not timed)
os.environ.setdefault("DEC_WARM_WORKERS", "0")

ROOT = Path(__file__).resolve().parents[1]
MNIST_PATH = Path(os.environ.get("DEC_TEST_MNIST", ROOT.parent / "shared" / "data" / "mnist.npz"))


@pytest.fixture(autouse=True)
def _no_background_task_outlives_its_test():
    """A page's background computation (e.g. Explore's UMAP) finishes inside its test:
    one still running in the next test's time once swapped the process's warnings state
    under that test's ``pytest.warns`` (catch_warnings is not thread-safe)."""
    yield
    import sys

    background = sys.modules.get("explorer.background")
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
