"""Checkpoints of a running ``fit``: resume pretraining or DEC where it stopped.

A :class:`Checkpointer` handed to :meth:`dec_core.DEC.fit` saves the whole
training state at *boundaries*: the end of a pretraining epoch, and a DEC
target update (after it was logged, before the next interval's batches).
The state is everything the rest of the fit depends on:

* every weight of the autoencoder (and the centroids during DEC);
* the optimizer's variables (iteration counter, Adam moments or SGD momentum);
* the counters (stage and epoch; update, batches so far, loss sums);
* the random state: the NumPy generator that draws the batches, the unused
  tail of its current permutation, the counter of the stateless noise /
  shift streams, and Keras' dropout seed states;
* the history so far, the k-means labels, the target distribution ``p`` of
  the interval about to run, and what callbacks ask to keep
  (``checkpoint_state()`` / ``restore_checkpoint_state(state)``).

A fit resumed from it therefore repeats the same arithmetic on the same
batches: with the same seed on the same machine and TensorFlow build it ends
with the same labels as an uninterrupted fit (TensorFlow's CPU kernels are
deterministic run to run for a fixed thread count; tests/engine/test_checkpoint.py
pins this). Across machines, thread counts or a GPU the floating-point
reductions may round differently, and then ACC agrees within about 0.01.

The file is one ``.npz`` (no pickles: the metadata is JSON stored as bytes),
written under a temporary name and renamed into place, so a crash leaves the
old checkpoint or the new one, never half of one.

With ``interrupt`` set, the fit saves a checkpoint at the next boundary and
raises :class:`Interrupted` (a graceful stop: SIGTERM, a server shutdown).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

FORMAT = 1


class Interrupted(Exception):
    """``fit`` saved a checkpoint and stopped because an interrupt was requested.

    Attributes
    ----------
    position : dict
        Where it stopped: ``phase`` ("pretrain" or "dec") and ``stage`` /
        ``epoch`` / ``epochs`` or ``update`` / ``iteration``.
    path : str
        The checkpoint file.
    """

    def __init__(self, position: dict, path: str) -> None:
        super().__init__(f"interrupted at {describe(position)}; checkpoint saved to {path}")
        self.position, self.path = position, path


def describe(position: dict | None) -> str:
    """A checkpoint position in words: ``"epoch 57 of 200"`` or ``"update 12"``."""
    if not position:
        return "the start"
    if position.get("phase") == "pretrain":
        total = position.get("epochs_total") or position.get("epochs")
        done = position.get("epoch_total", position.get("epoch", 0))
        return f"pretraining epoch {done} of {total}" if total else f"pretraining epoch {done}"
    return f"DEC update {position.get('update', 0)}"


class Checkpointer:
    """Where and how often :meth:`DEC.fit` saves its state, and whether it resumes.

    Parameters
    ----------
    path : path-like
        The checkpoint file (``.npz``); its folder is created when needed.
    every : int, optional
        Save at every ``every``-th boundary (epochs or target updates).
    every_s : float, optional, default=10.0
        Save at the first boundary after ``every_s`` seconds since the last
        save (or since the fit began). With both, whichever comes first.
        With neither, only an interrupt saves.
    interrupt : callable, optional
        ``interrupt() -> bool``, polled at every boundary: when True the fit
        saves now and raises :class:`Interrupted`.
    resume : bool, default=False
        Start ``fit`` from the checkpoint at ``path`` when there is one.
    """

    def __init__(self, path, *, every: int | None = None, every_s: float | None = 10.0,
                 interrupt: Callable[[], bool] | None = None, resume: bool = False) -> None:
        self.path = Path(path)
        self.every = None if every is None else max(1, int(every))
        self.every_s = None if every_s is None else float(every_s)
        self.interrupt = interrupt
        self.resume = bool(resume)
        self.saves = 0          # checkpoints written by this fit
        self.save_seconds = 0.0  # time spent writing them
        self._count = 0
        self._last = time.monotonic()

    def interrupted(self) -> bool:
        """Whether an interrupt was requested."""
        return bool(self.interrupt is not None and self.interrupt())

    def due(self) -> bool:
        """Count one boundary; True when a checkpoint should be written at it."""
        self._count += 1
        if self.interrupted():
            return True
        if self.every is not None and self._count >= self.every:
            return True
        return self.every_s is not None and time.monotonic() - self._last >= self.every_s

    def save(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        """Write one checkpoint atomically (temporary file, fsync, rename)."""
        t0 = time.perf_counter()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {f"a/{k}": np.asarray(v) for k, v in arrays.items()}
        payload["meta"] = np.frombuffer(
            json.dumps({**meta, "format": FORMAT, "saved": time.time()}).encode(), np.uint8)
        tmp = self.path.with_name(f".tmp-{self.path.name}-{uuid.uuid4().hex[:8]}")
        with open(tmp, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._count, self._last = 0, time.monotonic()
        self.saves += 1
        self.save_seconds += time.perf_counter() - t0

    def load(self) -> tuple[dict, dict[str, np.ndarray]] | None:
        """``(meta, arrays)`` of the checkpoint at ``path``, or None when there is none."""
        return read(self.path)


def read(path) -> tuple[dict, dict[str, np.ndarray]] | None:
    """``(meta, arrays)`` of a checkpoint file, or None when it is missing.

    Raises
    ------
    ValueError
        When the file is not a checkpoint of this format.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["meta"]).decode())
            arrays = {k[2:]: npz[k] for k in npz.files if k.startswith("a/")}
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path} is not a readable checkpoint: {err}") from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is a checkpoint of format {meta.get('format')}, "
                         f"not {FORMAT}.")
    return meta, arrays


def position(path) -> dict | None:
    """Where the checkpoint at ``path`` stands (its ``position``), or None."""
    try:
        found = read(path)
    except ValueError:
        return None
    return None if found is None else found[0].get("position")


# ----------------------------------------------------------- packing helpers
def pack_list(prefix: str, values, arrays: dict) -> int:
    """Store a list of arrays as ``prefix/0``, ``prefix/1``...; returns its length."""
    values = list(values)
    for i, v in enumerate(values):
        arrays[f"{prefix}/{i}"] = np.array(v)
    return len(values)


def unpack_list(prefix: str, n: int, arrays: dict) -> list[np.ndarray]:
    """The list :func:`pack_list` stored."""
    return [arrays[f"{prefix}/{i}"] for i in range(n)]


def variables_values(variables) -> list[np.ndarray]:
    """NumPy copies of Keras / TensorFlow variables."""
    return [np.array(v.numpy()) for v in variables]


def assign(variables, values) -> None:
    """Assign saved values to variables (same order, same shapes)."""
    variables = list(variables)
    values = list(values)
    if len(variables) != len(values):
        raise ValueError(f"the checkpoint holds {len(values)} values for {len(variables)} "
                         "variables: it was written with other settings")
    for var, value in zip(variables, values):
        if tuple(var.shape) != tuple(np.shape(value)):
            raise ValueError(f"checkpoint shape {np.shape(value)} does not fit variable "
                             f"{getattr(var, 'path', var.name)} {tuple(var.shape)}")
        var.assign(value)


def rng_state(rng: np.random.Generator) -> dict:
    """The JSON-ready state of a NumPy generator."""
    return rng.bit_generator.state


def restore_rng(rng: np.random.Generator, state: dict) -> None:
    """Put a NumPy generator back into a saved state."""
    rng.bit_generator.state = state


def callback_states(callbacks, arrays: dict) -> list:
    """Collect ``checkpoint_state()`` of the callbacks that have one (arrays under ``cb{i}/``)."""
    meta = []
    for i, cb in enumerate(callbacks):
        get = getattr(cb, "checkpoint_state", None)
        if get is None:
            continue
        state = get() or {}
        keys = []
        for key, value in state.items():
            arrays[f"cb{i}/{key}"] = np.asarray(value)
            keys.append(key)
        meta.append([i, type(cb).__name__, keys])
    return meta


def restore_callbacks(callbacks, meta: list, arrays: dict) -> None:
    """Hand each callback what :func:`callback_states` kept for it."""
    callbacks = list(callbacks)
    for i, name, keys in meta:
        if i < len(callbacks) and type(callbacks[i]).__name__ == name:
            put = getattr(callbacks[i], "restore_checkpoint_state", None)
            if put is not None:
                put({k: arrays[f"cb{i}/{k}"] for k in keys})


# ------------------------------------------------- the estimator's two hooks
_NOT_COMPARED = ("verbose", "strategy")


def _params(est) -> dict:
    params = {k: v for k, v in est.get_params().items() if k not in _NOT_COMPARED}
    if params.get("dims") is not None:
        params["dims"] = [int(v) for v in params["dims"]]
    return json.loads(json.dumps(params, default=str))


def _common(phase, arrays: dict) -> dict:
    """What both phases keep: the autoencoder, history, timings, callbacks, parameters.

    ``phase``: the estimator's pretraining events or its clustering loop; both
    hold ``est``, ``callbacks`` (a CallbackList), ``checkpoint`` and ``n_samples``.
    """
    est = phase.est
    n_ae = pack_list("ae", est.autoencoder_.get_weights(), arrays)
    return {"n_ae": n_ae, "history": est.history_, "timings": est.timings_,
            "params": _params(est), "n_samples": int(phase.n_samples),
            "callbacks": callback_states(phase.callbacks.callbacks, arrays)}


def _saved(ck: Checkpointer, meta: dict, arrays: dict) -> None:
    ck.save(meta, arrays)
    if ck.interrupted():
        raise Interrupted(meta["position"], str(ck.path))


def save_pretrain(events, stage: str, next_epoch: int, total: int, state: dict) -> None:
    """The estimator's pretraining hook: checkpoint after a finished epoch.

    ``events``: the estimator's pretraining events (``est``, ``callbacks``,
    ``checkpoint``, ``n_samples``, ``planned_epochs``); ``state``: the stage's
    training state (``dec_core.autoencoder``'s ``get_state()``).
    """
    arrays: dict = {}
    meta = _common(events, arrays)
    done = len(events.est.history_.get("pretrain", {}).get("loss", []))
    meta["position"] = {"phase": "pretrain", "stage": stage, "epoch": int(next_epoch),
                        "epochs": int(total), "epoch_total": done,
                        "epochs_total": int(events.planned_epochs)}
    meta["n_opt"] = pack_list("opt", state["opt"], arrays)
    meta["n_extra"] = pack_list("extra", state["extra"], arrays)
    meta["rng"] = state["rng"]
    arrays["rest"], arrays["seed"] = state["rest"], state["seed"]
    _saved(events.checkpoint, meta, arrays)


def save_dec(loop, target: np.ndarray) -> None:
    """The clustering loop's hook: checkpoint after a target update, before its interval.

    ``loop``: the :class:`dec_core.loop.ClusteringLoop`; ``target``: the ``p``
    (n, k) of the interval about to run.
    """
    arrays: dict = {}
    meta = _common(loop, arrays)
    meta["position"] = {"phase": "dec", "update": int(loop.update) - 1,
                        "iteration": int(loop.n_iter), "max_iter": int(loop.p.max_iter)}
    meta["next_update"] = int(loop.update)
    meta["n_opt"] = pack_list("opt", variables_values(loop.optimizer.variables), arrays)
    meta["rng"] = rng_state(loop.rng)
    arrays.update(
        centers=loop.est.clustering_layer_.get_weights()[0], target=np.asarray(target),
        labels_last=np.asarray(loop.labels_last), kmeans_labels=loop.est.kmeans_labels_,
        rest=loop.plan_state.get("rest", np.zeros(0, np.int64)),
        seed=loop.runner.seed_state)
    _saved(loop.checkpoint, meta, arrays)


def restore_fit(est, ck: Checkpointer, callbacks, n_samples: int) -> dict | None:
    """Start of a resumed ``fit``: weights, history and callbacks from the checkpoint.

    Parameters
    ----------
    est : dec_core.DEC
        The estimator being fitted, its autoencoder built.
    ck : Checkpointer
    callbacks : dec_core.callbacks.CallbackList
        The fit's callbacks: each gets back what it kept, then ``on_resume``.
    n_samples : int
        Rows of the training data (a checkpoint of other data is refused).

    Returns
    -------
    dict or None
        None when there is no checkpoint; otherwise ``{"phase": "pretrain",
        "stage", "epoch", ...}`` (the stage state ``pretrain_autoencoder``
        takes) or ``{"phase": "dec", "meta", "arrays"}`` for :func:`restore_dec`.

    Raises
    ------
    ValueError
        When the checkpoint was written with other parameters or data.
    """
    found = ck.load()
    if found is None:
        return None
    meta, arrays = found
    if meta["params"] != _params(est) or meta["n_samples"] != int(n_samples):
        raise ValueError(f"The checkpoint {ck.path} was written with other settings or "
                         "data; it cannot be resumed with these.")
    est.autoencoder_.set_weights(unpack_list("ae", meta["n_ae"], arrays))
    est.history_ = meta["history"]
    est.timings_ = {**est.timings_, **meta["timings"]}
    restore_callbacks(callbacks.callbacks, meta["callbacks"], arrays)
    callbacks.on_resume({"position": meta["position"], "history": est.history_})
    pos = meta["position"]
    if pos["phase"] == "dec":
        est.kmeans_labels_ = arrays["kmeans_labels"].astype(np.int64)
        return {"phase": "dec", "meta": meta, "arrays": arrays}
    return {"phase": "pretrain", "stage": pos["stage"], "epoch": pos["epoch"],
            "opt": unpack_list("opt", meta["n_opt"], arrays), "rng": meta["rng"],
            "rest": arrays["rest"], "seed": arrays["seed"],
            "extra": unpack_list("extra", meta["n_extra"], arrays)}


def restore_dec(loop, resumed: dict) -> np.ndarray:
    """Put a clustering loop built on the checkpoint's centroids (``resumed["arrays"]
    ["centers"]``) back where the checkpoint left it; returns its ``p`` (n, k)."""
    meta, arrays = resumed["meta"], resumed["arrays"]
    assign(loop.optimizer.variables, unpack_list("opt", meta["n_opt"], arrays))
    loop.est.cluster_centers_ = arrays["centers"].astype(np.float32)
    restore_rng(loop.rng, meta["rng"])
    loop.plan_state["rest"] = arrays["rest"].astype(np.int64)
    loop.runner.seed_state = arrays["seed"]
    loop.update = int(meta["next_update"])
    loop.n_iter = int(meta["position"]["iteration"])
    loop.labels_last = arrays["labels_last"]
    # the divergence fallback the uninterrupted fit holds at this point: these weights
    loop.snapshot = {"update": loop.update - 1, "iteration": loop.n_iter,
                     "weights": variables_values(loop.variables)}
    return arrays["target"]
