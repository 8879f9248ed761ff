"""Keras-style callbacks: how progress flows out of the engine.

A callback is a plain object whose hooks do nothing by default. The estimator
calls them at each phase of training:

* ``on_train_begin(logs)`` / ``on_train_end(logs)``: the whole ``fit``.
* ``on_pretrain_begin(logs)`` / ``on_pretrain_epoch_end(epoch, logs)`` /
  ``on_pretrain_end(logs)``: autoencoder pretraining. ``logs`` holds
  ``loss`` (mean reconstruction MSE of the epoch), ``stage`` (``"end_to_end"``,
  ``"layer_1"`` ... or ``"finetune"``), and ``epochs`` (the stage's total).
* ``on_kmeans_end(logs)``: the k-means initialisation. ``logs`` holds
  ``labels`` (n,), ``centers`` (k, embedding_dim), ``embedding`` (n, e) and,
  with ``y``, ``acc``/``nmi``/``ari``.
* ``on_dec_begin(logs)`` / ``on_dec_update(update, logs)`` /
  ``on_dec_end(logs)``: the clustering phase (DEC or IDEC). An update is one
  recomputation of the target distribution; ``update`` counts them from 0
  (the k-means initialisation). ``logs`` holds ``update``, ``iteration``
  (batches so far), ``max_iter``, ``delta_label`` (share of labels changed
  since the last update), the means per batch since the last update of
  ``loss`` (the total), ``kl`` (KL(P||Q)) and, for IDEC, ``reconstruction``
  (``nan`` at update 0), and with ``y`` ``acc``/``nmi``/``ari``. It also
  carries the arrays ``labels``, ``q``, ``p``, ``embedding`` and ``centers``
  (the centroids at this update, (k, embedding_dim)) for live views, and
  ``final``: True when the stop rule (tol or ``max_iter``) ends training after
  this update; none of these is kept in :attr:`DEC.history_`. ``on_dec_begin`` gets
  ``max_iter``, ``method`` and ``update_interval`` (the one DEC runs, which
  ``update_budget`` may widen); ``on_dec_end`` gets ``reason``, ``iteration``
  and ``diverged``.

A callback asks to stop by setting ``self.model.stop_training = True``, where
``self.model`` is the estimator (set through :meth:`Callback.set_model`), or
by a ``should_stop()`` method returning True, which the estimator polls
between compiled batch loops. The estimator then finishes the current step,
keeps what it has learned and records ``stop_reason_ = "stopped by request"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_pretrain_begin",
    "on_pretrain_epoch_end",
    "on_pretrain_end",
    "on_kmeans_end",
    "on_dec_begin",
    "on_dec_update",
    "on_dec_end",
    "on_resume",
)


class Callback:
    """Base class for DEC callbacks; every hook is a no-op.

    Attributes
    ----------
    model : DEC or None
        The estimator being trained, set by :meth:`set_model`.
    """

    def __init__(self) -> None:
        self.model: Any = None

    def set_model(self, model: Any) -> None:
        """Remember the estimator, so a hook can set ``model.stop_training``."""
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once at the start of ``fit``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once at the end of ``fit``, also after a stop."""

    def on_pretrain_begin(self, logs: dict | None = None) -> None:
        """Called before autoencoder pretraining."""

    def on_pretrain_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called after every pretraining epoch of every stage."""

    def on_pretrain_progress(self, steps_done: int, logs: dict | None = None) -> None:
        """Pretraining ran ``steps_done`` of the stage's ``logs["total_steps"]`` batches.

        Called after each compiled call of batches (64 by default), so a long
        epoch still reports progress; ``logs["stage"]`` names the stage.
        """

    def on_pretrain_end(self, logs: dict | None = None) -> None:
        """Called after pretraining (or when it is skipped)."""

    def on_kmeans_end(self, logs: dict | None = None) -> None:
        """Called after the k-means initialisation of the centroids."""

    def on_dec_begin(self, logs: dict | None = None) -> None:
        """Called before the first DEC update."""

    def on_dec_update(self, update: int, logs: dict | None = None) -> None:
        """Called at every target-distribution update (``update`` = 0, 1, 2 ...)."""

    def on_dec_end(self, logs: dict | None = None) -> None:
        """Called when DEC stops: converged, ``max_iter``, a stop request or divergence."""

    def on_resume(self, logs: dict | None = None) -> None:
        """Called when ``fit`` starts from a checkpoint (dec_core.checkpoint).

        ``logs`` holds ``position`` (where the checkpoint stands: ``phase``
        and ``stage`` / ``epoch`` or ``update`` / ``iteration``) and
        ``history`` (the restored history: the curves so far). The hooks of
        the work before the checkpoint are not called again.
        """


class CallbackList(Callback):
    """Dispatch each hook to a list of callbacks, in order."""

    def __init__(self, callbacks: Iterable[Callback] | None = None) -> None:
        super().__init__()
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not all(callable(getattr(cb, hook, None)) for hook in ("set_model", *HOOKS)):
                raise ValueError(
                    f"Every callback must be a dec_core.callbacks.Callback; received: {cb!r}"
                )

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_pretrain_begin(self, logs=None):
        self._call("on_pretrain_begin", logs)

    def on_pretrain_epoch_end(self, epoch, logs=None):
        self._call("on_pretrain_epoch_end", epoch, logs)

    def on_pretrain_progress(self, steps_done, logs=None):
        for cb in self.callbacks:  # optional (not in HOOKS): a callback need not define it
            hook = getattr(cb, "on_pretrain_progress", None)
            if hook is not None:
                hook(steps_done, logs)

    def on_pretrain_end(self, logs=None):
        self._call("on_pretrain_end", logs)

    def on_kmeans_end(self, logs=None):
        self._call("on_kmeans_end", logs)

    def on_dec_begin(self, logs=None):
        self._call("on_dec_begin", logs)

    def on_dec_update(self, update, logs=None):
        self._call("on_dec_update", update, logs)

    def on_dec_end(self, logs=None):
        self._call("on_dec_end", logs)

    def on_resume(self, logs=None):
        self._call("on_resume", logs)


class StopOnEvent(Callback):
    """Stop training when an event is set.

    This is how the app stops a training worker process: the server sets a
    ``multiprocessing`` event shared with the worker, and the worker stops at
    its next pretraining epoch or DEC update, or sooner, since the estimator
    also polls ``should_stop`` between compiled batch loops. A
    :class:`threading.Event` works the same within one process.

    Parameters
    ----------
    event : threading.Event or multiprocessing.Event
        The flag to watch (anything with ``is_set()``).
    """

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event

    def should_stop(self) -> bool:
        """Whether the event is set; polled between batches."""
        return self.event.is_set()

    def _check(self) -> None:
        if self.event.is_set() and self.model is not None:
            self.model.stop_training = True

    def on_pretrain_epoch_end(self, epoch, logs=None):
        self._check()

    def on_kmeans_end(self, logs=None):
        self._check()

    def on_dec_update(self, update, logs=None):
        self._check()


class CentroidHistory(Callback):
    """Keep the centroids of every target update: a saved run's ``centroids`` array.

    Attributes
    ----------
    centers : list of ndarray of shape (n_clusters, embedding_dim)
        One entry per DEC update, in order (update 0: the k-means centres).
    """

    def __init__(self) -> None:
        super().__init__()
        self.centers: list[np.ndarray] = []

    def on_dec_update(self, update, logs=None):
        centers = (logs or {}).get("centers")
        if centers is not None:
            self.centers.append(np.asarray(centers, dtype=np.float32).copy())

    def array(self) -> np.ndarray | None:
        """``(updates, n_clusters, embedding_dim)`` float32, or None before any update."""
        return np.stack(self.centers) if self.centers else None


class ProgressLogger(Callback):
    """Write one line per epoch and per update to a text stream (stderr).

    Parameters
    ----------
    stream : file-like, default=sys.stderr
        Where the lines go.
    every : int, default=1
        Print every ``every``-th pretraining epoch and DEC update.
    """

    def __init__(self, stream: Any = None, every: int = 1) -> None:
        super().__init__()
        import sys

        self.stream = stream if stream is not None else sys.stderr
        self.every = max(1, int(every))

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    @staticmethod
    def _scores(logs: dict) -> str:
        keys = [k for k in ("acc", "nmi", "ari") if k in logs]
        return "".join(f" {k}={logs[k]:.4f}" for k in keys)

    def on_pretrain_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        total = logs.get("epochs", 0)
        if (epoch + 1) % self.every == 0 or epoch + 1 == total:
            self._print(
                f"[pretrain {logs.get('stage', '')}] epoch {epoch + 1}/{total} "
                f"loss={logs.get('loss', float('nan')):.5f}"
            )

    def on_kmeans_end(self, logs=None):
        self._print(f"[kmeans] init done{self._scores(logs or {})}")

    def on_dec_update(self, update, logs=None):
        logs = logs or {}
        if update % self.every == 0:
            terms = "".join(f" {k}={logs[k]:.5f}" for k in ("kl", "reconstruction") if k in logs)
            self._print(
                f"[dec] update {update} · batch {logs.get('iteration', '?')}/"
                f"{logs.get('max_iter', '?')} "
                f"loss={logs.get('loss', float('nan')):.5f}{terms} "
                f"delta_label={logs.get('delta_label', float('nan')):.4f}"
                f"{self._scores(logs)}"
            )

    def on_dec_end(self, logs=None):
        logs = logs or {}
        self._print(f"[dec] stopped: {logs.get('reason', '')}{self._scores(logs)}")


def scalar_logs(logs: dict | None) -> dict[str, float | int | str]:
    """The JSON-friendly part of ``logs``: numbers and strings, no arrays."""
    out: dict[str, float | int | str] = {}
    for key, value in (logs or {}).items():
        if isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, (int, np.integer)):
            out[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = float(value)
        elif isinstance(value, str):
            out[key] = value
    return out
