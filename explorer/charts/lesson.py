"""The Step-by-step lesson's figures: one point's q and p, the clusters, the kernel explorer.

Built from a step-mode job's ``step_info`` (:mod:`explorer.jobs`) and from the
kernel explorer's rows (:mod:`explorer.analysis.lesson`). No streamlit here;
each builder takes ``projector`` and passes it to :func:`explorer.charts.theme.layout`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dec_core.gradients import student_t_kernel
from explorer.analysis.lesson import sharpen_row
from explorer.charts.theme import ACCENT, REFERENCE, color, layout, whole_number_ticks

KERNEL_ALPHAS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
"""The degrees of freedom the kernel explorer always draws, beside the chosen one."""


def _colors(n_clusters: int, colors: Mapping[int, str] | None) -> list[str]:
    """Cluster j's colour: from ``colors`` ({cluster: colour}, explorer.charts.theme.cluster_colors,
    so a cluster wears its matched class's colour as on every page), else ``color(j)``."""
    return [(colors or {}).get(j, color(j)) for j in range(n_clusters)]


def confidence_by_cluster_figure(confidence: np.ndarray, labels: np.ndarray, n_clusters: int,
                                 max_cols: int = 5, colors=None, names=None,
                                 projector: bool = False) -> go.Figure:
    """Histograms of max_j q_ij (a point's confidence), one small panel per cluster.

    ``colors`` / ``names``: {cluster: colour} and {cluster: "cluster 3 → 1"} (optional).
    """
    cols = min(max_cols, n_clusters)
    rows = int(np.ceil(n_clusters / cols))
    palette = _colors(n_clusters, colors)
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True,
                        subplot_titles=[(names or {}).get(j, f"cluster {j}")
                                        for j in range(n_clusters)],
                        horizontal_spacing=0.03, vertical_spacing=0.12)
    bins = {"start": 0.0, "end": 1.0, "size": 0.05}
    for j in range(n_clusters):
        conf = confidence[labels == j]
        fig.add_trace(go.Histogram(x=conf, xbins=bins, marker_color=palette[j], name=f"cluster {j}",
                                   showlegend=False,
                                   hovertemplate="confidence %{x}<br>%{y} points<extra></extra>"),
                      row=j // cols + 1, col=j % cols + 1)
    fig.update_annotations(font={"size": 11})  # the panel titles: narrow panels
    fig.update_xaxes(range=[0, 1])
    for c in range(1, cols + 1):
        fig.update_xaxes(title_text="max q", row=rows, col=c)
    fig.update_yaxes(title_text="points", row=1, col=1)
    if rows > 1:
        fig.update_yaxes(title_text="points", row=rows, col=1)
    return layout(fig, "Confidence per cluster: histogram of max_j q_ij", height=170 * rows + 90,
                  projector=projector)


def q_vs_p_figure(q: np.ndarray, p: np.ndarray, index: int, colors=None,
                  pinned: bool = False, height: int = 330, projector: bool = False) -> go.Figure:
    """One point's soft assignment q and its target p, side by side per cluster.

    ``colors`` are the clusters' colours (the one-colour rule); ``pinned`` marks
    a point the page keeps across steps (its title says so, in the accent colour).
    The title is short (the legend says which bars are q and which p), so it fits
    a narrow column in projector mode.
    """
    k = q.shape[0]
    x = [str(j) for j in range(k)]
    palette = _colors(k, colors)
    fig = go.Figure([
        go.Bar(x=x, y=q, name="q (now, pale)", marker_color=palette,
               opacity=0.45, marker_line={"color": palette, "width": 1.5}),
        go.Bar(x=x, y=p, name="p (target)", marker_color=palette),
    ])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title="cluster j", type="category")
    fig.update_yaxes(title="probability", range=[0, 1])
    title = f"Point #{index}: q and its target p"
    if pinned:
        title = f"<span style='color:{ACCENT}'>Pinned point #{index}</span>: q and p"
    return layout(fig, title, height=height, projector=projector)


def sizes_figure(f: np.ndarray, sizes: np.ndarray, colors=None,
                 projector: bool = False) -> go.Figure:
    """Soft cluster sizes f_j next to hard counts (argmax)."""
    k = len(f)
    x = [str(j) for j in range(k)]
    fig = go.Figure([
        go.Bar(x=x, y=f, name="f_j = Σ_i q_ij (soft)", marker_color=_colors(k, colors)),
        go.Scatter(x=x, y=sizes, name="points assigned (argmax)", mode="markers",
                   marker={"symbol": "line-ew-open", "size": 22, "color": ACCENT,
                           "line": {"width": 3}}),
    ])
    fig.update_layout(legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title="cluster j", type="category")
    fig.update_yaxes(title="size")
    return layout(fig, "Cluster sizes f_j", height=330, projector=projector)


def sharpening_figure(history: list[dict], projector: bool = False) -> go.Figure:
    """Mean confidence of Q and of P across updates: P leads, Q follows."""
    ups = [h["update"] for h in history]
    fig = go.Figure([
        go.Scatter(x=ups, y=[h["q_conf"] for h in history], name="mean max q", mode="lines+markers",
                   line={"color": color(0)}),
        go.Scatter(x=ups, y=[h["p_conf"] for h in history], name="mean max p (target)",
                   mode="lines+markers", line={"color": color(3), "dash": "dash"}),
    ])
    fig.update_xaxes(title="target update", **whole_number_ticks(max(ups, default=0)))
    fig.update_yaxes(title="mean confidence", range=[0, 1.02])
    fig.update_layout(legend={"orientation": "h", "y": 1.12})
    return layout(fig, "P sharpens Q: mean confidence per update", height=330, projector=projector)


def kernel_figure(alpha: float, alphas=KERNEL_ALPHAS, max_distance: float = 5.0,
                  projector: bool = False) -> go.Figure:
    """q's kernel against distance for several alpha, the chosen one highlighted.

    A Gaussian ``exp(-d^2 / 2)`` (the limit of a large alpha) is drawn dotted
    for reference.
    """
    d = np.linspace(0.0, max_distance, 201)
    values = sorted({float(a) for a in alphas} | {float(alpha)})
    fig = go.Figure()
    others = iter((0, 2, 4, 9, 5, 8))  # palette colours far from the accent red
    for a in values:
        chosen = a == float(alpha)
        fig.add_trace(go.Scatter(
            x=d, y=student_t_kernel(d, a), mode="lines", name=f"α = {a:g}" + (" (chosen)" if chosen else ""),
            line={"color": ACCENT if chosen else color(next(others)), "width": 4 if chosen else 1.5},
            opacity=1.0 if chosen else 0.6,
            hovertemplate="distance %{x:.2f}<br>kernel %{y:.3f}<extra>α = " + f"{a:g}</extra>"))
    fig.add_trace(go.Scatter(x=d, y=np.exp(-d**2 / 2), mode="lines", name="Gaussian (α → ∞)",
                             line={"color": REFERENCE, "dash": "dot", "width": 1.5}))
    fig.update_xaxes(title="distance ‖z_i − μ_j‖")
    fig.update_yaxes(title="kernel (1 + d²/α)^−(α+1)/2", range=[0, 1.02])
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return layout(fig, "Q's kernel: how fast belief falls with distance", height=340,
                  projector=projector)


def sharpen_figure(q, f, power: float, normalize_frequency: bool,
                   projector: bool = False) -> go.Figure:
    """One row's q, its size f and the target p = q^power / f (normalised), per cluster."""
    q = np.asarray(q, dtype=np.float64)
    p = sharpen_row(q, f, power, normalize_frequency)
    k = len(q)
    x = [str(j) for j in range(k)]
    cols = [color(j) for j in range(k)]
    fig = go.Figure([
        go.Bar(x=x, y=q.tolist(), name="q (now)", marker_color=cols, opacity=0.45,
               marker_line={"color": cols, "width": 1.5}),
        go.Bar(x=x, y=p.tolist(), name="p (target)", marker_color=cols),
    ])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.3})
    fig.update_xaxes(title="cluster j (f_0 is the slider's size)", type="category")
    fig.update_yaxes(title="probability", range=[0, 1])
    div = " / f_j" if normalize_frequency else ""
    return layout(fig, f"One row: p ∝ q^{float(power):g}{div}", height=340, projector=projector)
