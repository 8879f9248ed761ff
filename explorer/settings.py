"""Server-wide settings, read from environment variables.

``DEC_RUNS_DIR``   where runs are saved (default ``./runs``).
``DEC_DATA_DIR``   a folder with ``mnist.npz`` / ``fashion_mnist.npz`` (Keras layout).
``DEC_MAX_JOBS``   concurrent training jobs per server (default: CPU cores).
``DEC_MAX_UPLOAD_CELLS``  most values (rows x columns) an upload may hold.
``DEC_WARM_WORKERS``  worker processes kept started and waiting for a job (default 1).
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
