"""Plotly figures and tables for the Explore and Compare pages (no streamlit here).

The Train page draws its confusion matrix with :func:`confusion_heatmap` too.

Every builder is pure: arrays in, a ``plotly.graph_objects.Figure`` (or a
pandas ``DataFrame``) out, with a title and axis labels. Colours follow the
rule of :mod:`explorer.charts.theme`: a class has one colour everywhere, and a
cluster takes the colour of the class it is matched to
(:func:`cluster_palette`, :func:`cluster_names`).

* :func:`scatter_embedding`: the 2-D / 3-D map, one trace per colour, each
  point's row index in ``customdata[:, 0]`` (selection reads it back with
  :func:`rows_from_selection`).
* :func:`confusion_heatmap`: the Hungarian-matched confusion matrix, column
  ``j`` facing class ``j`` (the one confusion chart: the Train page draws it too).
* :func:`metrics_table`: k-means on raw data vs AE + k-means vs DEC, and
  :func:`scores_by_method_figure`, its bars.
* :func:`evolution_figure`: the embedding across DEC updates, as an animation
  with a slider, in one fixed frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dec_core.baselines import NAMES
from dec_core.datasets import class_name
from explorer.analysis.projection import axis_ranges
from explorer.charts.theme import (
    ACCENT,
    CONTINUOUS,
    DARK_GREY,
    LIGHT_GREY,
    NEUTRAL,
    TOOLBAR_PX,
    class_color,
    cluster_colors,
    color,
    layout,
)

HOVER_LABELS = ("index", "true label", "cluster", "confidence")
WEBGL_ABOVE = 3000


def cluster_palette(labels: np.ndarray, y_true: np.ndarray | None = None,
                    n_clusters: int | None = None) -> tuple[dict[int, str], dict[int, int]]:
    """The colour of every cluster under the one colour rule, and its matched class.

    With true labels, clusters are matched one to one to classes (Hungarian,
    :func:`dec_core.metrics.cluster_acc`); a matched cluster takes
    ``theme.class_color`` of its class, an unmatched one (more clusters than
    classes, or empty) a colour no class uses. Without labels, cluster ``j``
    is ``theme.color(j)``.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        Cluster ids (non-negative integers).
    y_true : ndarray of shape (n,), optional
        True labels (non-negative integers).
    n_clusters : int, optional
        Also colour the clusters ``0 .. n_clusters - 1`` that hold no point.

    Returns
    -------
    colors : dict of int to str
        ``{cluster: hex colour}``.
    matched : dict of int to int
        ``{cluster: class}`` for the matched clusters (empty without labels).
    """
    labels = np.asarray(labels).astype(np.int64)
    clusters = set(np.unique(labels).tolist())
    if n_clusters is not None:
        clusters |= set(range(int(n_clusters)))
    if y_true is None or labels.size == 0:
        return cluster_colors(clusters), {}
    from dec_core.metrics import cluster_acc

    y = np.asarray(y_true).astype(np.int64)
    _, mapping = cluster_acc(y, labels, return_mapping=True)
    matched = {int(c): int(k) for c, k in mapping.items()}
    return cluster_colors(clusters, matched, int(y.max()) + 1), matched


def cluster_names(clusters, matched: Mapping[int, int] | None = None,
                  class_names: Sequence[str] | None = None, *,
                  has_labels: bool = True) -> dict[int, str]:
    """Legend names that mark each cluster's matched class: ``"cluster 3 → 1"``.

    Parameters
    ----------
    clusters : iterable of int
    matched : mapping of int to int, optional
        ``{cluster: class}`` (see :func:`cluster_palette`).
    class_names : sequence of str, optional
        Names of the class labels.
    has_labels : bool, default=True
        Whether there are classes at all; without, names are ``"cluster j"``.

    Returns
    -------
    dict of int to str
    """
    matched = dict(matched or {})
    out = {}
    for c in clusters:
        c = int(c)
        if not has_labels:
            out[c] = f"cluster {c}"
        elif c in matched:
            k = matched[c]
            out[c] = f"cluster {c} → {class_name(class_names, k)}"
        else:
            out[c] = f"cluster {c} (no class)"
    return out


def hover_template(labels: Sequence[str] = HOVER_LABELS,
                   formats: Mapping[str, str] | None = None) -> str:
    """A hovertemplate naming each ``customdata`` column.

    Parameters
    ----------
    labels : sequence of str
        The name of column ``i`` of ``customdata``.
    formats : mapping, optional
        d3 formats by name (default ``{"confidence": ".3f"}``).
    """
    formats = {"confidence": ".3f"} if formats is None else formats
    parts = []
    for i, name in enumerate(labels):
        fmt = f":{formats[name]}" if name in formats else ""
        parts.append(f"{name}: %{{customdata[{i}]{fmt}}}")
    return "<br>".join(parts) + "<extra>%{fullData.name}</extra>"


def scatter_embedding(
    coords: np.ndarray,
    groups: np.ndarray,
    customdata: np.ndarray,
    *,
    group_names: Mapping | None = None,
    group_colors: Mapping | None = None,
    hover_labels: Sequence[str] = HOVER_LABELS,
    title: str = "Embedding",
    axis_title: str = "UMAP",
    marker_size: float | None = None,
    webgl: bool | None = None,
    height: int = 620,
    projector: bool = False,
) -> go.Figure:
    """A 2-D or 3-D scatter of the embedding, one trace per colour group.

    Parameters
    ----------
    coords : ndarray of shape (n, 2) or (n, 3)
        Projected points.
    groups : ndarray of shape (n,)
        The group (cluster or class) of each point; one trace per group, in
        sorted order.
    customdata : array-like of shape (n, c)
        Per-point data for the hover; column 0 must be the row index in the
        run, which selections return (``point_index`` is per trace).
    group_names : mapping, optional
        Legend name of each group (default ``str(group)``).
    group_colors : mapping, optional
        Colour of each group (default ``theme.color(group)``).
    hover_labels : sequence of str
        Names of the ``customdata`` columns, shown in the hover.
    title, axis_title : str
        Figure title; axes are named ``"<axis_title> 1"``, ``"... 2"`` ...
    marker_size : float, optional
        Default: smaller for more points.
    webgl : bool, optional
        Use ``Scattergl`` (2-D only); default when more than 3,000 points.
    height : int, default=620
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
    """
    coords = np.asarray(coords)
    groups = np.asarray(groups)
    custom = np.asarray(customdata, dtype=object)
    if custom.ndim == 1:
        custom = custom[:, None]
    n, dims = coords.shape
    if dims not in (2, 3):
        raise ValueError(f"coords must have 2 or 3 columns; received {dims}.")
    if groups.shape[0] != n or custom.shape[0] != n:
        raise ValueError(
            f"coords, groups and customdata must have the same length; received {n}, "
            f"{groups.shape[0]} and {custom.shape[0]}."
        )
    if webgl is None:
        webgl = n > WEBGL_ABOVE
    size = marker_size or (7 if n <= 1000 else 5 if n <= 5000 else 3)
    template = hover_template(hover_labels[: custom.shape[1]])
    fig = go.Figure()
    for g in np.unique(groups).tolist():
        mask = groups == g
        name = str(group_names.get(g, g)) if group_names else str(g)
        col = group_colors.get(g, color(g)) if group_colors else color(g)
        marker = {"size": size if dims == 2 else max(2, size - 3), "color": col,
                  "line": {"width": 0}, "opacity": 0.85}
        common = {"mode": "markers", "name": name, "customdata": custom[mask],
                  "hovertemplate": template, "marker": marker, "legendgroup": name}
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=coords[mask, 0], y=coords[mask, 1],
                                       z=coords[mask, 2], **common))
        else:
            cls = go.Scattergl if webgl else go.Scatter
            fig.add_trace(cls(x=coords[mask, 0], y=coords[mask, 1], **common))
    if dims == 3:
        fig.update_layout(scene={"xaxis_title": f"{axis_title} 1", "yaxis_title": f"{axis_title} 2",
                                 "zaxis_title": f"{axis_title} 3"})
    else:
        fig.update_xaxes(title=f"{axis_title} 1", zeroline=False)
        fig.update_yaxes(title=f"{axis_title} 2", zeroline=False)
        fig.update_layout(dragmode="lasso", hovermode="closest")
    fig = layout(fig, title, height=height, projector=projector)
    fig.update_layout(legend={"itemsizing": "constant", "title": {"text": "colour"}})
    return fig


def rows_from_selection(selection) -> np.ndarray:
    """Row indices of the selected points of :func:`scatter_embedding`.

    Parameters
    ----------
    selection : mapping
        ``st.plotly_chart(..., on_select="rerun")``'s ``event.selection`` (or
        the event itself); each point's ``customdata[0]`` is its row index.

    Returns
    -------
    ndarray of int64
        Unique row indices, sorted; empty when nothing is selected.
    """
    if not selection:
        return np.zeros(0, dtype=np.int64)
    if "selection" in selection:
        selection = selection["selection"]
    rows = []
    for point in (selection.get("points") or []) if selection else []:
        data = point.get("customdata")
        if data is None:
            continue
        first = data[0] if isinstance(data, (list, tuple)) else data
        try:
            rows.append(int(first))
        except (TypeError, ValueError):
            continue
    return np.unique(np.asarray(rows, dtype=np.int64))


def _colored(text: str, col: str) -> str:
    return f'<span style="color:{col}">■</span> {text}'


def confusion_heatmap(
    matrix: np.ndarray,
    classes: Sequence,
    clusters: Sequence,
    *,
    normalize: bool = False,
    class_names: Sequence[str] | None = None,
    column_colors: Sequence[str] | None = None,
    title: str | None = None,
    height: int | None = None,
    projector: bool = False,
) -> go.Figure:
    """The Hungarian-matched confusion matrix as an annotated heatmap.

    Parameters
    ----------
    matrix : ndarray of shape (n_classes, n_columns)
        From :func:`dec_core.metrics.matched_confusion_matrix` (counts, or
        row shares with ``normalize=True``): column ``j < n_classes`` faces
        class ``j``, the rest are unmatched clusters.
    classes : sequence
        Row labels (class ids); ``class_names[c]`` names class ``c`` if given.
    clusters : sequence of int
        The cluster of each column; ``-1`` marks an empty column (no cluster
        matched to that class).
    normalize : bool, default=False
        Whether ``matrix`` holds row shares (shown as percentages).
    class_names : sequence of str, optional
    column_colors : sequence of str, optional
        Tick colour of each column (default: the class colour for the
        columns that face a class, colours no class uses for the rest).
    title : str, optional
    height : int, optional
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        Rows: true classes (top to bottom), each tick with a square in its
        ``class_color``; columns: the clusters, a matched one in the colour of
        the class it faces, so the diagonal reads class by class.
    """
    matrix = np.asarray(matrix)
    classes = list(classes)
    clusters = [int(c) for c in clusters]
    n_classes = len(classes)
    names = [class_name(class_names, c) for c in classes]
    if column_colors is None:
        matched = {c: int(classes[j]) for j, c in enumerate(clusters[:n_classes]) if c >= 0}
        palette = cluster_colors([c for c in clusters if c >= 0], matched,
                                 max((int(c) for c in classes), default=-1) + 1)
        column_colors = [palette[c] if c >= 0 else NEUTRAL for c in clusters]
    y_text = [_colored(n, class_color(c)) for c, n in zip(classes, names)]
    x_text, col_names = [], []
    for j, c in enumerate(clusters):
        if c < 0:
            x_text.append(f'<span style="color:{NEUTRAL}">none</span>')
            col_names.append(f"none (no cluster is matched to class {names[j]})")
        else:
            x_text.append(_colored(f"{c}", column_colors[j]))
            col_names.append(f"{c} (matched to class {names[j]})" if j < n_classes
                             else f"{c} (matched to no class)")
    xs, ys = list(range(len(clusters))), list(range(len(classes)))
    fmt = ".0%" if normalize else "d"
    fig = go.Figure(go.Heatmap(
        z=matrix, x=xs, y=ys, colorscale=CONTINUOUS,
        zmin=0, zmax=1 if normalize else None,
        texttemplate=f"%{{z:{fmt}}}", textfont={"size": 11},
        customdata=np.array([[[n, c] for c in col_names] for n in names], dtype=object),
        hovertemplate=("true class %{customdata[0]}<br>cluster %{customdata[1]}<br>"
                       + ("share %{z:.1%}" if normalize else "count %{z}") + "<extra></extra>"),
        colorbar={"title": {"text": "row share" if normalize else "count"},
                  "tickformat": ".0%" if normalize else None},
    ))
    if len(clusters) > n_classes:  # unmatched clusters start here
        fig.add_vline(x=n_classes - 0.5, line={"color": NEUTRAL, "dash": "dot", "width": 2})
    fig.update_xaxes(title="cluster (column j: the cluster matched to class j; unmatched last)",
                     tickmode="array", tickvals=xs, ticktext=x_text, side="bottom",
                     showgrid=False)
    fig.update_yaxes(title="true class", tickmode="array", tickvals=ys, ticktext=y_text,
                     autorange="reversed", showgrid=False)
    title = title or ("Confusion matrix after Hungarian matching"
                      + (" (row-normalised)" if normalize else " (counts)"))
    return layout(fig, title, height=height or max(360, 44 * len(classes) + 160),
                  projector=projector)


def metrics_table(baselines: Mapping | None, ae_kmeans: Mapping | None = None,
                  dec: Mapping | None = None, *, method: str = "dec") -> pd.DataFrame:
    """ACC / NMI / ARI of k-means on raw data, AE + k-means and the run's method.

    Parameters
    ----------
    baselines : mapping, optional
        ``extra["baselines"]``: ``{"kmeans_raw": {...}, "ae_kmeans": {...},
        "dec": {...}}`` (the last is the run's own scores, DEC or IDEC); a
        value may be None (no labels, or not computed).
    ae_kmeans : mapping, optional
        Fallback for the AE + k-means row (``history["kmeans"]``).
    dec : mapping, optional
        Fallback for the run's row (``run.scores``).
    method : {"dec", "idec"}, default="dec"
        The run's method: its row is named after it.

    Returns
    -------
    pandas.DataFrame
        Index: method names from :data:`dec_core.baselines.NAMES`; columns
        ``ACC``, ``NMI``, ``ARI`` (NaN where unknown).
    """
    baselines = dict(baselines or {})
    fallbacks = {"ae_kmeans": ae_kmeans, "dec": dec}
    rows = {}
    for key in ("kmeans_raw", "ae_kmeans", "dec"):
        src = baselines.get(key) or fallbacks.get(key) or {}
        name = NAMES[method if key == "dec" else key]
        rows[name] = {m.upper(): _num(src.get(m)) for m in ("acc", "nmi", "ari")}
    df = pd.DataFrame.from_dict(rows, orient="index", columns=["ACC", "NMI", "ARI"])
    df.index.name = "method"
    return df


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


EVOLUTION_BUTTONS_PX = 170  # room left of the evolution slider for its Play / Pause buttons


def evolution_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    *,
    n_clusters: int | None = None,
    index: np.ndarray | None = None,
    frame_names: Sequence[str] | None = None,
    frame_titles: Sequence[str] | None = None,
    step_labels: Sequence[str] | None = None,
    cluster_colors: Mapping[int, str] | None = None,
    cluster_names: Mapping[int, str] | None = None,
    title: str = "Embedding across DEC updates",
    axis_title: str = "PC",
    height: int = 560,
    projector: bool = False,
) -> go.Figure:
    """An animation of the embedding snapshots, one frame per DEC update.

    Parameters
    ----------
    coords : ndarray of shape (u, m, 2)
        The snapshots in one fixed frame (:func:`explorer.live_map.frame.frame_snapshots`).
    labels : ndarray of shape (u, m)
        The cluster of each point at each update (sets its colour).
    n_clusters : int, optional
        Number of clusters (default: the largest label + 1); every frame has
        one trace per cluster, so traces line up across frames.
    index : ndarray of shape (m,), optional
        Row index of each point (hover, and ``ids`` for smooth transitions).
    frame_names : sequence of str, optional
        Name of each frame, also its slider label (default ``"update <u>"``).
    frame_titles : sequence of str, optional
        A line shown under the title while the frame is on (e.g. its ACC).
    step_labels : sequence of str, optional
        Short slider labels (default: ``frame_names``); plotly thins them out
        when they would overlap.
    cluster_colors, cluster_names : mapping of int to str, optional
        Colour and legend name of each cluster (default ``theme.color(j)``
        and ``"cluster j"``); see :func:`cluster_palette`.
    title, axis_title : str
    height : int, default=560
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        Frame 0 drawn; ``fig.frames`` holds all ``u`` frames; a slider and a
        play button step through them. The axis ranges are fixed.
    """
    coords = np.asarray(coords)
    labels = np.asarray(labels)
    if coords.ndim != 3 or coords.shape[2] != 2 or labels.shape != coords.shape[:2]:
        raise ValueError(
            f"coords must be (u, m, 2) and labels (u, m); received {coords.shape} and "
            f"{labels.shape}."
        )
    u, m, _ = coords.shape
    k = int(n_clusters or (int(labels.max()) + 1 if labels.size else 1))
    index = np.arange(m) if index is None else np.asarray(index)
    names = list(frame_names) if frame_names is not None else [f"update {i}" for i in range(u)]

    def traces(f: int) -> list[go.Scatter]:
        out = []
        for j in range(k):
            mask = labels[f] == j
            out.append(go.Scatter(
                x=coords[f, mask, 0], y=coords[f, mask, 1], mode="markers",
                name=(cluster_names or {}).get(j, f"cluster {j}"),
                ids=[str(i) for i in index[mask]], customdata=index[mask],
                hovertemplate="index: %{customdata}<extra>%{fullData.name}</extra>",
                marker={"color": (cluster_colors or {}).get(j, color(j)), "size": 6,
                        "opacity": 0.85},
            ))
        return out

    def heading(f: int) -> dict:
        sub = frame_titles[f] if frame_titles is not None else names[f]
        return {"title": {"text": f"<b>{title}</b><br><sup>{sub}</sup>", "x": 0.0,
                          "xanchor": "left"}}

    fig = go.Figure(data=traces(0) if u else [],
                    frames=[go.Frame(data=traces(f), name=names[f], layout=heading(f))
                            for f in range(u)])
    steps = list(step_labels) if step_labels is not None else names
    (xr, yr) = axis_ranges(coords) if u and m else ([0, 1], [0, 1])
    fig.update_xaxes(title=f"{axis_title} 1", range=xr, autorange=False, zeroline=False)
    fig.update_yaxes(title=f"{axis_title} 2", range=yr, autorange=False, zeroline=False)
    anim = {"frame": {"duration": 700, "redraw": True}, "transition": {"duration": 400},
            "fromcurrent": True, "mode": "immediate"}
    fig.update_layout(
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "y": -0.08, "xanchor": "left",
            "yanchor": "top", "showactive": False, "pad": {"t": 26, "r": 10},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, anim]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": True},
                                   "mode": "immediate", "transition": {"duration": 0}}]},
            ],
        }],
        sliders=[{
            # the rail starts right of the Play / Pause buttons (a fixed ~150 px wide), so
            # they never cover update 0's handle, however narrow the plot
            "active": 0, "x": 0.0, "len": 1.0, "y": -0.08, "yanchor": "top",
            "pad": {"l": EVOLUTION_BUTTONS_PX, "t": 26},  # t: below the axis title
            "currentvalue": {"visible": False},
            "steps": [{"label": steps[f], "method": "animate",
                       "args": [[names[f]], {"frame": {"duration": 0, "redraw": True},
                                              "mode": "immediate",
                                              "transition": {"duration": 300}}]}
                      for f in range(u)],
        }],
    )
    fig = layout(fig, title, height=height, projector=projector)
    if u:
        fig.update_layout(**heading(0))
    fig.update_layout(margin={"b": 110, "t": 70 + TOOLBAR_PX})
    return fig


def scores_by_method_figure(table: pd.DataFrame, title: str = "ACC / NMI / ARI by method",
                            *, projector: bool = False) -> go.Figure:
    """Grouped bars of :func:`metrics_table`: one group per metric, one bar per method.

    Parameters
    ----------
    table : pandas.DataFrame
        Index: methods; columns: metrics.
    title : str
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        One bar trace per method: greys for the baselines, the accent for the
        run's method (no class colour, so a colour never means two things).
    """
    method_colors = [LIGHT_GREY, DARK_GREY, ACCENT]
    fig = go.Figure()
    for i, (method, row) in enumerate(table.iterrows()):
        values = [None if pd.isna(v) else float(v) for v in row.to_numpy()]
        fig.add_trace(go.Bar(
            x=list(table.columns), y=values, name=str(method),
            marker_color=method_colors[i % len(method_colors)],
            text=["" if v is None else f"{v:.3f}" for v in values], textposition="outside",
            hovertemplate="%{fullData.name}<br>%{x} %{y:.3f}<extra></extra>",
        ))
    fig.update_yaxes(title="score", range=[0, 1.1])
    fig.update_xaxes(title="metric")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    return layout(fig, title, height=380, projector=projector)


def cluster_sizes_figure(labels: np.ndarray, n_clusters: int, *, y_true: np.ndarray | None = None,
                         class_names: Sequence[str] | None = None,
                         cluster_colors: Mapping[int, str] | None = None,
                         cluster_names: Mapping[int, str] | None = None,
                         title: str = "Cluster sizes", projector: bool = False) -> go.Figure:
    """Bars of the number of members of each cluster, in the cluster colours.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        Cluster ids.
    n_clusters : int
        Number of clusters (empty ones get a zero bar).
    y_true : ndarray of shape (n,), optional
        With labels, the hover names each cluster's most common class and its share.
    class_names : sequence of str, optional
        Names of the class codes in ``y_true``.
    cluster_colors, cluster_names : mapping of int to str, optional
        Colour and name of each cluster (default ``theme.color(j)`` and
        ``"cluster j"``); see :func:`cluster_palette`.
    title : str
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        One bar trace with ``n_clusters`` bars.
    """
    labels = np.asarray(labels)
    sizes = np.bincount(labels, minlength=n_clusters)[:n_clusters] if labels.size else \
        np.zeros(n_clusters, dtype=int)
    hover = []
    for j in range(n_clusters):
        text = f"{(cluster_names or {}).get(j, f'cluster {j}')}: {sizes[j]:,} members"
        if y_true is not None and sizes[j]:
            vals, counts = np.unique(np.asarray(y_true)[labels == j], return_counts=True)
            top = int(np.argmax(counts))
            cls = int(vals[top])
            text += (f"<br>most common class {class_name(class_names, cls)} "
                     f"({counts[top] / sizes[j]:.0%})")
        hover.append(text)
    fig = go.Figure(go.Bar(
        x=[f"{j}" for j in range(n_clusters)], y=sizes,
        marker_color=[(cluster_colors or {}).get(j, color(j)) for j in range(n_clusters)],
        hovertext=hover, hoverinfo="text", name="members",
    ))
    fig.update_xaxes(title="cluster", type="category")
    fig.update_yaxes(title="members")
    return layout(fig, title, height=380, projector=projector)


def confidence_histogram(confidence: np.ndarray, *, bins: int = 40,
                         title: str = "Confidence of the assignments (max q)",
                         projector: bool = False) -> go.Figure:
    """Histogram of each sample's largest soft assignment.

    Parameters
    ----------
    confidence : ndarray of shape (n,)
        ``proba.max(axis=1)``, in [1/k, 1].
    bins : int, default=40
    title : str
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        One histogram trace over [0, 1].
    """
    conf = np.asarray(confidence, dtype=float)
    fig = go.Figure(go.Histogram(
        x=conf, xbins={"start": 0.0, "end": 1.0 + 1e-9, "size": 1.0 / bins},
        marker_color=DARK_GREY, name="samples",
        hovertemplate="confidence %{x}<br>%{y} samples<extra></extra>",
    ))
    fig.update_xaxes(title="confidence (largest q of a sample)", range=[0, 1])
    fig.update_yaxes(title="samples")
    return layout(fig, title, height=320, projector=projector)
