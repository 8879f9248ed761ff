"""Figures for the Data page's previews (no streamlit here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dec_core.datasets import Dataset

from .theme import color, layout


def sample_images(ds: Dataset, per_class: int = 6, seed: int = 0) -> tuple[np.ndarray, list[str], list[int]]:
    """A few images of each class (or random ones without labels).

    Returns ``(images uint8 (m, h, w), titles, class index of each)``.
    """
    rng = np.random.default_rng(seed)
    h, w = ds.image_shape
    if ds.y is None:
        idx = rng.choice(ds.n_samples, size=min(ds.n_samples, 10 * per_class), replace=False)
        classes = [0] * len(idx)
    else:
        idx, classes = [], []
        for c in np.unique(ds.y)[:20]:
            members = np.flatnonzero(ds.y == c)
            pick = rng.choice(members, size=min(per_class, len(members)), replace=False)
            idx.extend(pick.tolist())
            classes.extend([int(c)] * len(pick))
        idx = np.asarray(idx)
    x = ds.x[idx]
    lo, hi = float(x.min()), float(x.max())
    imgs = np.clip((x - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)
    names = ds.class_names
    titles = [str(names[c]) if names is not None and c < len(names) else str(c) for c in classes]
    return imgs.reshape(-1, h, w), titles, classes


def class_balance_figure(ds: Dataset) -> go.Figure:
    """Bar chart of samples per class, each bar in its class colour."""
    counts = np.bincount(ds.y)
    names = [str(ds.class_names[c]) if ds.class_names is not None else str(c)
             for c in range(len(counts))]
    fig = go.Figure(go.Bar(x=names, y=counts, marker_color=[color(c) for c in range(len(counts))],
                           hovertemplate="class %{x}<br>%{y} samples<extra></extra>"))
    fig.update_xaxes(title="class", type="category")
    fig.update_yaxes(title="samples")
    return layout(fig, f"Class balance ({len(counts)} classes)", height=320)


def feature_scatter(ds: Dataset, fx: int, fy: int, max_points: int = 5000,
                    names: list[str] | None = None) -> go.Figure:
    """Two features against each other, coloured by class when there are labels."""
    rng = np.random.default_rng(0)
    idx = np.arange(ds.n_samples)
    if len(idx) > max_points:
        idx = np.sort(rng.choice(idx, size=max_points, replace=False))
    label = (lambda j: names[j]) if names else (lambda j: f"feature {j}")
    fig = go.Figure()
    if ds.y is None:
        fig.add_trace(go.Scattergl(x=ds.x[idx, fx], y=ds.x[idx, fy], mode="markers",
                                   marker={"size": 5, "color": color(0), "opacity": 0.7},
                                   name="samples"))
    else:
        for c in np.unique(ds.y[idx]):
            sel = idx[ds.y[idx] == c]
            name = str(ds.class_names[c]) if ds.class_names is not None else str(c)
            fig.add_trace(go.Scattergl(x=ds.x[sel, fx], y=ds.x[sel, fy], mode="markers",
                                       marker={"size": 5, "color": color(int(c)), "opacity": 0.75},
                                       name=f"class {name}"))
    fig.update_xaxes(title=label(fx))
    fig.update_yaxes(title=label(fy))
    return layout(fig, f"{label(fx)} vs {label(fy)}"
                  + (f" ({len(idx):,} of {ds.n_samples:,} points)" if len(idx) < ds.n_samples else ""),
                  height=420)
