"""The Compare page's figures and table style: one map per method, the best scores marked.

Every panel uses the one colour rule of :mod:`explorer.charts.theme`: class ``c``
is ``class_color(c)``, and a cluster takes the colour of the class it is
matched to (:func:`explorer.charts.explore.cluster_palette`); without labels,
the colour of the reference method's cluster it overlaps most
(:func:`explorer.analysis.compare.align_to`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dec_core.datasets import class_name
from explorer.analysis.compare import align_to, score_columns
from explorer.charts.explore import cluster_names, cluster_palette, scatter_embedding
from explorer.charts.theme import BEST_CELL, class_color, cluster_colors, color

PANEL_HEIGHT = 380
HIGHLIGHT = f"background-color: {BEST_CELL}; font-weight: 700"
"""The CSS of the best value of each score in the table."""


def panel_colors(results: Mapping[str, np.ndarray], y: np.ndarray | None = None,
                 anchor: str = "dec", n_clusters: int | None = None
                 ) -> tuple[dict[str, dict[int, str]], dict[str, dict[int, int]]]:
    """The colour of every cluster of every method, under the one colour rule.

    With true labels, each method's clusters are matched to the classes
    (Hungarian) and take their class's colour (:func:`explorer.charts.explore.cluster_palette`,
    the rule of the Explore page), and ``"truth"`` colours each class with
    ``theme.class_color``. Without labels, the ``anchor``'s cluster ``j`` is
    ``theme.color(j)`` and every other method's clusters take the colour of
    the anchor cluster they overlap most (:func:`explorer.analysis.compare.align_to`).

    Parameters
    ----------
    results : mapping of str to ndarray of shape (n,)
        Cluster ids per method; must contain ``anchor``.
    y : ndarray of shape (n,), optional
        True labels (non-negative integers).
    anchor : str, default="dec"
        The method whose cluster ids give the colours when there are no labels.
    n_clusters : int, optional
        Colour the clusters ``0 .. n_clusters - 1`` that hold no point too.

    Returns
    -------
    colors : dict of str to dict of int to str
        ``{method: {cluster: hex colour}}``, plus ``"truth"`` with labels.
    matched : dict of str to dict of int to int
        ``{method: {cluster: class}}`` (empty dicts without labels).
    """
    colors: dict[str, dict[int, str]] = {}
    matched: dict[str, dict[int, int]] = {}
    if y is not None:
        y = np.asarray(y).astype(np.int64)
        colors["truth"] = {int(c): class_color(c) for c in np.unique(y)}
        matched["truth"] = {}
        for name, labels in results.items():
            colors[name], matched[name] = cluster_palette(labels, y, n_clusters)
        return colors, matched
    base = np.asarray(results[anchor]).astype(np.int64)
    base_colors = cluster_colors(set(base.tolist()) | set(range(int(n_clusters or 0))))
    for name, labels in results.items():
        labels = np.asarray(labels).astype(np.int64)
        if name == anchor:
            colors[name] = dict(base_colors)
        else:
            pairs = dict(zip(labels.tolist(), align_to(base, labels).tolist()))
            colors[name] = {int(c): color(a) for c, a in pairs.items()}
        matched[name] = {}
    return colors, matched


def style_table(df: pd.DataFrame, props: str = HIGHLIGHT):
    """A pandas ``Styler`` of a comparison table: scores to 3 decimals, the best per
    metric highlighted."""
    scores = score_columns(df)

    def _best(col: pd.Series) -> list[str]:
        vals = pd.to_numeric(col, errors="coerce")
        if not vals.notna().any():
            return [""] * len(col)
        return [props if (pd.notna(v) and np.isclose(v, vals.max())) else "" for v in vals]

    return (df.style.apply(_best, subset=scores)
            .format("{:.3f}", subset=scores, na_rep="—")
            .format("{:.1f}", subset=["Time (s)"], na_rep="—"))


def class_swatches(classes: Sequence[int], class_names: Sequence[str] | None) -> str:
    """HTML: a square in each class's colour and its name, for the legend above the panels."""
    return " ".join(f'<span style="color:{class_color(c)}">&#9632;</span>&nbsp;'
                    f"{html.escape(class_name(class_names, c))}" for c in classes)


def method_panel(coords: np.ndarray, idx: np.ndarray, labels: np.ndarray, *,
                 colors: Mapping[int, str], matched: Mapping[int, int],
                 y_true: np.ndarray | None, class_names: Sequence[str] | None,
                 title: str, axis: str, truth: bool = False,
                 projector: bool = False) -> go.Figure:
    """One method's clusters on the shared 2-D map.

    Parameters
    ----------
    coords : ndarray of shape (m, 2)
        The map of the sampled points.
    idx : ndarray of shape (m,)
        The sampled rows of the run.
    labels : ndarray of shape (n,)
        The method's cluster ids for every row (the classes for ``truth``).
    colors, matched : mapping
        This method's part of :func:`panel_colors`.
    y_true : ndarray of shape (n,), optional
    class_names : sequence of str, optional
    title, axis : str
        The panel's title; ``"UMAP"`` or ``"PC"``.
    truth : bool, default=False
        The panel of the true classes: its hover names classes, not clusters.
    projector : bool, default=False
        Projector mode (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
    """
    groups = np.asarray(labels)[idx]
    has_labels = y_true is not None
    true_col = ([class_name(class_names, c) for c in y_true[idx]] if has_labels
                else ["–"] * len(idx))
    if truth:
        cluster_col = true_col
    else:
        tags = cluster_names(colors, matched, class_names, has_labels=has_labels)
        cluster_col = [tags.get(int(c), str(c)) for c in groups]
    fig = scatter_embedding(
        coords, groups, np.column_stack([idx, true_col, cluster_col]), group_colors=colors,
        hover_labels=("index", "true label", "cluster"), title=title, axis_title=axis,
        height=PANEL_HEIGHT, marker_size=5 if len(idx) <= 1000 else 3, projector=projector)
    fig.update_layout(showlegend=False, dragmode="pan", margin={"l": 10, "r": 10, "b": 10})
    fig.update_xaxes(showticklabels=False, title=None)
    fig.update_yaxes(showticklabels=False, title=None)
    return fig
