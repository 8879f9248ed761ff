"""The worker side of a training job: load the data, fit DEC, save the run.

A job runs in a worker *process* started by :class:`explorer.jobs.JobManager`
(or, for tests, in a thread of the server when the manager is built with
``in_process=True``; the code here is the same either way). The worker never
calls ``st.*`` and never touches the server's :class:`~explorer.jobs.Job`: it
reports through :mod:`explorer.jobs.events` put on a queue, and reads three
controls (:class:`Controls`): stop, and the step-mode credits and play flag.

:func:`process_main` is a worker process's entry point. It imports TensorFlow
and the engine first, says :class:`~explorer.jobs.events.Ready`, then waits for one
job spec on its inbox, so a process started ahead of time (a *warm* worker)
begins training the moment a job arrives. Each process runs one job and exits.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import queue
import sys
import threading
import time
from pathlib import Path

import numpy as np

from dec_core.callbacks import Callback, StopOnEvent
from explorer import settings
from explorer.data import load as load_data
from explorer.jobs import events as ev
from explorer.jobs.controls import Controls
from explorer.live_map.frame import LiveMap

SNAPSHOT_POINTS = 1000      # rows whose embedding is kept at every DEC update
CHECKPOINT_EVERY_S = 15.0   # a training checkpoint at the first epoch / update after this
MAX_X_VALUES = 20_000_000   # tabular data saved with the run up to this size (float32)
PROGRESS_EVERY_S = 0.25     # at most this often a PretrainProgress event


class _Recorder(Callback):
    """Sends training events; in step mode, waits at each update for a credit."""

    def __init__(self, events, n_rows: int, seed: int, step_mode: bool,
                 controls: Controls, y=None) -> None:
        super().__init__()
        self.events, self.step_mode, self.controls = events, step_mode, controls
        # true labels (n_rows,) or None: step_info's cluster -> class matching (the colours)
        self.y = None if y is None else np.asarray(y).astype(np.int64)
        rng = np.random.default_rng(seed)
        m = min(n_rows, SNAPSHOT_POINTS)
        self.index = np.sort(rng.choice(n_rows, size=m, replace=False))
        self.snapshots: list[np.ndarray] = []
        self.snapshot_labels: list[np.ndarray] = []
        self.ae_embedding: np.ndarray | None = None
        self.centroids: list[np.ndarray] = []  # (k, e) per update: the run's "centroids"
        self.live: LiveMap | None = None  # set by _train: the map's arrays per update
        self._t0 = time.perf_counter()
        self.planned_steps = 0  # pretraining steps of the plan (dec_core.cost), all stages
        self._stage_steps: dict[str, int] = {}
        self._last_progress = 0.0

    def on_pretrain_begin(self, logs=None):
        self._t0 = time.perf_counter()
        self.events.put(ev.Phase("pretraining"))

    # -- dec_core.checkpoint: what the saved run needs from before a checkpoint
    def checkpoint_state(self) -> dict:
        state = {}
        if self.snapshots:
            state["snapshots"] = np.stack(self.snapshots)
            state["snapshot_labels"] = np.stack(self.snapshot_labels)
        if self.ae_embedding is not None:
            state["ae_embedding"] = self.ae_embedding
        return state

    def restore_checkpoint_state(self, state: dict) -> None:
        self.snapshots = list(state.get("snapshots", []))
        self.snapshot_labels = list(state.get("snapshot_labels", []))
        self.ae_embedding = state.get("ae_embedding")

    def on_resume(self, logs=None):
        pretrain, kmeans, rows = ev.rows_from_history(logs["history"])
        self.events.put(ev.Resumed(logs["position"], pretrain, kmeans, rows))

    def on_pretrain_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.events.put(ev.Epoch(stage=logs.get("stage", ""),
                                 loss=float(logs.get("loss", float("nan"))),
                                 seconds=time.perf_counter() - self._t0))

    def on_pretrain_progress(self, steps_done, logs=None):
        logs = logs or {}
        self._stage_steps[logs.get("stage", "")] = int(steps_done)
        now = time.perf_counter()
        total = max(1, self.planned_steps)
        done = min(1.0, sum(self._stage_steps.values()) / total)
        if now - self._last_progress >= PROGRESS_EVERY_S or done >= 1.0:
            self._last_progress = now
            self.events.put(ev.PretrainProgress(done))

    def on_pretrain_end(self, logs=None):
        self.events.put(ev.Phase("kmeans"))

    def on_kmeans_end(self, logs=None):
        logs = logs or {}
        if logs.get("embedding") is not None:  # (n, e) pretrained embedding, for N2D
            self.ae_embedding = np.asarray(logs["embedding"], dtype=np.float32)
        self.events.put(ev.KMeansDone({k: float(logs[k]) for k in ("acc", "nmi", "ari")
                                       if k in logs}))

    def on_dec_update(self, update, logs=None):
        logs = logs or {}
        row = {k: float(logs[k]) for k in ("loss", "kl", "reconstruction", "delta_label",
                                           "acc", "nmi", "ari") if k in logs}
        row.update(update=int(update), iteration=int(logs.get("iteration", 0)))
        z, q, p = logs.get("embedding"), logs.get("q"), logs.get("p")
        labels = np.asarray(logs["labels"])
        if z is not None:
            self.snapshots.append(np.asarray(z)[self.index].astype(np.float32))
            self.snapshot_labels.append(labels[self.index])
        sharpening = step_info = None
        if q is not None and p is not None:
            q, p = np.asarray(q), np.asarray(p)
            sharpening = {"update": int(update), "q_conf": float(q.max(axis=1).mean()),
                          "p_conf": float(p.max(axis=1).mean())}
            step_info = {
                "update": int(update), "q": q[self.index], "p": p[self.index],
                "f": q.sum(axis=0), "sizes": np.bincount(labels, minlength=q.shape[1]),
                "confidence": q.max(axis=1).astype(np.float32), "labels": labels,
                **self._matching(labels),
            }
            centers = logs.get("centers")
            if centers is not None:
                self.centroids.append(np.asarray(centers, dtype=np.float32))
                if self.live is not None and z is not None and self.model is not None:
                    step_info.update(self.live.update(self.model, np.asarray(z), q, p,
                                                      self.centroids[-1]))
        self.events.put(ev.DecUpdate(row, sharpening, step_info))
        if self.step_mode and not logs.get("final"):  # never wait after the last update
            self._wait_for_step()

    def _matching(self, labels: np.ndarray) -> dict:
        """``mapping``: {cluster: class} (Hungarian, as ACC matches them), or None without
        labels; ``n_classes``: one more than the largest label (explorer.charts.theme.cluster_colors)."""
        if self.y is None or self.y.size == 0:
            return {"mapping": None, "n_classes": None}
        from dec_core.metrics import cluster_acc

        _, mapping = cluster_acc(self.y, labels, return_mapping=True)
        return {"mapping": {int(c): int(k) for c, k in mapping.items()},
                "n_classes": int(self.y.max()) + 1}

    def _wait_for_step(self) -> None:
        # One credit per update, playing or not: while playing, the page releases
        # the next credit only once it has drawn this update (explorer.jobs.Job.advance),
        # so no update goes undrawn however slow the page or fast the worker.
        c = self.controls
        told = False  # the server hears when a person is awaited (it frees the slot)
        t0 = time.monotonic()
        try:
            while not c.stop.is_set():
                if c.interrupt is not None and c.interrupt.is_set():
                    return  # the estimator checkpoints at this update and ends
                if c.credits.acquire(timeout=0.2):
                    return
                # Paused, a person is awaited; playing, the page paces the updates and
                # a wait past a few seconds means no page is drawing them.
                if not told and (not c.playing.is_set() or time.monotonic() - t0 > 5.0):
                    self.events.put(ev.StepWaiting(True))
                    told = True
            if self.model is not None:
                self.model.stop_training = True
        finally:
            if told:
                self.events.put(ev.StepWaiting(False))


class _SaveAutoencoder(Callback):
    """Stores the pretrained weights for reuse, before DEC changes them."""

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
        tmp = f"{self.path}.tmp-{os.getpid()}-{threading.get_ident()}.npz"
        np.savez(tmp, *weights)
        os.replace(tmp, self.path)
        self.events.put(ev.AutoencoderSaved(self.path, pretrain))


def tf_thread_env() -> dict[str, str]:
    """The environment that gives this worker's TensorFlow its threads
    (:func:`explorer.settings.worker_tf_threads`); what the server's own environment
    already sets for TensorFlow wins."""
    threads = settings.worker_tf_threads()
    if threads is None:
        return {}
    want = {"TF_NUM_INTRAOP_THREADS": str(threads[0]), "TF_NUM_INTEROP_THREADS": str(threads[1])}
    return {k: v for k, v in want.items() if k not in os.environ}


#: What a job imports before it starts: TensorFlow, Keras, the engine, scikit-learn
#: (as a job loads them; ``explorer.jobs.worker`` first, so that :mod:`dec_core` has
#: set Keras's backend and TensorFlow's log level before either is imported). The
#: forkserver that starts worker processes imports these once
#: (:func:`explorer.jobs.spawn.start_process`), so a worker forked from it starts
#: with them in place of ~3 CPU seconds of imports.
WORKER_MODULES = (
    "explorer.jobs.worker", "tensorflow", "keras", "sklearn.cluster", "sklearn.datasets",
    "dec_core.autoencoder", "dec_core.estimator", "dec_core.metrics", "dec_core.runs",
    "dec_core.baselines",
)


def warm_up() -> None:
    """Import what a job needs (:data:`WORKER_MODULES`) ahead of time, and give TensorFlow its threads.

    Runs in a worker process, before TensorFlow starts: it reads its thread
    counts from the environment then (:func:`tf_thread_env`). In a worker forked
    from the forkserver the modules are already there: importing TensorFlow
    does not start its runtime, so the thread counts still take.
    """
    import importlib

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    threads = tf_thread_env()
    os.environ.update(threads)
    import tensorflow as tf

    try:  # the API too: TensorFlow's getters then report it (before any op runs)
        if "TF_NUM_INTRAOP_THREADS" in threads:
            tf.config.threading.set_intra_op_parallelism_threads(
                int(threads["TF_NUM_INTRAOP_THREADS"]))
        if "TF_NUM_INTEROP_THREADS" in threads:
            tf.config.threading.set_inter_op_parallelism_threads(
                int(threads["TF_NUM_INTEROP_THREADS"]))
    except RuntimeError:  # TensorFlow already ran here (an in-process job): keep its threads
        pass
    for name in WORKER_MODULES:
        importlib.import_module(name)


def _guard(controls: Controls) -> None:
    """A worker process ends gracefully on SIGTERM / SIGINT and when the server dies.

    Either sets ``controls.interrupt``: training saves a checkpoint at its next
    epoch or target update and ends (the journal's Resume continues from it).
    A worker whose server is gone exits at the latest ``ORPHAN_GRACE_S`` later.
    """
    import signal

    def interrupt(signum, frame):
        controls.interrupt.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, interrupt)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        while parent.is_alive():
            time.sleep(0.1)
        controls.interrupt.set()  # checkpoint what there is...
        time.sleep(ORPHAN_GRACE_S)
        os._exit(0)               # ...and never outlive the server for long

    threading.Thread(target=watch, daemon=True, name="dec-orphan-watch").start()


ORPHAN_GRACE_S = 20.0


def process_main(inbox, events, controls: Controls) -> None:
    """A worker process: warm up, say Ready, run the one job that arrives, report, exit.

    Parameters
    ----------
    inbox : multiprocessing.Queue
        Delivers one job spec (see :func:`run_job`), or None to exit unused.
    events : multiprocessing.Queue
        Where :mod:`explorer.jobs.events` go.
    controls : Controls
        Made with :meth:`Controls.for_processes`.
    """
    _guard(controls)
    try:
        warm_up()
        events.put(ev.Ready())
        parent = multiprocessing.parent_process()
        while True:
            try:
                spec = inbox.get(timeout=1.0)
                break
            except queue.Empty:  # a warm worker must not outlive a killed server
                if parent is not None and not parent.is_alive():
                    return
        if spec is not None:
            run_job(spec, events, controls)
    finally:
        parent = multiprocessing.parent_process()
        if parent is None or parent.is_alive():
            events.close()
            events.join_thread()  # flush the last events before the process ends
        # else the server is gone (its crash left this worker to checkpoint and end): no one
        # reads the events, and this process holds the queue's read end as well, so a
        # flush would block on a full pipe until ORPHAN_GRACE_S (in the DEC phase, whose
        # events are larger); the checkpoint is already on disk
    # The job is over and reported: end without the interpreter's teardown, which with
    # TensorFlow loaded takes about a CPU second, while the browser draws the result.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_job(spec: dict, events, controls: Controls) -> None:
    """Train one job and report; ends with exactly one Done or Failed event.

    Parameters
    ----------
    spec : dict
        id, name, config, upload, step_mode, run_dir (the owner's folder),
        created, started, ae_load (weights to reuse) or ae_save (where to keep them).
    events : queue-like
        Receives :mod:`explorer.jobs.events` (``put``).
    controls : Controls
        Stop and step-mode controls.
    """
    from dec_core.checkpoint import Interrupted

    try:
        events.put(ev.Done(**_train(spec, events, controls)))
    except Interrupted as stop:
        events.put(ev.Interrupted(stop.position, stop.path))
    except BaseException as err:  # report everything; the server stays up
        msg = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
        events.put(ev.Failed(msg))


def _train(spec: dict, events, controls: Controls) -> dict:
    """One job, step by step; returns :class:`~explorer.jobs.events.Done`'s fields."""
    ds, params, info = _load(spec, events)
    autoencoder, source, history = _pick_autoencoder(spec, ds, params)
    est, recorder = _fit(spec, events, controls, ds, params, (autoencoder, source, history))
    events.put(ev.Phase("saving"))
    baselines = _baselines(ds, est, params)
    extra = {
        "app": {**copy.deepcopy(spec["config"]), "name": spec["name"]},
        "image_shape": list(ds.image_shape) if ds.image_shape else None,
        "class_names": ds.class_names,
        "baselines": baselines,
        "stop_reason": est.stop_reason_,
        "autoencoder": source,  # live | shipped | cached
        "timings": est.timings_,
        "job": {"id": spec["id"], "queued": spec["created"], "started": spec["started"],
                "trained": time.time(), "mode": "step" if spec.get("step_mode") else "train"},
    }
    from dec_core.runs import save_run

    folder, claim = _run_folder(spec, ds.name)
    try:
        save_run(folder, est, ds.x, ds.y, dataset=info, extra=extra,
                 arrays=_arrays(ds, est, recorder))
    finally:
        claim.rmdir()
    return {"run_path": str(folder), "scores": baselines["dec"] or {},
            "message": est.stop_reason_, "warnings": _warnings(est, params),
            "stop": est.stop_record_.as_dict() if est.stop_record_ else None}


def _load(spec: dict, events):
    """Load the data and check the settings on it: ``(dataset, DEC params, info)``."""
    from dec_core.cost import pretrain_epochs_run
    from explorer.jobs.resources import job_params

    config = spec["config"]
    events.put(ev.Phase("loading"))
    ds = load_data(config["data"], spec["upload"])
    params = job_params(config["model"], config["train"], ds)  # as the Train page checks
    info = {"name": ds.name, "n_samples": ds.n_samples, "n_features": ds.n_features,
            "n_classes": ds.n_classes, "image_shape": ds.image_shape,
            "class_names": ds.class_names}
    events.put(ev.DatasetLoaded(info, pretrain_epochs_run(ds.n_samples, params)))
    return ds, params, info


def _pick_autoencoder(spec: dict, ds, params: dict):
    """The autoencoder to start from: ``(model or None, source, its pretraining rows)``.

    The shipped one when the data and every pretraining setting match its
    record, else the manager's cached one (``spec["ae_load"]``), else None
    (pretrain live).
    """
    if spec["config"]["train"].get("autoencoder") == "shipped":
        from dec_core import pretrained

        shipped = pretrained.find(ds.x, params)  # None unless data and settings match its record
        if shipped is not None:
            return shipped.autoencoder(), "shipped", shipped.history
    if spec.get("ae_load"):
        from dec_core.autoencoder import build_autoencoder

        autoencoder, _ = build_autoencoder(params["dims"], seed=0)
        with np.load(spec["ae_load"], allow_pickle=False) as npz:
            autoencoder.set_weights([npz[f"arr_{i}"] for i in range(len(npz.files))])
        return autoencoder, "cached", spec.get("ae_history") or []
    return None, "live", []


def _fit(spec: dict, events, controls: Controls, ds, params: dict, start: tuple):
    """Fit DEC with the live callbacks and the checkpointer: ``(estimator, recorder)``.

    ``start`` is :func:`_pick_autoencoder`'s ``(autoencoder or None, source, rows)``.
    """
    autoencoder, source, history = start
    from dec_core.cost import estimate
    from dec_core.estimator import DEC

    est = DEC(**params)
    checkpointer = None
    if spec.get("checkpoint"):
        from dec_core.checkpoint import Checkpointer, position

        checkpointer = Checkpointer(spec["checkpoint"], every_s=CHECKPOINT_EVERY_S,
                                    interrupt=controls.interrupt.is_set, resume=True)
        if autoencoder is not None and (position(checkpointer.path) or {}).get(
                "phase") == "pretrain":
            checkpointer.resume = False  # the finished autoencoder is further along
    recorder = _Recorder(events, ds.n_samples, params["random_state"], spec["step_mode"],
                         controls, y=ds.y)
    recorder.live = LiveMap(recorder.index, ds.x, images=ds.image_shape is not None)
    callbacks = [recorder, StopOnEvent(controls.stop)]
    if autoencoder is None:
        callbacks.append(_SaveAutoencoder(spec.get("ae_save"), events))
    else:
        events.put(ev.AutoencoderReused(source, [
            {"stage": row.get("stage", ""), "loss": float(row["loss"]),
             "seconds": float(row.get("seconds", 0.0))} for row in history]))
    plan = estimate(ds.n_samples, params, gflops=spec.get("gflops"),
                    pretrained=autoencoder is not None)
    recorder.planned_steps = plan.pretrain_steps
    events.put(ev.Planned(plan.as_dict()))
    est.fit(ds.x, ds.y, callbacks=callbacks, autoencoder=autoencoder, checkpoint=checkpointer)
    return est, recorder


def _baselines(ds, est, params: dict) -> dict:
    """Scores of k-means on the raw data, of AE + k-means and of DEC (None without labels)."""
    baselines = {"kmeans_raw": None, "ae_kmeans": None, "dec": None}
    if ds.y is not None:
        from dec_core.baselines import kmeans_raw_labels
        from dec_core.metrics import clustering_scores

        raw = kmeans_raw_labels(ds.x, params["n_clusters"], params["random_state"])
        baselines["kmeans_raw"] = clustering_scores(ds.y, raw)
        baselines["ae_kmeans"] = clustering_scores(ds.y, est.kmeans_labels_)
        baselines["dec"] = clustering_scores(ds.y, est.labels_)
    return baselines


def _arrays(ds, est, recorder: _Recorder) -> dict[str, np.ndarray]:
    """The arrays a saved run keeps for the Explore page (data, embeddings, snapshots)."""
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
    if recorder.centroids:  # (updates, k, e); the last frame is est.cluster_centers_
        arrays["centroids"] = np.stack(recorder.centroids)
    if ds.image_shape is not None:  # (k, d) decoded centroids, for Explore's galleries
        arrays["prototypes"] = np.clip(est.inverse_transform(est.cluster_centers_), 0.0, 1.0)
    return arrays


def run_name(config: dict, dataset_name: str, step_mode: bool, when: float) -> str:
    """A run's folder name that says what it is: time, data, method, mode.

    ``20261206-013000-digits-dec-train``; ``...-moons-idec-step`` for a Step by
    step run; an accuracy variant names itself (``...-digits-dec-da-train``).
    Letters, digits, ``-`` and ``_`` only (:func:`dec_core.runs.sanitize_run_name`).
    """
    from dec_core.presets import method_of, variant_of
    from dec_core.runs import sanitize_run_name

    train = config.get("train", {})
    method, variant = method_of(train), variant_of(train)
    if variant not in (None, "dec"):  # the variant's name starts with "dec"
        method = variant if method == "dec" else f"{method}-{variant.removeprefix('dec-')}"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    mode = "step" if step_mode else "train"
    return sanitize_run_name(f"{stamp}-{dataset_name[:32]}-{method}-{mode}")


def _run_folder(spec: dict, dataset_name: str) -> tuple[Path, Path]:
    """The run's folder (:func:`run_name`, then ``-2``, ``-3``... if taken) and its claim.

    Two jobs of one owner can end in the same second with the same name (Compare
    trains variants side by side), so a name is claimed by creating a hidden
    folder beside it (atomic; run listings skip dot-folders). Remove the claim
    once the run is saved.
    """
    root = Path(spec["run_dir"])
    root.mkdir(parents=True, exist_ok=True)
    base = run_name(spec["config"], dataset_name, bool(spec.get("step_mode")), time.time())
    for n in range(1, 10_000):
        name = base if n == 1 else f"{base}-{n}"
        if (root / name).exists():
            continue
        try:
            (root / f".claim-{name}").mkdir()
        except FileExistsError:
            continue
        return root / name, root / f".claim-{name}"
    raise RuntimeError(f"no free run name like {base!r} in {root}")


def _warnings(est, params: dict) -> list[str]:
    """What people should know about the result: empty clusters, a diverged fit."""
    warnings = []
    sizes = np.bincount(est.labels_, minlength=params["n_clusters"])
    empty = np.flatnonzero(sizes == 0).tolist()
    if empty:  # a cluster that lost all its points: legal, but worth saying
        warnings.append(
            f"{len(empty)} of {params['n_clusters']} clusters ended empty (cluster "
            f"{', '.join(map(str, empty))}): try fewer clusters, a larger alpha, or a "
            "lower DEC learning rate.")
    if est.diverged_:  # the estimator restored its last finite state and says what to change
        warnings.append(f"Training {est.stop_reason_} The result shown is the model from the "
                        "last update before that.")
    return warnings
