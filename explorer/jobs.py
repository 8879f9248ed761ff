"""Training jobs that outlive the script run: worker processes with a queue.

Streamlit reruns a page's script on every click, and a refresh starts a new
session, so training cannot live in the script run. A :class:`JobManager`
(one per server process) runs each job in its own worker *process*, at most
``max_jobs`` at a time; later jobs wait in a queue. A process, not a thread:
TensorFlow's training loop then never competes with the UI for Python's GIL
(a busy UI thread made in-process training several times slower), a crash in
native code cannot take the server down, and Stop can always end a job.

The worker never calls ``st.*``: it sends events (epochs, updates, the result)
over a queue; a thread in the server copies them into the :class:`Job`, which
pages poll.

Each job belongs to an *owner* token (one per browser, kept in a cookie). Every
lookup takes the owner, so no session sees or stops another's job. A finished
job saves its run folder whether or not anybody is watching.

This module never imports streamlit.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import multiprocessing
import multiprocessing.spawn as _spawn
import os
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dec_core.callbacks import Callback, StopOnEvent

from . import settings
from .data import load as load_data
from .data import upload_digest
from .state import PRETRAIN_KEYS, dec_params

_MP = multiprocessing.get_context("spawn")  # never fork a process that runs TensorFlow
SNAPSHOT_POINTS = 1000      # rows whose embedding is kept at every DEC update
MAX_X_VALUES = 20_000_000   # tabular data saved with the run up to this size (float32)
STATES_ACTIVE = ("queued", "running")


@dataclass
class Job:
    """One training job and everything the page needs to draw it.

    Lists are appended by the worker thread and only read by pages; use
    :meth:`view` for a consistent copy.
    """

    id: str
    owner: str
    config: dict                      # {"data": ..., "model": ..., "train": ...}
    upload: dict | None = field(default=None, repr=False)
    name: str = ""
    step_mode: bool = False
    state: str = "queued"             # queued | running | done | stopped | failed
    phase: str = "queued"             # queued | loading | pretraining | kmeans | dec | saving | finished
    message: str = ""
    error: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    first_event: float | None = None  # when the first chart point arrived
    pretrain: list = field(default_factory=list)   # dicts: epoch, stage, loss, seconds
    pretrain_epochs: int = 0
    kmeans: dict = field(default_factory=dict)     # scores of AE + k-means
    dec: list = field(default_factory=list)        # dicts: update, iteration, loss, delta_label, acc...
    step_info: dict = field(default_factory=dict, repr=False)  # q, p, f of the last update
    sharpening: list = field(default_factory=list)  # mean max q and max p per update
    reused_autoencoder: bool = False
    dataset_info: dict = field(default_factory=dict)
    run_path: str | None = None
    scores: dict = field(default_factory=dict)
    pid: int | None = None
    warnings: list = field(default_factory=list)   # things people should know about the result
    # shared with the worker process
    stop_event: object = field(default_factory=_MP.Event, repr=False)
    # step mode: the worker waits at each DEC update until given a credit
    _credits: object = field(default_factory=lambda: _MP.Semaphore(0), repr=False)
    _playing: object = field(default_factory=_MP.Event, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _estimator: object = field(default=None, repr=False)

    @property
    def estimator(self):
        """The fitted DEC, loaded from the saved run (None until the job is done)."""
        if self._estimator is None and self.run_path:
            from dec_core.runs import load_run

            self._estimator = load_run(self.run_path).estimator
        return self._estimator

    @property
    def active(self) -> bool:
        return self.state in STATES_ACTIVE

    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    def progress(self) -> tuple[float, float | None]:
        """(fraction done 0..1, seconds left or None) for a progress bar.

        Pretraining counts for its share of the expected time; DEC progress is
        the larger of iterations / max_iter and how far the changed-label
        share has fallen towards ``tol`` on a log scale.
        """
        if self.state not in STATES_ACTIVE:
            return 1.0, 0.0
        if self.phase in ("queued", "loading"):
            return 0.0, None
        train = self.config["train"]
        pre_frac = 1.0
        if self.pretrain_epochs and not self.reused_autoencoder:
            pre_frac = min(1.0, len(self.pretrain) / self.pretrain_epochs)
        dec_frac = 0.0
        if self.dec:
            it = self.dec[-1]["iteration"] / max(1, int(train["max_iter"]))
            deltas = [d["delta_label"] for d in self.dec[1:]]
            conv = 0.0
            if deltas and deltas[0] > 0:
                d0, d, tol = deltas[0], max(deltas[-1], 1e-9), max(float(train["tol"]), 1e-6)
                if d0 > tol:
                    conv = math.log(d0 / d) / math.log(d0 / tol)
            dec_frac = float(np.clip(max(it, conv), 0.0, 0.99))
        pre_share = 0.0 if self.reused_autoencoder else 0.8
        frac = pre_share * pre_frac + (1 - pre_share) * dec_frac
        eta = None
        spent = self.elapsed()
        if frac > 0.02 and not self.step_mode:
            eta = spent * (1 - frac) / frac
        return float(frac), eta

    def view(self) -> dict:
        """A copy of the job's public state, safe to read while it runs."""
        with self.lock:
            frac, eta = self.progress()
            return {
                "id": self.id, "name": self.name, "state": self.state, "phase": self.phase,
                "message": self.message, "error": self.error, "created": self.created,
                "started": self.started, "finished": self.finished,
                "elapsed": self.elapsed(), "progress": frac, "eta": eta,
                "pretrain": list(self.pretrain), "pretrain_epochs": self.pretrain_epochs,
                "kmeans": dict(self.kmeans), "dec": list(self.dec),
                "reused_autoencoder": self.reused_autoencoder,
                "dataset": dict(self.dataset_info), "run_path": self.run_path,
                "scores": dict(self.scores), "config": copy.deepcopy(self.config),
                "step_mode": self.step_mode, "playing": self._playing.is_set(),
                "first_event": self.first_event, "step_info": dict(self.step_info),
                "sharpening": list(self.sharpening), "warnings": list(self.warnings),
                "waiting": self.step_mode and self.phase == "dec" and not self._playing.is_set(),
            }

    # -- step mode controls (called from pages)
    def step(self, n: int = 1) -> None:
        """Allow ``n`` more DEC updates (step mode)."""
        for _ in range(n):
            self._credits.release()

    def play(self) -> None:
        self._playing.set()
        self._credits.release()

    def pause(self) -> None:
        self._playing.clear()


class _Recorder(Callback):
    """Runs in the worker: sends training events; in step mode, waits at each update."""

    def __init__(self, events, n_rows: int, seed: int, step_mode: bool, credits, playing,
                 stop) -> None:
        super().__init__()
        self.events, self.step_mode = events, step_mode
        self.credits, self.playing, self.stop = credits, playing, stop
        rng = np.random.default_rng(seed)
        m = min(n_rows, SNAPSHOT_POINTS)
        self.index = np.sort(rng.choice(n_rows, size=m, replace=False))
        self.snapshots: list[np.ndarray] = []
        self.snapshot_labels: list[np.ndarray] = []
        self.ae_embedding: np.ndarray | None = None
        self._t0 = time.perf_counter()

    def on_pretrain_begin(self, logs=None):
        self._t0 = time.perf_counter()
        self.events.put(("phase", "pretraining"))

    def on_pretrain_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.events.put(("epoch", {
            "stage": logs.get("stage", ""), "loss": float(logs.get("loss", float("nan"))),
            "seconds": time.perf_counter() - self._t0}))

    def on_pretrain_end(self, logs=None):
        self.events.put(("phase", "kmeans"))

    def on_kmeans_end(self, logs=None):
        logs = logs or {}
        if logs.get("embedding") is not None:  # (n, e) pretrained embedding, for N2D
            self.ae_embedding = np.asarray(logs["embedding"], dtype=np.float32)
        self.events.put(("kmeans", {k: float(logs[k]) for k in ("acc", "nmi", "ari") if k in logs}))

    def on_dec_update(self, update, logs=None):
        logs = logs or {}
        row = {k: float(logs[k]) for k in ("loss", "delta_label", "acc", "nmi", "ari")
               if k in logs}
        row.update(update=int(update), iteration=int(logs.get("iteration", 0)))
        z, q, p = logs.get("embedding"), logs.get("q"), logs.get("p")
        labels = np.asarray(logs["labels"])
        if z is not None:
            self.snapshots.append(np.asarray(z)[self.index].astype(np.float32))
            self.snapshot_labels.append(labels[self.index])
        payload = {"row": row}
        if q is not None and p is not None:
            q, p = np.asarray(q), np.asarray(p)
            payload["sharpening"] = {"update": int(update), "q_conf": float(q.max(axis=1).mean()),
                                     "p_conf": float(p.max(axis=1).mean())}
            payload["step_info"] = {
                "update": int(update), "q": q[self.index], "p": p[self.index],
                "f": q.sum(axis=0), "sizes": np.bincount(labels, minlength=q.shape[1]),
                "confidence": q.max(axis=1).astype(np.float32), "labels": labels,
            }
        self.events.put(("dec", payload))
        if self.step_mode:
            self._wait_for_step()

    def _wait_for_step(self) -> None:
        while not self.stop.is_set():
            if self.playing.is_set():
                time.sleep(0.05)  # let the page draw each update while playing
                return
            if self.credits.acquire(timeout=0.2):
                if not self.playing.is_set():
                    return
        if self.model is not None:
            self.model.stop_training = True


class _SaveAutoencoder(Callback):
    """Runs in the worker: stores the pretrained weights for reuse, before DEC changes them."""

    def __init__(self, path: str | None, events) -> None:
        super().__init__()
        self.path, self.events = path, events

    def on_kmeans_end(self, logs=None):
        est = self.model
        if not self.path or est is None or est.stop_training:
            return  # a stopped pretraining is not worth reusing
        hist = est.history_.get("pretrain", {})
        pretrain = [{"stage": s, "loss": float(v), "seconds": 0.0}
                    for s, v in zip(hist.get("stage", []), hist.get("loss", []))]
        weights = est.autoencoder_.get_weights()
        tmp = f"{self.path}.tmp-{os.getpid()}.npz"
        np.savez(tmp, *weights)
        os.replace(tmp, self.path)
        self.events.put(("ae_saved", {"path": self.path, "pretrain": pretrain}))


def _worker_main(spec: dict, events, credits, playing, stop) -> None:
    """The worker process: load the data, fit DEC, save the run, report."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        result = _train_in_worker(spec, events, credits, playing, stop)
        events.put(("done", result))
    except BaseException as err:  # report everything; the server stays up
        msg = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
        events.put(("failed", msg))
    events.close()
    events.join_thread()


def _train_in_worker(spec: dict, events, credits, playing, stop) -> dict:
    from sklearn.cluster import KMeans

    from dec_core.autoencoder import build_autoencoder
    from dec_core.estimator import DEC
    from dec_core.metrics import clustering_scores
    from dec_core.runs import save_run

    from .resources import check_fits

    config = spec["config"]
    events.put(("phase", "loading"))
    ds = load_data(config["data"], spec["upload"])
    params = dec_params(config["model"], config["train"], ds.n_features, ds.n_classes)
    if params["n_clusters"] > ds.n_samples:
        raise ValueError(
            f"n_clusters={params['n_clusters']} is more than the {ds.n_samples} samples."
        )
    check_fits(ds.n_samples, params["dims"], params["n_clusters"])
    info = {"name": ds.name, "n_samples": ds.n_samples, "n_features": ds.n_features,
            "n_classes": ds.n_classes, "image_shape": ds.image_shape,
            "class_names": ds.class_names}
    pretrain_epochs = (
        int(params["pretrain_epochs"]) + (len(params["dims"]) - 1) * int(params["layer_epochs"])
        if params["pretrain"] == "layerwise" else int(params["pretrain_epochs"]))
    events.put(("dataset", {"info": info, "pretrain_epochs": pretrain_epochs}))
    est = DEC(**params)
    recorder = _Recorder(events, ds.n_samples, params["random_state"], spec["step_mode"],
                         credits, playing, stop)
    callbacks = [recorder, StopOnEvent(stop)]
    autoencoder = None
    if spec.get("ae_load"):
        autoencoder, _ = build_autoencoder(params["dims"], seed=0)
        with np.load(spec["ae_load"], allow_pickle=False) as npz:
            autoencoder.set_weights([npz[f"arr_{i}"] for i in range(len(npz.files))])
    else:
        callbacks.append(_SaveAutoencoder(spec.get("ae_save"), events))
    est.fit(ds.x, ds.y, callbacks=callbacks, autoencoder=autoencoder)

    events.put(("phase", "saving"))
    baselines = {"kmeans_raw": None, "ae_kmeans": None, "dec": None}
    if ds.y is not None:
        km = KMeans(params["n_clusters"], n_init=4, random_state=params["random_state"])
        baselines["kmeans_raw"] = clustering_scores(ds.y, km.fit_predict(ds.x))
        baselines["ae_kmeans"] = clustering_scores(ds.y, est.kmeans_labels_)
        baselines["dec"] = clustering_scores(ds.y, est.labels_)
    arrays: dict[str, np.ndarray] = {}
    if ds.image_shape is not None:
        arrays["x_images"] = np.clip(np.rint(ds.x * 255), 0, 255).astype(np.uint8)
    elif ds.x.size <= MAX_X_VALUES:
        arrays["x"] = ds.x
    if recorder.ae_embedding is not None:
        arrays["ae_embedding"] = recorder.ae_embedding
    if recorder.snapshots:
        arrays["snapshots"] = np.stack(recorder.snapshots)
        arrays["snapshot_labels"] = np.stack(recorder.snapshot_labels).astype(np.int64)
        arrays["snapshot_index"] = recorder.index.astype(np.int64)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = Path(spec["runs_dir"]) / owner_dir(spec["owner"]) / f"{stamp}-{ds.name}-{spec['id'][:6]}"
    extra = {
        "app": {**copy.deepcopy(config), "name": spec["name"]},
        "image_shape": list(ds.image_shape) if ds.image_shape else None,
        "class_names": ds.class_names,
        "baselines": baselines,
        "stop_reason": est.stop_reason_,
        "timings": est.timings_,
        "job": {"id": spec["id"], "queued": spec["created"], "started": spec["started"],
                "trained": time.time()},
    }
    save_run(folder, est, ds.x, ds.y, dataset=info, extra=extra, arrays=arrays)
    warnings = []
    sizes = np.bincount(est.labels_, minlength=params["n_clusters"])
    empty = np.flatnonzero(sizes == 0).tolist()
    if empty:  # a cluster that lost all its points: legal, but worth saying
        warnings.append(
            f"{len(empty)} of {params['n_clusters']} clusters ended empty (cluster "
            f"{', '.join(map(str, empty))}): try fewer clusters, a larger alpha, or a "
            "lower DEC learning rate.")
    if "lower" in est.stop_reason_:  # NaN / inf loss: the estimator says what to change
        warnings.append(est.stop_reason_)
    return {"run_path": str(folder), "scores": baselines["dec"] or {},
            "message": est.stop_reason_, "warnings": warnings}


_NO_MAIN = threading.local()


def owner_dir(owner: str) -> str:
    """The name of ``owner``'s run folder: 16 hex digits of the token's sha256.

    Never the token itself, so a run path on screen does not hand out the key
    that sees and stops the owner's jobs.
    """
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]


def _preparation_data(name):
    data = _spawn._dec_explorer_original(name)
    if getattr(_spawn._dec_explorer_flag, "on", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


# Installed once per process, even if this module is imported again.
if not hasattr(_spawn, "_dec_explorer_original"):
    _spawn._dec_explorer_original = _spawn.get_preparation_data
    _spawn._dec_explorer_flag = _NO_MAIN
    _spawn.get_preparation_data = _preparation_data
_NO_MAIN = _spawn._dec_explorer_flag


def _start_without_main(proc) -> None:
    """Start a spawned process without re-running the parent's ``__main__``.

    "spawn" normally re-imports the parent's main script in the child. Under
    Streamlit that is the page being run (``app.py`` or a page file), which
    must not run again inside a worker. The flag is per thread, so other
    sessions' script runs are not disturbed.
    """
    _NO_MAIN.on = True
    try:
        proc.start()
    finally:
        _NO_MAIN.on = False


class JobManager:
    """Runs jobs in threads, at most ``max_jobs`` at once, first in first out.

    Parameters
    ----------
    max_jobs : int, optional
        Concurrent jobs; default :func:`explorer.settings.max_jobs` (CPU cores).
    runs_dir : path-like, optional
        Where finished runs are saved, in one folder per owner.
    ae_cache_size : int, default=4
        How many pretrained autoencoders to keep for reuse.
    """

    def __init__(self, max_jobs: int | None = None, runs_dir=None, ae_cache_size: int = 4):
        self.max_jobs = int(max_jobs or settings.max_jobs())
        self.runs_dir = Path(runs_dir) if runs_dir is not None else settings.runs_dir()
        self._jobs: dict[str, Job] = {}
        self._queue: list[str] = []
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._ae_cache: OrderedDict[str, dict] = OrderedDict()
        self._ae_cache_size = ae_cache_size

    # ------------------------------------------------------------- public API
    def submit(self, owner: str, config: dict, upload: dict | None = None, *,
               name: str = "", step_mode: bool = False) -> Job:
        """Queue a job for ``owner``; it starts as soon as a slot is free."""
        job = Job(id=secrets.token_urlsafe(12), owner=owner, config=copy.deepcopy(config),
                  upload=upload, name=name or config["data"]["name"], step_mode=step_mode)
        with self._lock:
            self._jobs[job.id] = job
            self._queue.append(job.id)
        self._dispatch()
        return job

    def get(self, job_id: str | None, owner: str) -> Job | None:
        """The job, if it exists and belongs to ``owner``; else None."""
        job = self._jobs.get(job_id or "")
        return job if job is not None and job.owner == owner else None

    def jobs_for(self, owner: str) -> list[Job]:
        """This owner's jobs, newest first."""
        return sorted((j for j in self._jobs.values() if j.owner == owner),
                      key=lambda j: j.created, reverse=True)

    def queue_position(self, job: Job) -> int | None:
        """1-based place in the queue, or None when not queued."""
        with self._lock:
            return self._queue.index(job.id) + 1 if job.id in self._queue else None

    def stop(self, job_id: str, owner: str) -> bool:
        """Ask a job to stop (a queued one is dropped); True when it was found."""
        job = self.get(job_id, owner)
        if job is None:
            return False
        job.stop_event.set()
        with self._lock:
            if job.id in self._queue:
                self._queue.remove(job.id)
                job.state, job.phase, job.finished = "stopped", "finished", time.time()
                job.message = "stopped before it started"
        return True

    def running_count(self) -> int:
        with self._lock:
            return len(self._running)

    def wait(self, job: Job, timeout: float = 600.0) -> bool:
        """Block until the job leaves the active states (tests, CLI); True if it did."""
        end = time.time() + timeout
        while job.active and time.time() < end:
            time.sleep(0.05)
        return not job.active

    # -------------------------------------------------------------- internals
    def _dispatch(self) -> None:
        with self._lock:
            while self._queue and len(self._running) < self.max_jobs:
                job = self._jobs[self._queue.pop(0)]
                self._running.add(job.id)
                job.state, job.phase, job.started = "running", "loading", time.time()
                threading.Thread(target=self._work, args=(job,), daemon=True,
                                 name=f"dec-job-{job.id[:6]}").start()

    def _work(self, job: Job) -> None:
        """Start the worker process and copy its events into the job until it ends."""
        events = _MP.Queue()
        key = self._ae_key(job)
        cached = self._ae_cache.get(key)
        if cached is not None and not Path(cached["path"]).is_file():
            self._ae_cache.pop(key, None)
            cached = None
        spec = {
            "id": job.id, "owner": job.owner, "name": job.name, "config": job.config,
            "upload": job.upload, "step_mode": job.step_mode, "runs_dir": str(self.runs_dir),
            "created": job.created, "started": job.started,
            "ae_load": cached["path"] if cached else None,
            "ae_save": str(self._cache_dir() / f"{key}.npz") if cached is None else None,
        }
        if cached is not None:
            self._ae_cache.move_to_end(key)
            job.reused_autoencoder = True
            job.pretrain.extend(
                {**row, "epoch": i + 1} for i, row in enumerate(cached["pretrain"]))
            job.message = "reusing the pretrained autoencoder (only DEC settings changed)"
        proc = None
        try:
            proc = _MP.Process(target=_worker_main, name=f"dec-job-{job.id[:6]}", daemon=True,
                               args=(spec, events, job._credits, job._playing, job.stop_event))
            _start_without_main(proc)
            job.pid = proc.pid
            job.upload = None  # the worker has its copy
            stop_seen = None
            while True:
                try:
                    kind, payload = events.get(timeout=0.3)
                except queue.Empty:
                    if not proc.is_alive():
                        try:  # the last words may still be in the pipe
                            kind, payload = events.get(timeout=1.0)
                        except queue.Empty:
                            raise RuntimeError(
                                f"the worker process ended unexpectedly (exit code "
                                f"{proc.exitcode}); it may have run out of memory") from None
                    elif job.stop_event.is_set():
                        stop_seen = stop_seen or time.time()
                        if time.time() - stop_seen > 60:  # it does not listen: end it
                            proc.terminate()
                        continue
                    else:
                        continue
                if self._apply(job, key, kind, payload):
                    break
        except Exception as err:  # report, never kill the server
            job.state = "failed"
            job.error = str(err)
        finally:
            if proc is not None:
                proc.join(timeout=30)
                if proc.is_alive():
                    proc.terminate()
                    proc.join(timeout=5)
            events.close()
            job.finished = job.finished or time.time()
            job.phase = "finished"
            job.upload = None
            with self._lock:
                self._running.discard(job.id)
            self._dispatch()

    def _apply(self, job: Job, key: str, kind: str, payload) -> bool:
        """Copy one worker event into the job; True when the job is over."""
        with job.lock:
            if kind == "phase":
                job.phase = payload
            elif kind == "dataset":
                job.dataset_info = payload["info"]
                job.pretrain_epochs = payload["pretrain_epochs"]
            elif kind == "epoch":
                job.pretrain.append({**payload, "epoch": len(job.pretrain) + 1})
            elif kind == "kmeans":
                job.kmeans = payload
                job.phase = "dec"
            elif kind == "dec":
                job.dec.append(payload["row"])
                if "sharpening" in payload:
                    job.sharpening.append(payload["sharpening"])
                    job.step_info = payload["step_info"]
            elif kind == "ae_saved":
                self._remember_autoencoder(key, payload)
            elif kind == "done":
                job.run_path = payload["run_path"]
                job.scores = payload["scores"]
                job.warnings.extend(payload["warnings"])
                job.message = payload["message"]
                # the clock stops with the state, not when the worker process exits
                job.finished, job.phase = time.time(), "finished"
                job.state = "stopped" if job.stop_event.is_set() else "done"
                return True
            elif kind == "failed":
                job.finished = time.time()
                job.state, job.error = "failed", payload
                return True
            if kind in ("epoch", "kmeans", "dec") and job.first_event is None:
                job.first_event = time.time()
        return False

    def _cache_dir(self) -> Path:
        path = self.runs_dir / ".cache"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _remember_autoencoder(self, key: str, payload: dict) -> None:
        cache = self._ae_cache
        cache[key] = payload
        cache.move_to_end(key)
        while len(cache) > self._ae_cache_size:
            _, old = cache.popitem(last=False)
            try:
                os.remove(old["path"])
            except OSError:
                pass

    def _ae_key(self, job: Job) -> str:
        cfg = job.config
        # Built-in data sets share pretrained weights across sessions (nothing
        # private in them); an upload's weights stay with its owner.
        payload = {
            "data": cfg["data"], "hidden": cfg["model"]["hidden"],
            "upload": upload_digest(job.upload["bytes"]) if job.upload else None,
            "owner": job.owner if job.upload else None,
            **{k: cfg["train"][k] for k in PRETRAIN_KEYS if k in cfg["train"]},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


_MANAGER: JobManager | None = None
_MANAGER_LOCK = threading.Lock()


def manager() -> JobManager:
    """The process-wide job manager (shared by every session of the server)."""
    global _MANAGER
    with _MANAGER_LOCK:
        if _MANAGER is None:
            _MANAGER = JobManager()
        return _MANAGER
