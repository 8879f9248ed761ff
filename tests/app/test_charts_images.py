"""explorer.charts.images: image grids framed in colours (no streamlit)."""

import numpy as np
import plotly.graph_objects as go

from explorer.charts.images import image_grid
from explorer.charts.theme import color


def test_image_grid_tiles_borders_and_hover():
    imgs = np.zeros((7, 8, 8), dtype=np.uint8)
    imgs[:, 2:6, 2:6] = 200
    borders = [color(i) for i in range(7)]
    fig = image_grid(imgs, titles=[str(i) for i in range(7)], border_colors=borders,
                     hover=[f"i{i}" for i in range(7)], ncols=3, title="grid",
                     row_labels=["r0", "r1", "r2"])
    assert isinstance(fig.data[0], go.Image) and len(fig.data) == 2
    canvas = np.asarray(fig.data[0].z)
    assert canvas.ndim == 3 and canvas.shape[2] == 3
    assert len(fig.data[1].x) == 7
    # the first tile's frame is cluster 0's colour
    r, g, b = (int(color(0)[i: i + 2], 16) for i in (1, 3, 5))
    assert ((canvas == [r, g, b]).all(axis=2)).any()
    assert len(fig.layout.annotations) == 7 + 3
    assert len(image_grid(imgs[:2]).data) == 1
