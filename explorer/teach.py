"""Teaching mode: the formulas of each phase and the step-mode figures.

No streamlit here: pages call :func:`panels` for the text and the ``*_figure``
functions for plots built from a job's ``step_info`` (see explorer.jobs).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .theme import ACCENT, color, layout

# (title, latex, explanation) for each phase, in order.
PANELS: list[tuple[str, str, str]] = [
    (
        "1 · Pretrain an autoencoder",
        r"\min_{\theta,\phi}\; \frac{1}{n}\sum_{i=1}^{n} \big\| x_i - g_\phi\!\big(f_\theta(x_i)\big)\big\|^2",
        "The encoder $f_\\theta$ squeezes each sample into a short code $z_i = f_\\theta(x_i)$ "
        "(10 numbers by default); the decoder $g_\\phi$ must rebuild the input from it. "
        "What survives the bottleneck is what the data has in common, so similar samples get "
        "similar codes. Adding noise to the input (a denoising autoencoder) makes the codes "
        "sturdier.",
    ),
    (
        "2 · Place the centroids with k-means",
        r"\min_{\mu_1..\mu_k} \sum_{i} \min_j \| z_i - \mu_j \|^2",
        "k-means in the 10-d embedding gives the starting centroids $\\mu_j$. DEC will move "
        "them, and the encoder, together.",
    ),
    (
        "3 · Soft assignment Q (Student's t)",
        r"q_{ij} = \frac{\left(1 + \|z_i - \mu_j\|^2/\alpha\right)^{-\frac{\alpha+1}{2}}}"
        r"{\sum_{j'} \left(1 + \|z_i - \mu_{j'}\|^2/\alpha\right)^{-\frac{\alpha+1}{2}}}",
        "Each point gets a probability of belonging to each cluster: close to a centroid means "
        "high $q_{ij}$. The heavy-tailed Student's t (with $\\alpha = 1$ degree of freedom) "
        "keeps far points from being ignored.",
    ),
    (
        "4 · Target distribution P (sharpened Q)",
        r"p_{ij} = \frac{q_{ij}^2 / f_j}{\sum_{j'} q_{ij'}^2 / f_{j'}}, \qquad f_j = \sum_i q_{ij}",
        "Squaring $q$ makes confident assignments more confident; dividing by the soft "
        "cluster size $f_j$ stops big clusters from swallowing everything. P is recomputed on "
        "all the data every *update interval* batches and held fixed in between: the model "
        "learns from its own high-confidence guesses (self-training).",
    ),
    (
        "5 · Loss: KL(P‖Q)",
        r"L = \mathrm{KL}(P\,\|\,Q) = \sum_i \sum_j p_{ij} \log \frac{p_{ij}}{q_{ij}}",
        "Gradient steps on $L$ move the encoder and the centroids so that Q comes closer to the "
        "sharper P. With IDEC, $\\gamma$ times the reconstruction loss is added, so the "
        "embedding keeps the data's structure.",
    ),
    (
        "6 · Stop rule",
        r"\delta = \frac{1}{n}\sum_i \mathbb{1}\!\left[c_i^{(t)} \neq c_i^{(t-1)}\right] < \mathrm{tol},"
        r"\qquad c_i = \arg\max_j q_{ij}",
        "At each target update, count the share of points whose cluster changed. When it falls "
        "below *tol* (0.1 % by default), the clusters have settled and training stops.",
    ),
]


def confidence_figure(confidence: np.ndarray, labels: np.ndarray, n_clusters: int,
                      max_cols: int = 5) -> go.Figure:
    """Histograms of max_j q_ij (a point's confidence), one small panel per cluster."""
    cols = min(max_cols, n_clusters)
    rows = int(np.ceil(n_clusters / cols))
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True,
                        subplot_titles=[f"cluster {j}" for j in range(n_clusters)],
                        horizontal_spacing=0.03, vertical_spacing=0.12)
    bins = {"start": 0.0, "end": 1.0, "size": 0.05}
    for j in range(n_clusters):
        conf = confidence[labels == j]
        fig.add_trace(go.Histogram(x=conf, xbins=bins, marker_color=color(j), name=f"cluster {j}",
                                   showlegend=False,
                                   hovertemplate="confidence %{x}<br>%{y} points<extra></extra>"),
                      row=j // cols + 1, col=j % cols + 1)
    fig.update_xaxes(range=[0, 1])
    for c in range(1, cols + 1):
        fig.update_xaxes(title_text="max q", row=rows, col=c)
    fig.update_yaxes(title_text="points", row=1, col=1)
    if rows > 1:
        fig.update_yaxes(title_text="points", row=rows, col=1)
    return layout(fig, "Confidence per cluster: histogram of max_j q_ij", height=170 * rows + 90)


def q_vs_p_figure(q: np.ndarray, p: np.ndarray, index: int) -> go.Figure:
    """One point's soft assignment q and its target p, side by side per cluster."""
    k = q.shape[0]
    x = [str(j) for j in range(k)]
    fig = go.Figure([
        go.Bar(x=x, y=q, name="q (current)", marker_color=[color(j) for j in range(k)],
               opacity=0.45, marker_line={"color": [color(j) for j in range(k)], "width": 1.5}),
        go.Bar(x=x, y=p, name="p (target)", marker_color=[color(j) for j in range(k)]),
    ])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title="cluster j", type="category")
    fig.update_yaxes(title="probability", range=[0, 1])
    return layout(fig, f"Point #{index}: q (pale) and its sharper target p (solid)", height=330)


def sizes_figure(f: np.ndarray, sizes: np.ndarray) -> go.Figure:
    """Soft cluster sizes f_j next to hard counts (argmax)."""
    k = len(f)
    x = [str(j) for j in range(k)]
    fig = go.Figure([
        go.Bar(x=x, y=f, name="f_j = Σ_i q_ij (soft)", marker_color=[color(j) for j in range(k)]),
        go.Scatter(x=x, y=sizes, name="points assigned (argmax)", mode="markers",
                   marker={"symbol": "line-ew-open", "size": 22, "color": ACCENT,
                           "line": {"width": 3}}),
    ])
    fig.update_layout(legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title="cluster j", type="category")
    fig.update_yaxes(title="size")
    return layout(fig, "Cluster sizes f_j", height=330)


def sharpening_figure(history: list[dict]) -> go.Figure:
    """Mean confidence of Q and of P across updates: P leads, Q follows."""
    ups = [h["update"] for h in history]
    fig = go.Figure([
        go.Scatter(x=ups, y=[h["q_conf"] for h in history], name="mean max q", mode="lines+markers",
                   line={"color": color(0)}),
        go.Scatter(x=ups, y=[h["p_conf"] for h in history], name="mean max p (target)",
                   mode="lines+markers", line={"color": color(3), "dash": "dash"}),
    ])
    fig.update_xaxes(title="target update", dtick=1)
    fig.update_yaxes(title="mean confidence", range=[0, 1.02])
    fig.update_layout(legend={"orientation": "h", "y": 1.12})
    return layout(fig, "P sharpens Q: mean confidence per update", height=330)
