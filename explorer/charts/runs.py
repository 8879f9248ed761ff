"""The Runs page's figures: several runs' curves, scores and confidence, overlaid.

Each run is drawn in ``color(i)`` under its name from
:func:`explorer.analysis.runs.run_names` (what differs between the runs). No
streamlit here; each builder takes ``projector`` for :func:`explorer.charts.theme.layout`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.charts.theme import color, layout, log_axis, zero_row

CURVES: dict[str, tuple[str, str]] = {
    "loss": ("Clustering loss KL(P‖Q) (IDEC: total)", "loss per batch"),
    "acc": ("ACC against the true labels", "ACC"),
    "delta_label": ("Changed labels per update", "share of points"),
}
"""History key -> (chart title, y axis title) of the overlaid curves."""


def curves_figure(histories: Sequence[Mapping], names: Sequence[str], key: str,
                  projector: bool = False) -> go.Figure:
    """One DEC history curve of several runs, overlaid against the DEC iteration.

    Parameters
    ----------
    histories : sequence of mapping
        Each run's ``history["history"]["dec"]`` (lists per target update).
    names : sequence of str
        The runs' names (:func:`explorer.analysis.runs.run_names`).
    key : {"loss", "acc", "delta_label"}
    projector : bool, default=False
        Projector mode's large type (:func:`explorer.charts.theme.layout`).

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
    return layout(fig, title, height=360, projector=projector)


def confidence_by_run_figure(probas: Sequence[np.ndarray | None], names: Sequence[str],
                             bins: int = 20, projector: bool = False) -> go.Figure:
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
    return layout(fig, "Confidence at the end: histogram of max_j q_ij", height=360,
                  projector=projector)


def scores_figure(scores: Sequence[Mapping | None], names: Sequence[str],
                  projector: bool = False) -> go.Figure:
    """ACC / NMI / ARI of several runs, grouped by score, one colour per run (as in the curves)."""
    metrics = ("acc", "nmi", "ari")
    fig = go.Figure()
    for i, (s, name) in enumerate(zip(scores, names)):
        s = s or {}
        fig.add_trace(go.Bar(x=[m.upper() for m in metrics], y=[s.get(m) for m in metrics],
                             name=name, marker_color=color(i)))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    fig.update_yaxes(title="score", range=[0, 1])
    return layout(fig, "Scores: ACC / NMI / ARI", height=360, projector=projector)
