"""One colour scheme for every view: cluster j (or class j) is ``color(j)``.

The same index gets the same colour in the UMAP view, the galleries, the
confusion matrix and the class-balance bars, so a learner can follow a cluster
from chart to chart. Labels are matched to clusters (Hungarian) before
colouring by true label, so "class 3" and "the cluster it became" share a colour.
"""

from __future__ import annotations

# Plotly's "Dark24"-like qualitative set, reordered so the first 10 are the most distinct.
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#e7969c", "#637939", "#ad494a", "#7b4173",
    "#3182bd", "#fd8d3c", "#31a354", "#756bb1", "#636363",
)
ACCENT = "#ff4b4b"      # Streamlit's primary red: tol lines, highlights
NEUTRAL = "#9aa0a6"
CONTINUOUS = "Blues"    # heatmaps (confusion matrices)


def color(index: int) -> str:
    """The colour of cluster / class ``index``."""
    return PALETTE[int(index) % len(PALETTE)]


def colors(n: int) -> list[str]:
    return [color(i) for i in range(n)]


def layout(fig, title: str | None = None, height: int | None = None):
    """Shared look for plotly figures: title, margins, font; returns ``fig``."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"} if title else None,
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        font={"size": 13},
        legend={"itemsizing": "constant"},
        template="plotly_white",
    )
    if height:
        fig.update_layout(height=height)
    return fig
