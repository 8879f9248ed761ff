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

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dec_core.baselines import NAMES
from dec_core.presets import COMMON, method_of
from explorer.text.teach import target_text


def _network(params: Mapping) -> str:
    dims = params.get("dims")
    return "d-" + "-".join(str(int(h)) for h in dims[1:]) if dims else "?"


# (column, label in a run's name, value from the saved estimator parameters)
SETTINGS: tuple[tuple[str, str, Callable[[Mapping], object]], ...] = (
    ("method", "", lambda p: NAMES[method_of(p)]),
    ("k", "k", lambda p: p.get("n_clusters")),
    ("alpha", "α", lambda p: p.get("alpha")),
    ("target", "", lambda p: target_text(p.get("target_power", COMMON["target_power"]),
                                         p.get("normalize_frequency",
                                               COMMON["normalize_frequency"]))),
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


def _job_acc(v: Mapping) -> float:
    """The ACC column: the result's, or the last update's while it trains; NaN (an empty
    cell, never "None") before there is one or without labels."""
    acc = v["scores"].get("acc")
    if acc is None and v["dec"]:
        acc = v["dec"][-1].get("acc")
    return float("nan") if acc is None else float(acc)


def _job_data(v: Mapping) -> str:
    """What a job trains on: the data set and its size (the table's "data" column)."""
    data = v["config"]["data"]
    n = data.get("n_samples")
    return f"{data['name']}, {n:,} samples" if n else f"{data['name']}, all samples"


def job_row(v: Mapping, status: str) -> dict:
    """One row of the Runs page's jobs table, from a job's ``view()``.

    Parameters
    ----------
    v : mapping
        :meth:`explorer.jobs.Job.view`.
    status : str
        The job's state in words (:func:`explorer.text.states.job_status`).

    Returns
    -------
    dict
    """
    return {"started": time.strftime("%H:%M:%S", time.localtime(v["created"])),
            "mode": MODES["step" if v["step_mode"] else "train"],
            "data": _job_data(v), "status": status,
            "progress": v["progress"], "elapsed (s)": round(v["elapsed"], 1),
            "ACC": _job_acc(v),
            # the folder's name only: its path holds this browser's folder
            "run": Path(v["run_path"]).name if v["run_path"] else ""}


def created_text(created: str) -> str:
    """A run's creation time as the table shows it: ``"2026-12-06 04:10:24"``."""
    return created.replace("T", " ")[:19]


def run_rows(runs: Sequence, settings: Sequence[Mapping[str, str]],
             differ: Sequence[str]) -> list[dict]:
    """The Runs page's saved-runs table: one row per run, a column per differing setting.

    Parameters
    ----------
    runs : sequence of dec_core.runs.RunInfo
        Complete runs (:func:`dec_core.runs.list_runs`).
    settings : sequence of mapping
        :func:`run_settings` of each run.
    differ : sequence of str
        :func:`differing` of ``settings``.

    Returns
    -------
    list of dict
    """
    return [{
        "run": r.name, "mode": MODES[run_mode(r.extra)], "created": created_text(r.created),
        "dataset": r.dataset, "samples": r.n_samples,
        **{col: s[col] for col in differ if col != "data"},
        "ACC": r.scores.get("acc"), "NMI": r.scores.get("nmi"), "ARI": r.scores.get("ari"),
    } for r, s in zip(runs, settings)]


def scores_text(scores: Mapping) -> str:
    """A run's scores in one line, ``"ACC 0.912 · NMI 0.850 · ARI 0.830"`` ("" without)."""
    return " · ".join(f"{m.upper()} {scores[m]:.3f}" for m in ("acc", "nmi", "ari")
                      if isinstance(scores.get(m), (int, float)))
