"""Plotly figures for the Train page's live charts (no streamlit here).

Each takes the lists a :class:`explorer.jobs.Job` records (``view()["pretrain"]``,
``view()["dec"]``) and returns a figure with a title and axis labels.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .theme import ACCENT, NEUTRAL, class_color, color, layout

METRIC_COLORS = {"acc": color(0), "nmi": color(1), "ari": color(2)}


def pretrain_loss_figure(pretrain: list[dict], total_epochs: int | None = None) -> go.Figure:
    """Reconstruction loss (MSE) per pretraining epoch, one line per stage."""
    fig = go.Figure()
    stages: dict[str, list[dict]] = {}
    for row in pretrain:
        stages.setdefault(row.get("stage") or "end_to_end", []).append(row)
    for i, (stage, rows) in enumerate(stages.items()):
        fig.add_trace(go.Scatter(
            x=[r["epoch"] for r in rows], y=[r["loss"] for r in rows], mode="lines+markers",
            name=stage.replace("_", " "), marker={"size": 4}, line={"color": color(i)},
        ))
    fig.update_xaxes(title="epoch", range=[0.5, max(total_epochs or 0, len(pretrain)) + 0.5]
                     if total_epochs else None)
    fig.update_yaxes(title="reconstruction loss (MSE)", type="log")
    return layout(fig, "Autoencoder pretraining: reconstruction loss", height=300)


def kl_loss_figure(dec: list[dict]) -> go.Figure:
    """Mean KL(P||Q) over the batches between two target updates."""
    rows = [r for r in dec if np.isfinite(r.get("loss", np.nan))]
    fig = go.Figure(go.Scatter(
        x=[r["iteration"] for r in rows], y=[r["loss"] for r in rows], mode="lines+markers",
        name="KL(P‖Q)", line={"color": color(4)}, marker={"size": 5},
    ))
    fig.update_xaxes(title="DEC iteration (batches)")
    fig.update_yaxes(title="KL(P‖Q)")
    return layout(fig, "DEC: KL divergence loss", height=300)


def delta_label_figure(dec: list[dict], tol: float) -> go.Figure:
    """Share of points that changed cluster at each update, with the ``tol`` line."""
    rows = dec[1:]  # update 0 compares with k-means and is 0 by construction
    fig = go.Figure(go.Scatter(
        x=[r["iteration"] for r in rows], y=[max(r["delta_label"], 1e-5) for r in rows],
        mode="lines+markers", name="changed labels", line={"color": color(3)},
        marker={"size": 5},
    ))
    fig.add_hline(y=max(tol, 1e-5), line={"color": ACCENT, "dash": "dash"},
                  annotation_text=f"tol = {tol:g} (stop below)", annotation_position="top right")
    fig.update_xaxes(title="DEC iteration (batches)")
    decades = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    fig.update_yaxes(title="share of changed labels (log)", type="log", tickvals=decades,
                     ticktext=["0.001%", "0.01%", "0.1%", "1%", "10%", "100%"])
    return layout(fig, "DEC: changed-label share per update", height=300)


def metrics_figure(dec: list[dict], kmeans: dict | None = None) -> go.Figure:
    """ACC / NMI / ARI at each update, with the k-means start as dotted lines."""
    fig = go.Figure()
    for key in ("acc", "nmi", "ari"):
        rows = [r for r in dec if key in r]
        if not rows:
            continue
        fig.add_trace(go.Scatter(
            x=[r["iteration"] for r in rows], y=[r[key] for r in rows], mode="lines+markers",
            name=key.upper(), line={"color": METRIC_COLORS[key]}, marker={"size": 5},
        ))
        if kmeans and key in kmeans:
            fig.add_hline(y=kmeans[key], line={"color": METRIC_COLORS[key], "dash": "dot",
                                               "width": 1})
    fig.update_xaxes(title="DEC iteration (batches)")
    fig.update_yaxes(title="score (dotted: autoencoder + k-means)", range=[0, 1.02])
    return layout(fig, "Clustering quality against the true labels", height=300)


def confusion_figure(matrix: np.ndarray, classes, clusters, class_names=None,
                     normalize: bool = False) -> go.Figure:
    """Heatmap of a matched confusion matrix: rows are classes, column j faces class j.

    ``clusters`` comes from :func:`dec_core.metrics.matched_confusion_matrix`:
    ``-1`` marks a column no cluster is matched to. Ticks carry the class
    colour (``theme.class_color``) of the class a row is, or a column faces.
    """
    m = np.asarray(matrix, dtype=float)
    if normalize:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    ylabels = [str(class_names[c]) if class_names is not None and c < len(class_names) else str(c)
               for c in classes]
    clusters = [int(c) for c in clusters]
    xnames = [f"c{c}" if c >= 0 else "none" for c in clusters]
    xcolors = [class_color(classes[j]) if j < len(classes) and c >= 0 else NEUTRAL
               for j, c in enumerate(clusters)]
    text = np.vectorize(lambda v: f"{v:.2f}" if normalize else f"{int(v)}")(m)
    xs, ys = list(range(len(clusters))), list(range(len(ylabels)))
    fig = go.Figure(go.Heatmap(
        z=m, x=xs, y=ys, colorscale="Blues", text=text, texttemplate="%{text}",
        customdata=[[[name, xname] for xname in xnames] for name in ylabels],
        hovertemplate="class %{customdata[0]}<br>cluster %{customdata[1]}<br>%{z}<extra></extra>",
        showscale=False,
    ))
    fig.update_xaxes(title="cluster (column j: the one matched to class j; unmatched last)",
                     side="bottom", tickmode="array", tickvals=xs,
                     ticktext=[f'<span style="color:{col}">■</span> {name}'
                               for name, col in zip(xnames, xcolors)])
    fig.update_yaxes(title="true class", autorange="reversed", tickmode="array", tickvals=ys,
                     ticktext=[f'<span style="color:{class_color(c)}">■</span> {name}'
                               for c, name in zip(classes, ylabels)])
    return layout(fig, "Confusion matrix after Hungarian matching"
                  + (" (row-normalised)" if normalize else " (counts)"), height=420)


def placeholder(title: str, note: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=note, showarrow=False, font={"color": NEUTRAL, "size": 14},
                       x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, title, height=300)
