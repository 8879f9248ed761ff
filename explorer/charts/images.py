"""Images tiled into one picture, each framed in a colour (no streamlit here).

The Data page's samples per class, Explore's galleries and selections, and the
live map's decoded centroids are all :func:`image_grid`; :func:`pad_row` keeps
each class or cluster on a row of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.charts.theme import BACKGROUND, TILE_FRAME, TILE_TEXT, TOOLBAR_PX, hex_to_rgb, layout


def pad_row(images: np.ndarray, borders: list[str], hovers: list[str], per_row: int,
            blank_hover: str = "") -> tuple[np.ndarray, list[str], list[str]]:
    """Pad one row of image tiles with blank (white) tiles up to ``per_row``.

    Used where every class or cluster keeps its own row of an image grid.

    Parameters
    ----------
    images : ndarray of shape (m, h, w), uint8
        The row's tiles, ``m <= per_row``.
    borders, hovers : list of str
        The frame colour and the hover text of each tile.
    per_row : int
        Tiles in a full row.
    blank_hover : str, default=""
        The hover text of a blank tile.

    Returns
    -------
    images : ndarray of shape (per_row, h, w), uint8
    borders, hovers : list of str
    """
    blank = max(0, per_row - len(images))
    h, w = images.shape[1:]
    pad = np.full((blank, h, w), 255, dtype=np.uint8)
    return (np.concatenate([np.asarray(images, dtype=np.uint8), pad]),
            [*borders, *[BACKGROUND] * blank], [*hovers, *[blank_hover] * blank])


def image_grid(
    images: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    border_colors: Sequence[str] | None = None,
    hover: Sequence[str] | None = None,
    ncols: int = 10,
    row_labels: Sequence[str] | None = None,
    row_colors: Sequence[str] | None = None,
    title: str | None = None,
    tile_px: int = 64,
    height: int | None = None,
    projector: bool = False,
) -> go.Figure:
    """Images tiled into one picture, each framed in a colour.

    Parameters
    ----------
    images : ndarray of shape (m, h, w), uint8
        Grey levels 0..255.
    titles : sequence of str, optional
        A short caption above each image.
    border_colors : sequence of str, optional
        The frame colour of each image (hex); default light grey.
    hover : sequence of str, optional
        Hover text of each image (HTML allowed).
    ncols : int, default=10
        Images per row.
    row_labels, row_colors : sequence of str, optional
        A label left of each row (e.g. ``"cluster 3"``) and its colour.
    title : str, optional
    tile_px : int, default=64
        Height of one row in screen pixels (sets the figure height).
    height : int, optional
        Overrides the computed height.
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).

    Returns
    -------
    go.Figure
        One ``go.Image`` trace, plus an invisible scatter carrying the hover
        text when ``hover`` is given.
    """
    imgs = np.asarray(images)
    if imgs.ndim != 3:
        raise ValueError(f"images must be (m, h, w); received shape {imgs.shape}.")
    imgs = np.clip(imgs, 0, 255).astype(np.uint8)
    m, h, w = imgs.shape
    ncols = max(1, min(int(ncols), max(m, 1)))
    nrows = max(1, -(-m // ncols))
    pad = max(1, round(max(h, w) / 10))
    gap = max(1, pad)
    band = max(3, round(h * 0.4)) if titles is not None else 0
    tile_h, tile_w = h + 2 * pad + band, w + 2 * pad
    canvas = np.full((nrows * (tile_h + gap) - gap, ncols * (tile_w + gap) - gap, 3), 255,
                     dtype=np.uint8)
    centers, annotations = [], []
    for i in range(m):
        r, c = divmod(i, ncols)
        top, left = r * (tile_h + gap) + band, c * (tile_w + gap)
        frame = hex_to_rgb(border_colors[i] if border_colors is not None else TILE_FRAME)
        canvas[top: top + h + 2 * pad, left: left + w + 2 * pad] = frame
        canvas[top + pad: top + pad + h, left + pad: left + pad + w] = imgs[i][:, :, None]
        centers.append((left + tile_w / 2 - 0.5, top + pad + h / 2 - 0.5))
        if titles is not None:
            annotations.append({
                "x": left + tile_w / 2 - 0.5, "y": top - 0.5, "text": str(titles[i]),
                "showarrow": False, "yanchor": "bottom", "xanchor": "center",
                "font": {"size": 10, "color": border_colors[i] if border_colors is not None
                         else TILE_TEXT},
            })
    if row_labels is not None:
        for r, text in enumerate(row_labels[:nrows]):
            col = row_colors[r] if row_colors is not None else TILE_TEXT
            annotations.append({
                "x": -1, "y": r * (tile_h + gap) + band + (h + 2 * pad) / 2, "text": f"<b>{text}</b>",
                "showarrow": False, "xanchor": "right", "yanchor": "middle",
                "font": {"size": 12, "color": col},
            })
    fig = go.Figure(go.Image(z=canvas, hoverinfo="skip"))
    if hover is not None and m:
        xs, ys = zip(*centers)
        fig.add_trace(go.Scatter(x=list(xs), y=list(ys), mode="markers", hovertext=list(hover),
                                 hoverinfo="text", marker={"size": 1, "opacity": 0},
                                 showlegend=False, name="images"))
        fig.update_layout(hoverdistance=-1, hovermode="closest")
    # The image keeps its aspect ratio, so it rarely fills the plot area; centred (plotly's
    # default) it leaves a band of white between the title and a grid in a narrow column.
    # Pinned to the top left, the title sits on the grid and any spare room falls below / right.
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False, constrain="domain",
                     constraintoward="left")
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, constrain="domain",
                     constraintoward="top")
    fig.update_layout(annotations=annotations)
    fig = layout(fig, title, height=height or (nrows * tile_px + (60 if title else 20)),
                 projector=projector)
    if title:  # no axes here, so the grid can sit closer to its title
        fig.update_layout(margin={"t": TOOLBAR_PX + 34})
    if row_labels is not None:
        fig.update_layout(margin={"l": 90})
    return fig
