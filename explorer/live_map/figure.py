"""Pictures of DEC at work: the embedding with its moving centroids, the prototypes,
the data's own space, and who drives the gradient (plotly, no streamlit here).

Each figure takes a job's ``step_info`` (the keys :mod:`explorer.live_map.frame`
adds in the worker) and returns a plotly figure. Colours follow the one
colour rule: :func:`colors_for` gives each cluster its matched class's colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.charts.theme import (
    ACCENT,
    BACKGROUND,
    LIGHT_GREY,
    NEUTRAL,
    OUTLINE,
    cluster_colors,
    hex_to_rgb,
    layout,
)
from explorer.live_map.frame import PULL_SHARE

CROSS = {"symbol": "x", "size": 16, "line": {"color": OUTLINE, "width": 1.5}}
MAP_HEIGHT = 470
RING = {"symbol": "circle-open", "size": 20, "color": ACCENT, "line": {"width": 3}}
HALO = {"symbol": "circle-open", "size": 20, "color": BACKGROUND, "line": {"width": 7}}


def has_map(info: Mapping | None) -> bool:
    """Whether ``step_info`` carries the map's arrays (older jobs, IDEC or DEC alike do)."""
    return bool(info) and "xy" in info and "centers_trail" in info


def colors_for(info: Mapping, k: int) -> dict[int, str]:
    """Each cluster's colour: its matched class's (``step_info["mapping"]``), else its own."""
    return cluster_colors(range(k), info.get("mapping"), info.get("n_classes"))


def names_for(info: Mapping, k: int) -> dict[int, str]:
    """``"cluster 3 → 1"`` when the matching is known, else ``"cluster 3"``."""
    mapping = info.get("mapping") or {}
    return {j: f"cluster {j} → {mapping[j]}" if j in mapping else f"cluster {j}" for j in range(k)}


def _opacity(conf: np.ndarray, k: int) -> np.ndarray:
    """max q from its floor 1/k (no preference) to 1, as opacity 0.2 .. 1."""
    floor = 1.0 / max(k, 1)
    return 0.2 + 0.8 * np.clip((conf - floor) / max(1.0 - floor, 1e-9), 0.0, 1.0)


def _padded(box, pad: float = 0.06) -> list[list[float]]:
    out = []
    for lo, hi in box:
        span = (hi - lo) or 1.0
        out.append([lo - pad * span, hi + pad * span])
    return out


def default_point(q: np.ndarray, p: np.ndarray) -> int:
    """The point to open the q-and-p chart on: the row whose target p differs most from q.

    Largest ``sum_j |p_ij - q_ij|`` (ties: the lowest row), so the bars of p and q
    visibly differ; the least confident point has p ≈ q and shows two flat rows.
    """
    gap = np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum(axis=1)
    return int(np.argmax(gap))


def clicked_row(selection: Mapping | None) -> int | None:
    """The tracked row of a point clicked on :func:`embedding_map_figure`, else None.

    ``selection`` is Streamlit's plotly selection state (``{"points": [...]}``); only the
    points trace carries ``customdata`` of three numbers (row, max q, |∂L/∂z|), so a
    click on a centroid or a trail chooses nothing. The browser sends a row of a
    NumPy ``customdata`` as a list or, decoded from a typed array, as
    ``{"0": row, "1": ..., "2": ...}``.
    """
    for point in (selection or {}).get("points", []) or []:
        data = point.get("customdata")
        if isinstance(data, Mapping):
            data = [data.get(str(i), data.get(i)) for i in range(len(data))]
        if isinstance(data, (list, tuple)) and len(data) == 3 and data[0] is not None:
            return int(round(float(data[0])))
    return None


def pull_arrow(info: Mapping, row: int) -> dict | None:
    """The chosen point's pull -∂L/∂z_i on the map, scaled to be seen, with its numbers.

    ``info["pull_xy"]`` is -∂KL(p_i‖q_i)/∂z_i (the paper's eq. 4, :mod:`dec_core.gradients`)
    through the frame's linear part (:mod:`explorer.live_map.frame`): the part of the pull in
    the map's plane. One scale serves every point and every update of a run
    (``info["pull_scale"]``, fixed by the worker at the first update with a pull); a run
    recorded without it gets this update's: the strongest in-plane pull spans
    :data:`~explorer.live_map.frame.PULL_SHARE` of the map's width.

    Returns
    -------
    dict or None
        ``start`` and ``end`` (x, y) of the arrow, ``scale`` (screen units per unit of
        gradient), ``since`` the update that set it, ``norm`` |∂L/∂z_i|, ``in_plane``
        |its projection|, ``strongest`` the largest in-plane pull now, ``median`` the
        median |∂L/∂z| of the tracked points; None without a pull (older runs, or P = Q:
        every gradient is 0).
    """
    pull = info.get("pull_xy")
    if pull is None or not 0 <= int(row) < len(pull):
        return None
    pull = np.asarray(pull, dtype=np.float64)
    length = np.linalg.norm(pull, axis=1)
    strongest = float(length.max())
    if strongest <= 0:
        return None
    box = info.get("xy_range")
    xy = np.asarray(info["xy"], dtype=np.float64)
    scale, since = info.get("pull_scale"), info.get("pull_scale_since")
    if scale is None:
        width = float(box[0][1] - box[0][0]) if box is not None else float(np.ptp(xy[:, 0]) or 1)
        scale, since = PULL_SHARE * width / strongest, info.get("update")
    start = xy[int(row)]
    grad = np.asarray(info.get("grad", length), dtype=np.float64)
    return {"start": start, "end": start + scale * pull[int(row)], "scale": float(scale),
            "since": since, "norm": float(grad[int(row)]), "in_plane": float(length[int(row)]),
            "strongest": strongest, "median": float(np.median(grad))}


def _segments(a: np.ndarray, b: np.ndarray) -> tuple[list, list]:
    """x and y of the segments a_i -> b_i in one line trace (None between segments)."""
    n = len(a)
    xs = np.full(3 * n, np.nan)
    ys = np.full(3 * n, np.nan)
    xs[0::3], xs[1::3] = a[:, 0], b[:, 0]
    ys[0::3], ys[1::3] = a[:, 1], b[:, 1]
    return [None if np.isnan(v) else float(v) for v in xs], [None if np.isnan(v) else float(v)
                                                           for v in ys]


def embedding_map_figure(info: Mapping, colors: Mapping[int, str] | None = None, *,
                         names: Mapping[int, str] | None = None, arrows: bool = False,
                         size_by: str = "confidence", highlight: int | None = None,
                         pull: bool = False, title: str | None = None,
                         height: int = MAP_HEIGHT, projector: bool = False) -> go.Figure:
    """The embedding z of the tracked points and the centroids μ_j with their trails.

    No legend (it took a third of the width): each centroid's cross carries its
    cluster's name ("3→8", the matched class after the arrow).

    Parameters
    ----------
    info : mapping
        A job's ``step_info`` with ``xy``, ``centers_trail``, ``q`` (and
        ``grad``, ``xy_prev``, ``xy_range``, ``frame``).
    colors, names : mapping of int to str, optional
        Colour and legend name of each cluster (:func:`colors_for`, :func:`names_for`).
    arrows : bool, default=False
        Draw a line from each point's position at the previous update.
    size_by : {"confidence", "gradient"}, default="confidence"
        Opacity always follows max_j q_ij; the marker size follows it too, or
        each point's gradient norm |dL/dz_i| ("who drives the gradient").
    highlight : int, optional
        A tracked row to ring (the chosen point).
    pull : bool, default=False
        Also draw the ringed point's pull -∂L/∂z_i as an arrow (:func:`pull_arrow`).
    title : str, optional
    height : int
    projector : bool, default=False
        Projector mode's large type (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
    """
    q = np.asarray(info["q"])
    xy = np.asarray(info["xy"])
    trail = np.asarray(info["centers_trail"])  # (u, k, 2)
    k = q.shape[1]
    colors = colors or colors_for(info, k)
    names = names or names_for(info, k)
    conf = q.max(axis=1)
    labels = q.argmax(axis=1)
    grad = np.asarray(info.get("grad")) if info.get("grad") is not None else None
    if size_by == "gradient" and grad is not None and grad.max() > 0:
        size = 3.0 + 13.0 * np.sqrt(grad / grad.max())
    else:
        size = 3.0 + 5.0 * _opacity(conf, k)
    opacity = _opacity(conf, k)
    fig = go.Figure()
    prev = info.get("xy_prev")
    if arrows and prev is not None:
        sx, sy = _segments(np.asarray(prev), xy)
        fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name="move since last update",
                                 line={"color": NEUTRAL, "width": 1}, hoverinfo="skip"))
    g = grad if grad is not None else np.zeros(len(xy))
    # One trace for all the points, coloured per point: a browser redraws one
    # trace per update instead of k (the page polls while DEC runs); the legend
    # names the clusters on their centroids' trails below.
    fig.add_trace(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", name="points z_i", showlegend=False,
        marker={"color": [colors[j] for j in labels], "size": size, "opacity": opacity,
                "line": {"width": 0}},
        customdata=np.stack([np.arange(len(xy)), conf, g], axis=1),
        text=[names[j] for j in labels],
        hovertemplate="tracked point %{customdata[0]:.0f} (%{text})<br>max q "
                      "%{customdata[1]:.3f}<br>|∂L/∂z| %{customdata[2]:.3g}<extra></extra>",
    ))
    u = trail.shape[0]
    for j in range(k):  # the path of μ_j over the updates so far
        fig.add_trace(go.Scatter(
            x=trail[:, j, 0], y=trail[:, j, 1], mode="lines+markers", name=names[j],
            showlegend=False,
            line={"color": colors[j], "width": 2.5},
            marker={"size": 5, "color": colors[j], "line": {"color": OUTLINE, "width": 0.5}},
            hovertemplate=f"μ_{j} at update %{{text}}<extra></extra>",
            text=[str(i) for i in range(u)],
        ))
    fig.add_trace(go.Scatter(
        x=trail[-1, :, 0], y=trail[-1, :, 1], mode="markers+text", name="centroids μ_j",
        marker={**CROSS, "color": [colors[j] for j in range(k)]}, showlegend=False,
        text=[short_name(names[j]) for j in range(k)], textposition="top right",
        textfont={"color": [colors[j] for j in range(k)], "shadow": "auto", "weight": "bold"},
        customdata=np.arange(k), hovertemplate="centroid μ_%{customdata}<extra></extra>",
    ))
    if highlight is not None and 0 <= int(highlight) < len(xy):
        h = int(highlight)
        for name, marker in (("halo", HALO), (f"point {h}", RING)):  # white under red: seen
            fig.add_trace(go.Scatter(  # on any cluster's colour
                x=[xy[h, 0]], y=[xy[h, 1]], mode="markers", name=name, showlegend=False,
                marker=marker, hoverinfo="skip"))
        arrow = pull_arrow(info, h) if pull else None
        if arrow is not None:
            (x0, y0), (x1, y1) = arrow["start"], arrow["end"]
            fig.add_annotation(x=float(x1), y=float(y1), ax=float(x0), ay=float(y0),
                               xref="x", yref="y", axref="x", ayref="y", text="",
                               showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=3,
                               arrowcolor=ACCENT, name="pull")
    box = info.get("xy_range")
    if box is None:
        both = np.concatenate([xy, trail.reshape(-1, 2)])
        box = list(zip(both.min(axis=0), both.max(axis=0)))
    xr, yr = _padded(box)
    explained = (info.get("frame") or {}).get("explained") or [0.0, 0.0]
    fig.update_xaxes(title=f"PC 1 of the k-means start ({explained[0]:.0%} of its variance)",
                     range=xr, autorange=False, zeroline=False)
    fig.update_yaxes(title=f"PC 2 ({explained[1]:.0%})", range=yr, autorange=False,
                     zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(showlegend=False, uirevision="dec-map")
    update = info.get("update", u - 1)
    return layout(fig, title or f"z and the centroids μ_j (×) at update {update}",
                  height=height, projector=projector)


def short_name(name: str) -> str:
    """A centroid's label on the map: ``"cluster 3 → 8"`` -> ``"3→8"``."""
    return name.removeprefix("cluster ").replace(" → ", "→")


def add_centroids(fig: go.Figure, centers: np.ndarray, colors: Mapping[int, str],
                  n_point_traces: int) -> go.Figure:
    """Add centroid crosses and their trails to an evolution animation (every frame).

    Parameters
    ----------
    fig : go.Figure
        From :func:`explorer.charts.explore.evolution_figure`; its frame ``f`` shows update ``f``
        of ``centers``.
    centers : ndarray of shape (u, k, 2)
        The centroids in the same frame as the points.
    colors : mapping of int to str
    n_point_traces : int
        Traces each frame already holds (the point traces).

    Returns
    -------
    go.Figure
        ``fig``, with k trail traces and one cross trace added to the data and
        to every frame.
    """
    centers = np.asarray(centers)
    k = centers.shape[1]

    def traces(f: int) -> list[go.Scatter]:
        out = [go.Scatter(x=centers[: f + 1, j, 0], y=centers[: f + 1, j, 1], mode="lines",
                          line={"color": colors[j], "width": 2.5}, showlegend=False,
                          hoverinfo="skip") for j in range(k)]
        out.append(go.Scatter(x=centers[f, :, 0], y=centers[f, :, 1], mode="markers",
                              name="centroids μ_j (trail: their path)",
                              marker={**CROSS, "color": [colors[j] for j in range(k)]},
                              customdata=np.arange(k),
                              hovertemplate="centroid μ_%{customdata}<extra></extra>"))
        return out

    fig.add_traces(traces(0))
    frames = []
    for f, frame in enumerate(fig.frames):
        frames.append(go.Frame(data=list(frame.data) + traces(min(f, len(centers) - 1)),
                               name=frame.name, layout=frame.layout))
    fig.frames = frames
    # widen the fixed axes so the centroids stay on screen
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    flat = centers.reshape(-1, 2)
    fig.update_xaxes(range=[min(xr[0], flat[:, 0].min()), max(xr[1], flat[:, 0].max())])
    fig.update_yaxes(range=[min(yr[0], flat[:, 1].min()), max(yr[1], flat[:, 1].max())])
    return fig


def prototypes_figure(prototypes: np.ndarray, image_shape: Sequence[int],
                      colors: Mapping[int, str], names: Mapping[int, str] | None = None,
                      title: str = "Decoded centroids: each cluster's prototype",
                      tile_px: int = 74, projector: bool = False) -> go.Figure:
    """The k decoded centroids ``inverse_transform(μ_j)`` in a row, framed in their colours.

    Parameters
    ----------
    prototypes : ndarray of shape (k, d)
        Decoded centroids in the data's scale (0..1 for images).
    image_shape : (h, w)
    colors, names : mapping of int to str
    projector : bool, default=False
        Projector mode's large type.
    """
    from explorer.charts.images import image_grid

    k = len(prototypes)
    h, w = (int(v) for v in image_shape)
    imgs = np.clip(np.rint(np.asarray(prototypes).reshape(k, h, w) * 255), 0, 255).astype(
        np.uint8)
    names = names or {j: f"cluster {j}" for j in range(k)}
    return image_grid(imgs, border_colors=[colors[j] for j in range(k)],
                      titles=[f"μ{j}" for j in range(k)], hover=[names[j] for j in range(k)],
                      ncols=k, title=title, tile_px=tile_px, projector=projector)


def data_space_figure(info: Mapping, colors: Mapping[int, str] | None = None, *,
                      names: Mapping[int, str] | None = None, highlight: int | None = None,
                      height: int = MAP_HEIGHT, projector: bool = False) -> go.Figure:
    """2-D data in its own space: the points by cluster over the soft assignment of a grid.

    Each background cell is one grid point pushed through the encoder and the
    centroids: its hue is the argmax cluster, its strength the confidence
    max_j q (pale where DEC is unsure). ``highlight`` rings a tracked row (the
    point chosen on the embedding map) where it lies in the data.
    """
    grid = info["grid"]
    q = np.asarray(info["q"])
    k = q.shape[1]
    colors = colors or colors_for(info, k)
    names = names or names_for(info, k)
    label, conf = np.asarray(grid["label"]), np.asarray(grid["conf"])
    palette = np.array([hex_to_rgb(colors[j]) for j in range(k)], dtype=np.float64)
    floor = 1.0 / max(k, 1)
    a = 0.12 + 0.5 * np.clip((conf - floor) / max(1 - floor, 1e-9), 0, 1)[..., None]
    rgb = (255.0 * (1 - a) + palette[label] * a).astype(np.uint8)  # (G, G, 3), row 0 = lowest y
    gx, gy = np.asarray(grid["x"]), np.asarray(grid["y"])
    dx, dy = float(gx[1] - gx[0]), float(gy[1] - gy[0])
    fig = go.Figure(go.Image(z=rgb, x0=float(gx[0]), dx=dx, y0=float(gy[0]), dy=dy,
                             hoverinfo="skip"))
    xy = np.asarray(info["data_xy"])
    labels = q.argmax(axis=1)
    for j in range(k):
        m = labels == j
        if not m.any():
            continue
        fig.add_trace(go.Scatter(x=xy[m, 0], y=xy[m, 1], mode="markers", name=names[j],
                                 marker={"color": colors[j], "size": 5.5,
                                         "opacity": _opacity(q[m].max(axis=1), k),
                                         "line": {"color": BACKGROUND, "width": 0.5}},
                                 hovertemplate="x %{x:.2f}, y %{y:.2f}<extra>%{fullData.name}"
                                               "</extra>"))
    if highlight is not None and 0 <= int(highlight) < len(xy):
        h = int(highlight)
        fig.add_trace(go.Scatter(x=[xy[h, 0]], y=[xy[h, 1]], mode="markers",
                                 name=f"point {h}", marker=RING, hoverinfo="skip"))
    fig.update_xaxes(title="x₁ (the data)", range=[gx[0] - dx / 2, gx[-1] + dx / 2],
                     autorange=False, showgrid=False, zeroline=False)
    fig.update_yaxes(title="x₂", range=[gy[0] - dy / 2, gy[-1] + dy / 2], autorange=False,
                     showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(uirevision="dec-data-space", showlegend=False)
    return layout(fig, f"The data's own space at update {info.get('update', '')}",
                  height=height, projector=projector)


def grad_share_figure(share: Mapping, height: int = 300, projector: bool = False) -> go.Figure:
    """Per confidence bin: its share of the points and of the total gradient norm."""
    edges = np.asarray(share["edges"])
    x = [f"{a:.2f}–{b:.2f}" for a, b in zip(edges[:-1], edges[1:])]
    fig = go.Figure([
        go.Bar(x=x, y=share["points"], name="share of the points", marker_color=LIGHT_GREY),
        go.Bar(x=x, y=share["gradient"], name="share of the gradient", marker_color=ACCENT),
    ])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.14},
                      bargap=0.25)
    fig.update_xaxes(title="confidence max_j q_ij", type="category")
    fig.update_yaxes(title="share", range=[0, 1], tickformat=".0%")
    # short enough for a half-width column at 1280 px, sidebar open
    return layout(fig, "Gradient |∂L/∂z_i| by confidence", height=height, projector=projector)
