"""Why a fit ended, as data: :class:`StopRecord`.

The estimator records one in ``stop_record_`` (and, JSON-ready, in
``history_["stop"]``) next to ``stop_reason_``, the same fact in one line of
text. Code that explains a stop to people (``explorer.text.teach.stop_text``)
reads the record's fields and never takes the text apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

STOP_KINDS = ("converged", "max_iter", "stopped", "diverged", "pretrain_diverged", "done")
"""What a :class:`StopRecord`'s ``kind`` can be."""


@dataclass(frozen=True)
class StopRecord:
    """Why training ended.

    Attributes
    ----------
    kind : str
        One of :data:`STOP_KINDS`: ``"converged"`` (the share of changed
        labels fell below ``tol``), ``"max_iter"`` (the batch limit),
        ``"stopped"`` (a stop request), ``"diverged"`` (a NaN or infinite
        clustering loss or weights; the last finite state was restored),
        ``"pretrain_diverged"`` (the pretraining loss became NaN or
        infinite) or ``"done"`` (ended without any of these).
    update : int, optional
        The target update the run stopped at (``"converged"``, ``"max_iter"``,
        ``"stopped"``), or the update restored (``"diverged"``).
    iteration : int, optional
        Clustering-phase batches behind the final model.
    delta_label : float, optional
        Share of points that changed cluster at that update.
    n_changed : int, optional
        Those points, counted: ``round(delta_label * n_samples)``.
    n_samples : int, optional
        Points trained on.
    tol : float, optional
        The run's stop threshold.
    max_iter : int, optional
        The run's batch limit.
    loss : float, optional
        The non-finite loss of a divergence (finite: the weights diverged).
    first_batch, last_batch : int, optional
        ``"diverged"``: the batches between which it happened.
    learning_rate : float, optional
        The learning rate to lower (``pretrain_lr`` for ``"pretrain_diverged"``).
    epoch : int, optional
        ``"pretrain_diverged"``: the epoch (from 1).
    stage : str, optional
        ``"pretrain_diverged"``: the pretraining stage.
    target_is_q : bool, optional
        True when the run's target was Q itself (``target_power=1`` without
        the division by f_j): KL(P‖Q) was 0 at every update and its gradient
        zero, so the clustering term taught nothing. Unset otherwise.
    method : str, optional
        ``"dec"`` or ``"idec"``, set with ``target_is_q`` (under IDEC the
        reconstruction term still trains the encoder).
    """

    kind: str
    update: int | None = None
    iteration: int | None = None
    delta_label: float | None = None
    n_changed: int | None = None
    n_samples: int | None = None
    tol: float | None = None
    max_iter: int | None = None
    loss: float | None = None
    first_batch: int | None = None
    last_batch: int | None = None
    learning_rate: float | None = None
    epoch: int | None = None
    stage: str | None = None
    target_is_q: bool | None = None
    method: str | None = None

    def __post_init__(self):
        if self.kind not in STOP_KINDS:
            raise ValueError(f"kind must be one of {list(STOP_KINDS)}. Got {self.kind!r}.")

    @property
    def reason(self) -> str:
        """The record in one line, the estimator's ``stop_reason_``.

        Examples
        --------
        >>> StopRecord("max_iter", max_iter=3000).reason
        'reached max_iter=3000'
        """
        text = self._reason()
        return text + ("; the target P equals Q, so KL(P||Q) had nothing to teach"
                       if self.target_is_q else "")

    def _reason(self) -> str:
        """:attr:`reason` without the remark on a target equal to Q."""
        if self.kind == "converged":
            return f"converged: delta_label={self.delta_label:.5f} < tol={self.tol:g}"
        if self.kind == "max_iter":
            return f"reached max_iter={self.max_iter}"
        if self.kind == "stopped":
            return "stopped by request"
        if self.kind == "diverged":
            what = ("the weights became NaN or infinite" if self.loss is None
                    else f"the clustering loss became {self.loss}")
            lr = self.learning_rate
            return (f"diverged: {what} between batches {self.first_batch} and "
                    f"{self.last_batch}, so the last finite state (update {self.update}, "
                    f"batch {self.first_batch}) was restored; lower learning_rate "
                    f"(now {lr:g}), e.g. to {lr / 10:g}.")
        if self.kind == "pretrain_diverged":
            return (f"pretraining loss became {self.loss} at epoch {self.epoch} of stage "
                    f"{self.stage!r}: lower pretrain_lr (now {self.learning_rate}).")
        return "done"

    def as_dict(self) -> dict:
        """JSON-ready: the fields without the unset ones, plus ``reason``."""
        out = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> StopRecord | None:
        """The record :meth:`as_dict` wrote; None for None (a run saved without one)."""
        if not data:
            return None
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
