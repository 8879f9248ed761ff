"""Figures and small helpers for the Data page's previews (no streamlit here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dec_core.datasets import Dataset
from dec_core.readers import CsvLayout, csv_layout, label_column_index
from explorer.charts.images import image_grid, pad_row
from explorer.charts.theme import NEUTRAL, color, layout

NOISE_MAX = {"blobs": 3.0, "moons": 0.5, "circles": 0.5, "imbalanced_blobs": 3.0}
"""The noise slider's upper end per synthetic set."""

def sample_images(ds: Dataset, per_class: int = 6, seed: int = 0,
                  max_classes: int = 20) -> tuple[np.ndarray, list[int], np.ndarray]:
    """A few images of each class (random ones when there are no labels).

    Parameters
    ----------
    ds : Dataset
        A data set with ``image_shape``.
    per_class : int, default=6
        Images per class; ``10 * per_class`` in all without labels.
    seed : int, default=0
    max_classes : int, default=20
        Show at most this many classes.

    Returns
    -------
    images : ndarray of shape (m, h, w), uint8
        Grey levels stretched to 0..255 over the chosen images.
    classes : list of int
        The class index of each image, or -1 without labels.
    rows : ndarray of int
        The row of each image in ``ds.x``.
    """
    if ds.image_shape is None:
        raise ValueError("sample_images needs a data set of images.")
    rng = np.random.default_rng(seed)
    h, w = ds.image_shape
    if ds.y is None:
        idx = np.sort(rng.choice(ds.n_samples, size=min(ds.n_samples, 10 * per_class),
                                 replace=False))
        classes = [-1] * len(idx)
    else:
        picked, classes = [], []
        for c in np.unique(ds.y)[:max_classes]:
            members = np.flatnonzero(ds.y == c)
            pick = np.sort(rng.choice(members, size=min(per_class, len(members)), replace=False))
            picked.extend(pick.tolist())
            classes.extend([int(c)] * len(pick))
        idx = np.asarray(picked, dtype=int)
    x = ds.x[idx]
    lo, hi = float(x.min()), float(x.max())
    imgs = np.clip((x - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)
    return imgs.reshape(-1, h, w), classes, idx


def image_preview_figure(ds: Dataset, per_class: int = 12, seed: int = 0,
                         tile_px: int = 46, *, projector: bool = False) -> go.Figure:
    """A grid of sample images: one row per class, framed in the class colour.

    Parameters
    ----------
    ds : Dataset
        A data set with ``image_shape``.
    per_class : int, default=12
        Images per class (one row each); without labels, 5 rows of this many
        random images.
    seed : int, default=0
    tile_px : int, default=46
        Height of one row on screen.
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        The class name stands left of its row; hovering an image names its
        class and row in the data.
    """
    imgs, classes, rows = sample_images(ds, per_class=per_class, seed=seed)
    hover = [f"class {ds.class_name(c)}<br>row {int(r)}" if c >= 0 else f"row {int(r)}"
             for c, r in zip(classes, rows)]
    borders = [color(c) if c >= 0 else NEUTRAL for c in classes]
    if ds.y is None:
        return image_grid(imgs, border_colors=borders, hover=hover, ncols=per_class,
                          tile_px=tile_px, title=f"{len(imgs)} random images (no labels)",
                          projector=projector)
    # pad short classes with blank tiles so that every class keeps its own row
    order = list(dict.fromkeys(classes))
    grid, grid_borders, grid_hover = [], [], []
    for c in order:
        members = [i for i, ci in enumerate(classes) if ci == c][:per_class]
        tiles, b, t = pad_row(imgs[members], [borders[i] for i in members],
                              [hover[i] for i in members], per_class)
        grid.append(tiles)
        grid_borders += b
        grid_hover += t
    title = f"Sample images: {per_class} per class, framed in the class colour"
    if len(order) < ds.n_classes:
        title += f" (the first {len(order)} of {ds.n_classes} classes)"
    return image_grid(np.concatenate(grid), border_colors=grid_borders, hover=grid_hover,
                      ncols=per_class, tile_px=tile_px, title=title,
                      row_labels=[ds.class_name(c) for c in order],
                      row_colors=[color(c) for c in order], projector=projector)


def class_balance_figure(ds: Dataset, *, projector: bool = False) -> go.Figure:
    """Bar chart of samples per class, each bar in its class colour.

    Parameters
    ----------
    ds : Dataset
        A data set with labels.
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
    """
    if ds.y is None:
        raise ValueError("class_balance_figure needs labels.")
    counts = np.bincount(ds.y)
    names = [ds.class_name(c) for c in range(len(counts))]
    share = counts / max(1, counts.sum())
    fig = go.Figure(go.Bar(
        x=names, y=counts, marker_color=[color(c) for c in range(len(counts))],
        customdata=share * 100,
        hovertemplate="class %{x}<br>%{y:,} samples (%{customdata:.1f}%)<extra></extra>"))
    fig.update_xaxes(title="class", type="category")
    fig.update_yaxes(title="samples")
    ratio = counts.max() / max(1, counts.min())
    note = "balanced" if ratio < 1.5 else f"largest / smallest = {ratio:.1f}"
    return layout(fig, f"Class balance: {len(counts)} classes, {note}", height=320,
                  projector=projector)


def feature_scatter(ds: Dataset, fx: int, fy: int, max_points: int = 5000,
                    names: list[str] | None = None, *, projector: bool = False) -> go.Figure:
    """Two features against each other, coloured by class when there are labels.

    Parameters
    ----------
    ds : Dataset
    fx, fy : int
        Feature indices for the horizontal and vertical axes.
    max_points : int, default=5000
        Draw a seeded random subset of at most this many points.
    names : list of str, optional
        Feature names; default ``feature j``.
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
    """
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
            fig.add_trace(go.Scattergl(x=ds.x[sel, fx], y=ds.x[sel, fy], mode="markers",
                                       marker={"size": 5, "color": color(int(c)), "opacity": 0.75},
                                       name=f"class {ds.class_name(int(c))}"))
    fig.update_xaxes(title=label(fx))
    fig.update_yaxes(title=label(fy))
    return layout(fig, f"{label(fx)} vs {label(fy)}"
                  + (f" ({len(idx):,} of {ds.n_samples:,} points)" if len(idx) < ds.n_samples else ""),
                  height=420, projector=projector)


def csv_header(raw: bytes) -> list[str] | None:
    """The header of a CSV file, or None when its first row is numbers (or unreadable).

    Read by :func:`dec_core.readers.csv_layout`, as the loader reads it.
    """
    try:
        return csv_layout(raw).header
    except ValueError:
        return None


def csv_width(raw: bytes) -> int:
    """Fields per row of a CSV file (0 when unreadable), as the loader counts them."""
    try:
        return csv_layout(raw).width
    except ValueError:
        return 0


def feature_names(header: list[str] | None, n_features: int, label_column,
                  has_labels: bool) -> list[str]:
    """Names of the feature columns of a loaded CSV (``feature j`` when unknown).

    Parameters
    ----------
    header : list of str or None
        From :func:`csv_header`.
    n_features : int
        The loaded data set's width.
    label_column : str or int
        The setting the file was loaded with.
    has_labels : bool
        Whether the loaded data set has labels (a column was taken out).

    Returns
    -------
    list of str
        ``n_features`` names.
    """
    fallback = [f"feature {j}" for j in range(n_features)]
    if not header:
        return fallback
    if len(header) == n_features and not has_labels:
        return list(header)
    if len(header) != n_features + 1 or not has_labels:
        return fallback
    # the loader's rule (dec_core.readers.label_column_index); under "auto" a column
    # that is not named as a label one was the last column, of text
    layout = CsvLayout(delimiter=",", header=list(header), width=len(header), sample=[])
    try:
        col = label_column_index(layout, label_column)
    except ValueError:
        return fallback
    if col is None:
        col = len(header) - 1
    return [h for j, h in enumerate(header) if j != col]


def value_summary(ds: Dataset) -> str:
    """One line on the scaled values: range, mean and spread.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
    """
    x = ds.x

    def num(v) -> str:
        return f"{round(float(v), 2) + 0.0:.2f}"  # no "-0.00"

    return (f"After scaling the values lie in [{num(x.min())}, {num(x.max())}], "
            f"mean {num(x.mean())}, standard deviation {num(x.std())}.")
