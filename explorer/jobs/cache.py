"""Pretrained autoencoders reused across jobs: :class:`AutoencoderCache`.

A job whose data and pretraining settings match an earlier job's skips
pretraining and loads that autoencoder (only DEC settings changed). The cache
keeps the ``size`` most recently used ones in ``folder`` (weights ``<key>.npz``
and, beside them, the pretraining curve ``<key>.json``, so a server after a
restart can reuse them too). One that a worker is loading is *pinned*: evicting
it then only marks it, and the last unpin deletes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter, OrderedDict
from pathlib import Path

from dec_core.pretrained import pretrain_settings
from explorer.data import upload_digest


class AutoencoderCache:
    """The least-recently-used pretrained autoencoders, pinned while in use.

    Parameters
    ----------
    folder : path-like
        Where the files live (created on first use).
    size : int, default=4
        How many autoencoders to keep.
    """

    def __init__(self, folder, size: int = 4) -> None:
        self.folder = Path(folder)
        self.size = int(size)
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, dict] = OrderedDict()  # key -> {"path", "pretrain"}
        self._pins: Counter[str] = Counter()  # path -> jobs loading it now
        self._doomed: set[str] = set()        # evicted while pinned: delete on unpin

    @staticmethod
    def key(config: dict, owner_key: str, upload: dict | None = None) -> str:
        """The cache key of a job's autoencoder: its data and every pretraining setting.

        Built-in data sets share pretrained weights across sessions (nothing
        private in them); an upload's weights stay with its owner.
        """
        payload = {
            "data": config["data"], "hidden": config["model"]["hidden"],
            "upload": upload_digest(upload["bytes"]) if upload else None,
            "owner": owner_key if upload else None,
            # dec_core's PRETRAIN_KEYS (SGD's momentum only with SGD, ...), and the step budget
            **pretrain_settings({**config["train"], "random_state": config["train"].get("seed")},
                                defaults=False),
            "pretrain_steps": config["train"].get("pretrain_steps"),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def path(self, key: str) -> Path:
        """Where the weights for ``key`` are (or will be) saved."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{key}.npz"

    def pin(self, key: str) -> dict | None:
        """The cached autoencoder for ``key``, pinned so no eviction deletes it; or None.

        One saved before a restart is found on disk (weights and, beside them,
        the pretraining curve). Returns ``{"path": str, "pretrain": rows}``.
        """
        with self._lock:
            cached = self._entries.get(key)
            if cached is None:
                path = self.path(key)
                try:
                    rows = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return None
                if not path.is_file():
                    return None
                cached = self._entries[key] = {"path": str(path), "pretrain": rows}
                self._evict()
            if not Path(cached["path"]).is_file():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self._pins[cached["path"]] += 1
            return cached

    def unpin(self, path: str) -> None:
        """A worker has loaded ``path``; delete it now if it was evicted meanwhile."""
        with self._lock:
            self._pins[path] -= 1
            if self._pins[path] <= 0:
                del self._pins[path]
                if path in self._doomed:
                    self._doomed.discard(path)
                    _remove(path)

    def remember(self, key: str, path: str, pretrain: list) -> None:
        """A worker saved a new autoencoder at ``path`` with its curve ``pretrain``."""
        try:  # its curve beside it: a server after a restart can reuse it too
            from dec_core.runs import atomic_write_bytes

            atomic_write_bytes(Path(path).with_suffix(".json"),
                               json.dumps(pretrain).encode("utf-8"))
        except OSError:
            pass
        with self._lock:
            self._entries[key] = {"path": path, "pretrain": pretrain}
            self._entries.move_to_end(key)
            self._evict()

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        """Drop the least recently used autoencoders beyond ``size`` (lock held)."""
        while len(self._entries) > self.size:
            _, old = self._entries.popitem(last=False)
            if self._pins[old["path"]] > 0:
                self._doomed.add(old["path"])  # a worker is loading it: later
            else:
                self._pins.pop(old["path"], None)
                _remove(old["path"])


def _remove(path: str) -> None:
    for name in (path, str(Path(path).with_suffix(".json")) if path.endswith(".npz") else None):
        try:
            if name:
                os.remove(name)
        except OSError:
            pass
