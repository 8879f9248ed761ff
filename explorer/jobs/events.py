"""What a training worker tells the server: one small dataclass per kind of event.

The worker (:mod:`explorer.jobs.worker`) puts these on a queue; the server
(:class:`explorer.jobs.JobManager`) applies them to its :class:`~explorer.jobs.Job`
with ``match`` on the class. They cross a process boundary, so every field is
plain data (numbers, strings, lists, dicts, NumPy arrays) that pickles.

This module imports nothing heavy: both sides load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ready:
    """A pre-started worker has imported TensorFlow and waits for its job."""


@dataclass(frozen=True)
class Phase:
    """The job moved to another phase: loading, pretraining, kmeans, dec or saving."""

    name: str


@dataclass(frozen=True)
class DatasetLoaded:
    """The data set is loaded.

    Attributes
    ----------
    info : dict
        name, n_samples, n_features, n_classes, image_shape, class_names.
    pretrain_epochs : int
        Pretraining epochs the job will run (all stages together).
    """

    info: dict
    pretrain_epochs: int


@dataclass(frozen=True)
class Epoch:
    """One pretraining epoch ended: its stage, mean loss and seconds since pretraining began."""

    stage: str
    loss: float
    seconds: float


@dataclass(frozen=True)
class Planned:
    """The run's cost estimate (:meth:`dec_core.cost.CostEstimate.as_dict`), before it trains."""

    estimate: dict


@dataclass(frozen=True)
class PretrainProgress:
    """Share of the pretraining steps done (0..1), sent a few times a second at most."""

    done: float


@dataclass(frozen=True)
class KMeansDone:
    """k-means in the pretrained embedding: ACC / NMI / ARI when labels are known."""

    scores: dict


@dataclass(frozen=True)
class DecUpdate:
    """A DEC target update.

    Attributes
    ----------
    row : dict
        update, iteration, loss, delta_label and, with labels, acc / nmi / ari.
    sharpening : dict or None
        update, mean max q (``q_conf``) and mean max p (``p_conf``).
    step_info : dict or None
        q and p of the tracked rows, f, cluster sizes, confidence and labels.
    """

    row: dict
    sharpening: dict | None = None
    step_info: dict | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AutoencoderSaved:
    """The pretrained weights are on disk at ``path`` with their loss curve, for reuse."""

    path: str
    pretrain: list


@dataclass(frozen=True)
class AutoencoderReused:
    """The worker starts from an autoencoder it did not pretrain now.

    Parameters
    ----------
    source : {"shipped", "cached"}
        ``"shipped"``: the pretrained autoencoder in ``assets/``
        (:mod:`dec_core.pretrained`); ``"cached"``: an earlier job's, reused
        because only DEC settings changed.
    pretrain : list of dict
        Its recorded pretraining curve, rows of ``stage``, ``loss`` (and
        ``seconds`` when known), drawn as recorded.
    """

    source: str
    pretrain: list


@dataclass(frozen=True)
class StepWaiting:
    """Step mode: the worker now waits for Step (True), or goes on (False).

    While it waits it uses no CPU, so the server lets another job have its slot.
    """

    waiting: bool


@dataclass(frozen=True)
class Done:
    """The run is saved (also after a Stop): its folder, DEC scores, stop reason, warnings.

    ``stop`` is the estimator's stop record (``StopRecord.as_dict()``), for
    :func:`explorer.text.teach.stop_text`; ``message`` the same in one line.
    """

    run_path: str
    scores: dict
    message: str
    warnings: list
    stop: dict | None = None


@dataclass(frozen=True)
class Failed:
    """The job failed; ``error`` says why in words a user can act on."""

    error: str


@dataclass(frozen=True)
class Resumed:
    """The worker starts from a checkpoint (:mod:`dec_core.checkpoint`).

    Attributes
    ----------
    position : dict
        Where the checkpoint stands (``phase``, ``stage`` / ``epoch`` or
        ``update`` / ``iteration``).
    pretrain : list of dict
        The pretraining curve so far: ``stage``, ``loss``.
    kmeans : dict
        ACC / NMI / ARI of the k-means start (empty before it).
    dec : list of dict
        The DEC rows so far, as :class:`DecUpdate` rows.
    """

    position: dict
    pretrain: list
    kmeans: dict
    dec: list


@dataclass(frozen=True)
class Interrupted:
    """The worker saved a checkpoint and ended on request (a shutdown); no run was saved."""

    position: dict
    checkpoint: str


def rows_from_history(history: dict) -> tuple[list, dict, list]:
    """A ``DEC.history_`` as chart rows: ``(pretrain rows, k-means scores, DEC rows)``.

    For :class:`Resumed` and for jobs read back from the journal, whose charts
    are redrawn from their saved history.
    """
    pre = history.get("pretrain", {})
    pretrain = [{"stage": s, "loss": float(v), "seconds": 0.0}
                for s, v in zip(pre.get("stage", []), pre.get("loss", []))]
    dec = history.get("dec", {})
    keys = [k for k in ("loss", "kl", "reconstruction", "delta_label", "acc", "nmi", "ari")
            if k in dec]
    rows = [{**{k: float(dec[k][i]) for k in keys}, "update": int(dec["update"][i]),
             "iteration": int(dec["iteration"][i])} for i in range(len(dec.get("update", [])))]
    kmeans = {k: float(v) for k, v in history.get("kmeans", {}).items()
              if k in ("acc", "nmi", "ari")}
    return pretrain, kmeans, rows


#: Events that put a new point on a chart.
CHART_EVENTS = (Epoch, AutoencoderReused, KMeansDone, DecUpdate, Resumed)
