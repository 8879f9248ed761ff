"""Server-wide settings, read from environment variables.

``DEC_RUNS_DIR``   where runs are saved (default ``./runs``).
``DEC_DATA_DIR``   a folder with ``mnist.npz`` / ``fashion_mnist.npz`` (Keras layout).
``DEC_MAX_JOBS``   concurrent training jobs per server (default: CPU cores).
``DEC_MAX_UPLOAD_CELLS``  most values (rows x columns) an upload may hold.
``DEC_WARM_WORKERS``  worker processes kept started and waiting for a job (default 1).
``DEC_TF_THREADS``  TensorFlow's "intra,inter" op threads in a worker (default ``1,2``;
                    ``default`` leaves TensorFlow's own choice).
"""

from __future__ import annotations

import os
from pathlib import Path


def runs_dir() -> Path:
    """The folder that holds saved runs, one sub-folder per owner."""
    return Path(os.environ.get("DEC_RUNS_DIR", "runs")).expanduser().resolve()


def data_dir() -> Path | None:
    value = os.environ.get("DEC_DATA_DIR")
    return Path(value).expanduser() if value else None


def max_jobs() -> int:
    try:
        return max(1, int(os.environ.get("DEC_MAX_JOBS", "0")) or (os.cpu_count() or 1))
    except ValueError:
        return os.cpu_count() or 1


def max_upload_cells() -> int:
    try:
        return int(os.environ.get("DEC_MAX_UPLOAD_CELLS", str(20_000_000)))
    except ValueError:
        return 20_000_000


def warm_workers() -> int:
    """Worker processes the server keeps warm (TensorFlow imported, waiting for a job).

    One makes Start show its first chart within seconds; 0 saves the memory of
    an idle process (a few hundred MB).
    """
    try:
        return max(0, int(os.environ.get("DEC_WARM_WORKERS", "1")))
    except ValueError:
        return 1


WORKER_TF_THREADS = (1, 2)
"""A training worker's TensorFlow threads: one per op, two ops at once.

A worker shares the machine with the browser that watches it (and with other jobs):
TensorFlow's default splits every small matmul over all cores, and a core the browser
holds makes the others wait. Measured on the project's 2-core machine, same sitting
(``python scripts/demo_timing.py``): the live-pretraining digits demo finished
in 17.4 / 17.6 s with ``1,2`` against 22.2 / 21.5 s with TensorFlow's default (worker
CPU 21-22 s against 27 s); the shipped-autoencoder demo in 6.9 / 6.3 s against
6.8 / 6.7 / 7.2 s. The same pretraining alone used 16.1 CPU s instead of 21.3.
"""


def worker_tf_threads() -> tuple[int, int] | None:
    """``(intra_op, inter_op)`` threads for TensorFlow in a training worker, or None for
    TensorFlow's default (``DEC_TF_THREADS=default``); see :data:`WORKER_TF_THREADS`."""
    value = os.environ.get("DEC_TF_THREADS", "").strip().lower()
    if value in ("default", "0"):
        return None
    try:
        intra, inter = (int(v) for v in value.split(","))
        if intra >= 1 and inter >= 1:
            return intra, inter
    except ValueError:
        pass
    return WORKER_TF_THREADS
