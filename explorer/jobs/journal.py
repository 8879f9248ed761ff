"""The job journal: every job's record on disk, so a server restart loses none.

One small JSON file per job in ``<runs>/.jobs/<job id>.json``, rewritten
atomically (:func:`dec_core.runs.atomic_write_bytes`: a temporary file,
fsync, rename) when the job is queued, starts, changes phase, makes progress
(at most once per :data:`PROGRESS_EVERY_S`) and ends. Beside it, while the
job may still need them:

* ``<id>.upload``: the bytes of an uploaded data file (a queued or
  interrupted job needs them to start again);
* ``<id>.ckpt.npz``: the worker's training checkpoint
  (:mod:`dec_core.checkpoint`), the point a Resume continues from.

A record names its owner by :func:`explorer.jobs.owner_dir` (a digest),
never by the owner token. A new :class:`~explorer.jobs.JobManager` reads the
journal (:meth:`Journal.load`): queued jobs are queued again in their order,
running ones become *interrupted*.

This module never imports streamlit or TensorFlow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dec_core.runs import atomic_write_bytes

PROGRESS_EVERY_S = 1.0  # a running job's record is rewritten at most this often for progress
FOLDER = ".jobs"  # in the runs folder, beside the owners' folders (16 hex digits each)
_SUFFIX = ".json"


class Journal:
    """Job records in ``<runs_dir>/.jobs`` (:data:`FOLDER`), one file per job.

    Parameters
    ----------
    runs_dir : path-like
        The server's runs folder; the journal's folder in it is created on
        the first write.
    """

    def __init__(self, runs_dir) -> None:
        self.root = Path(runs_dir) / FOLDER

    def _path(self, job_id: str) -> Path:
        if not job_id or "/" in job_id or job_id.startswith("."):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / f"{job_id}{_SUFFIX}"

    def write(self, record: dict) -> None:
        """Store one job's record (atomically; it replaces the job's earlier record)."""
        self.root.mkdir(parents=True, exist_ok=True)
        data = json.dumps(record, default=_plain, allow_nan=True).encode("utf-8")
        atomic_write_bytes(self._path(record["id"]), data)

    def load(self) -> tuple[list[dict], list[str]]:
        """Every readable record, oldest first (by ``seq``), and the problems met.

        A file that cannot be read (cut short by a full disk, say) is named in
        the problems and left alone.
        """
        records, problems = [], []
        if not self.root.is_dir():
            return records, problems
        for path in self.root.glob(f"*{_SUFFIX}"):
            if path.name.startswith("."):
                continue
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                if record["id"] != path.name[: -len(_SUFFIX)]:
                    raise ValueError("the id does not match the file name")
            except (OSError, ValueError, KeyError, TypeError) as err:
                problems.append(f"{path.name}: {err}")
                continue
            records.append(record)
        records.sort(key=lambda r: (r.get("seq", 0), r.get("created", 0.0)))
        return records, problems

    def remove(self, job_id: str) -> None:
        """Forget a job: its record, upload and checkpoint."""
        for path in (self._path(job_id), self.upload_path(job_id), self.checkpoint_path(job_id)):
            _unlink(path)

    # -- what a job may still need
    def upload_path(self, job_id: str) -> Path:
        """Where an uploaded data file's bytes are kept for the job."""
        return self.root / f"{job_id}.upload"

    def checkpoint_path(self, job_id: str) -> Path:
        """Where the job's worker keeps its training checkpoint."""
        return self.root / f"{job_id}.ckpt.npz"

    def save_upload(self, job_id: str, upload: dict) -> None:
        """Keep an upload's bytes (its file name goes into the record)."""
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.upload_path(job_id), upload["bytes"])

    def load_upload(self, job_id: str, name: str) -> dict | None:
        """The upload kept for a job, as ``{"name", "bytes"}``; None when it is gone."""
        try:
            return {"name": name, "bytes": self.upload_path(job_id).read_bytes()}
        except OSError:
            return None

    def drop_leftovers(self, job_id: str) -> None:
        """A finished job needs neither its upload nor its checkpoint any more."""
        _unlink(self.upload_path(job_id))
        _unlink(self.checkpoint_path(job_id))


def _plain(obj):
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def _unlink(path: Path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
