"""Runs side by side (the Runs page): the settings that differ, and the runs' names.

A lab runs the same experiment with one thing changed (α, k, the target's
switches...). The Runs page shows, for the listed runs, one column per setting
that differs between them, and names each selected run by those settings
(``"α = 10"``), never by its timestamp, on the overlaid charts of
:mod:`explorer.charts.runs`.

No streamlit here: the page passes the runs' saved parameters (from
:func:`dec_core.runs.list_runs` / :func:`dec_core.runs.load_run`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from dec_core.baselines import NAMES
from dec_core.presets import method_of
from explorer.text.teach import target_text


def _network(params: Mapping) -> str:
    dims = params.get("dims")
    return "d-" + "-".join(str(int(h)) for h in dims[1:]) if dims else "?"


# (column, label in a run's name, value from the saved estimator parameters)
SETTINGS: tuple[tuple[str, str, Callable[[Mapping], object]], ...] = (
    ("method", "", lambda p: NAMES[method_of(p)]),
    ("k", "k", lambda p: p.get("n_clusters")),
    ("alpha", "α", lambda p: p.get("alpha")),
    ("target", "", lambda p: target_text(p.get("target_power", 2.0),
                                         p.get("normalize_frequency", True))),
    ("epochs", "pretrain epochs", lambda p: p.get("pretrain_epochs")),
    ("network", "", _network),
    ("gamma", "γ", lambda p: p.get("gamma") if method_of(p) == "idec" else None),
    ("tol", "tol", lambda p: p.get("tol")),
    ("update interval", "update interval", lambda p: p.get("update_interval")),
    ("batch", "batch", lambda p: p.get("batch_size")),
    ("learning rate", "lr", lambda p: p.get("learning_rate")),
    ("seed", "seed", lambda p: p.get("random_state")),
)
"""The settings a run is told apart by, in the order the table shows them."""


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_settings(params: Mapping | None, dataset: str = "") -> dict[str, str]:
    """A run's comparable settings as text, one per :data:`SETTINGS` column (and ``data``).

    Parameters
    ----------
    params : mapping or None
        The run's estimator parameters (``config["params"]``, upgraded by
        :mod:`dec_core.runs`); a missing target switch means the paper's.
    dataset : str, default=""
        The data set's name.

    Returns
    -------
    dict of str to str
    """
    params = dict(params or {})
    out = {"data": dataset or "–"}
    for column, _, get in SETTINGS:
        out[column] = _text(get(params))
    return out


MODES = {"train": "Train", "step": "Step by step"}
"""A run's mode (where it was trained) as the Runs page names it."""


def run_mode(extra: Mapping | None) -> str:
    """Where a saved run was trained: ``"step"`` (Step by step) or ``"train"``.

    Parameters
    ----------
    extra : mapping or None
        The run's ``config["extra"]`` (the app's worker stores ``job.mode``).
        Runs saved before that record their Step by step origin only in the
        job's name, ``"<data> (step mode)"``, which the Step by step page gave it.

    Returns
    -------
    str
        A key of :data:`MODES`.
    """
    extra = dict(extra or {})
    mode = (extra.get("job") or {}).get("mode")
    if mode in MODES:
        return mode
    name = str((extra.get("app") or {}).get("name", ""))
    return "step" if name.endswith("(step mode)") else "train"


def differing(settings: Sequence[Mapping[str, str]]) -> list[str]:
    """The columns whose value is not the same in every run (in table order)."""
    if len(settings) < 2:
        return []
    columns = ["data", *(c for c, _, _ in SETTINGS)]
    return [c for c in columns if len({s.get(c) for s in settings}) > 1]


def run_names(settings: Sequence[Mapping[str, str]], fallback: Sequence[str]) -> list[str]:
    """Each run named by what differs between them: ``"α = 10 · k = 5"``.

    Parameters
    ----------
    settings : sequence of mapping
        :func:`run_settings` of each run.
    fallback : sequence of str
        What to call runs whose settings are all the same (e.g. their
        creation times); also used when two runs would get the same name.

    Returns
    -------
    list of str
    """
    labels = {"data": "data", **{c: lab for c, lab, _ in SETTINGS}}
    cols = differing(settings)
    names = []
    for s, alt in zip(settings, fallback):
        parts = [f"{labels[c]} = {s[c]}" if labels[c] else s[c] for c in cols]
        names.append(" · ".join(parts) if parts else alt)
    if len(set(names)) < len(names):  # same settings twice: tell them apart by the fallback
        names = [f"{n} ({alt})" if names.count(n) > 1 else n for n, alt in zip(names, fallback)]
    return names
