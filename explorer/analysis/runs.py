"""Runs side by side (the Runs page): the settings that differ, and overlaid curves.

A lab runs the same experiment with one thing changed (α, k, the target's
switches...). The Runs page shows, for the listed runs, one column per setting
that differs between them, and names each selected run by those settings
(``"α = 10"``), never by its timestamp, on overlaid loss, ACC, changed-label
and confidence charts.

No streamlit here: the page passes the runs' saved parameters (from
:func:`dec_core.runs.list_runs` / :func:`dec_core.runs.load_run`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dec_core.baselines import NAMES
from dec_core.presets import method_of
from explorer.charts.theme import color, layout, log_axis, zero_row
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


CURVES: dict[str, tuple[str, str]] = {
    "loss": ("Clustering loss KL(P‖Q) (IDEC: total)", "loss per batch"),
    "acc": ("ACC against the true labels", "ACC"),
    "delta_label": ("Changed labels per update", "share of points"),
}
"""History key -> (chart title, y axis title) of the overlaid curves."""


def curves_figure(histories: Sequence[Mapping], names: Sequence[str], key: str) -> go.Figure:
    """One DEC history curve of several runs, overlaid against the DEC iteration.

    Parameters
    ----------
    histories : sequence of mapping
        Each run's ``history["history"]["dec"]`` (lists per target update).
    names : sequence of str
        The runs' names (:func:`run_names`).
    key : {"loss", "acc", "delta_label"}

    Returns
    -------
    go.Figure
    """
    title, ytitle = CURVES[key]
    fig = go.Figure()
    curves = []
    for dec in histories:
        x = list(dec.get("iteration", []))
        y = [float(v) if v is not None else float("nan") for v in dec.get(key, [])]
        if key == "delta_label":  # update 0 compares with k-means: 0 by construction
            x, y = x[1:], y[1:]
        curves.append([(a, b) for a, b in zip(x, y) if np.isfinite(b)])
    values = [b for pairs in curves for _, b in pairs]
    log = key == "delta_label" and any(b > 0 for b in values)
    positive = [b for b in values if b > 0]
    # A share of 0 (often the last update's: nothing changed, so DEC stopped) cannot sit
    # on the log axis: it is drawn as a hollow marker on a "0" row below the others.
    floor = min(positive) / 4 if log else 0.0
    for i, (pairs, name) in enumerate(zip(curves, names)):
        if not pairs:
            continue
        x = [a for a, _ in pairs]
        fig.add_trace(go.Scatter(x=x, y=[b if b > 0 or not log else None for _, b in pairs],
                                 name=name, mode="lines+markers", legendgroup=name,
                                 line={"color": color(i), "width": 2}, marker={"size": 5}))
        zeros = [a for a, b in pairs if b <= 0] if log else []
        if zeros:
            fig.add_trace(go.Scatter(
                x=zeros, y=[floor] * len(zeros), name=f"{name}: no point changed",
                mode="markers", legendgroup=name, showlegend=False,
                marker={"size": 8, "color": color(i), "symbol": "circle-open",
                        "line": {"width": 2}},
                hovertemplate="batch %{x}<br>no point changed<extra>" + name + "</extra>"))
    fig.update_xaxes(title="DEC iteration (batches)")
    if log:
        axis = log_axis(positive, percent=True)
        if len(positive) < len(values):
            axis = zero_row(axis, floor, max(positive))
        fig.update_yaxes(title=ytitle, **axis)
    else:
        fig.update_yaxes(title=ytitle, range=[0, 1] if key == "acc" else None)
    if not fig.data:
        fig.add_annotation(text="no run here has this curve", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return layout(fig, title, height=360)


def confidence_by_run_figure(probas: Sequence[np.ndarray | None], names: Sequence[str],
                             bins: int = 20) -> go.Figure:
    """Histograms of each run's final confidence max_j q_ij, overlaid as outlines (share of points)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    mids = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    for i, (q, name) in enumerate(zip(probas, names)):
        if q is None or len(q) == 0:
            continue
        counts, _ = np.histogram(np.asarray(q).max(axis=1), bins=edges)
        share = counts / counts.sum()
        fig.add_trace(go.Scatter(x=mids.tolist(), y=share.tolist(), name=name, mode="lines",
                                 line={"color": color(i), "width": 2.5, "shape": "hvh"},
                                 hovertemplate="max q %{x:.2f}<br>%{y:.1%} of points"))
    fig.update_xaxes(title="confidence max_j q_ij (final)", range=[0, 1])
    fig.update_yaxes(title="share of points", tickformat=".0%")
    if not fig.data:
        fig.add_annotation(text="no run here saved its soft assignments", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return layout(fig, "Confidence at the end: histogram of max_j q_ij", height=360)


def scores_figure(scores: Sequence[Mapping | None], names: Sequence[str]) -> go.Figure:
    """ACC / NMI / ARI of several runs, grouped by score, one colour per run (as in the curves)."""
    metrics = ("acc", "nmi", "ari")
    fig = go.Figure()
    for i, (s, name) in enumerate(zip(scores, names)):
        s = s or {}
        fig.add_trace(go.Bar(x=[m.upper() for m in metrics], y=[s.get(m) for m in metrics],
                             name=name, marker_color=color(i)))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    fig.update_yaxes(title="score", range=[0, 1])
    return layout(fig, "Scores: ACC / NMI / ARI", height=360)
