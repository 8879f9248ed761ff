"""One colour rule for every view.

* Class ``c`` is always :func:`class_color` ``(c)``: on the Data page, in the
  Explore map and galleries, on the Compare panels, in the confusion matrix.
* A cluster is drawn in the colour of the class it is matched to (Hungarian,
  :func:`cluster_colors`), and its name says so ("cluster 3 → 1"). Clusters
  matched to no class take colours no class uses.
* Without labels there are no classes: cluster ``j`` is ``color(j)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# The first 10: Tableau 10 (matplotlib's "tab10"), one per class. The next 10, for
# clusters matched to no class (k > classes) and for clusters 10-19 without labels:
# each picked, in this order, as the colour farthest (CIELAB distance) from every
# colour before it, among moderately saturated ones of mid lightness (readable on
# white). Each is at least 34 Delta-E from all the others; the closest pair of the
# whole palette stays tab10's own purple / pink (28). tab20b-like extras come within
# 5-20 of the first ten, so "cluster 11 (no class)" and "cluster 13 -> 5" would both be
# brown. tests/app/test_theme.py pins the distances.
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#445500", "#99cc99", "#ddaa66", "#990044", "#ff8888",
    "#007755", "#bbbbee", "#2233aa", "#990088", "#2288ff",
)
ACCENT = "#ff4b4b"      # Streamlit's primary red: tol lines, highlights
NEUTRAL = "#9aa0a6"     # what is no class or cluster: unmatched columns, notes, ticks
LIGHT_GREY = "#c4c8cd"  # the first baseline's bars
DARK_GREY = "#7d858f"   # the second baseline's bars; histograms of all samples
BACKGROUND = "#ffffff"  # the page: blank gallery tiles
TILE_FRAME = "#d2d2d2"  # an image tile's frame when it has no cluster colour
TILE_TEXT = "#333333"   # an image grid's captions and row labels without a colour of their own
OUTLINE = "#1a1a1a"     # dark outlines: the centroids' crosses, data-space centroids
REFERENCE = "#444444"   # a dotted reference curve: the kernel explorer's Gaussian

# The Model page's autoencoder drawing (Graphviz colours; encoder blue, decoder green, the
# embedding red, the clustering layer orange as in the cluster palette's first colours).
DIAGRAM = {
    "line": NEUTRAL, "node": "#f0f2f6", "group_text": "#555555", "group_line": "#c7cbd1",
    "encoder": "#e8f1fb", "decoder": "#eaf6ea", "embedding": "#ffe3e3",
    "embedding_line": "#d62728", "cluster": "#fff4e0", "cluster_line": "#ff7f0e",
}
NOTE_BACKGROUND = "rgba(255,255,255,0.75)"  # behind a note written over a chart's lines
BEST_CELL = "rgba(255, 75, 75, 0.16)"  # a table's best score: ACCENT, faint enough to read
CONTINUOUS = "Blues"    # heatmaps (confusion matrices)


def color(index: int) -> str:
    """The colour of cluster / class ``index``."""
    return PALETTE[int(index) % len(PALETTE)]


def hex_to_rgb(hex_color: str) -> tuple[int, int, int]:
    """``"#1f77b4"`` -> ``(31, 119, 180)``."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def colors(n: int) -> list[str]:
    """The first ``n`` palette colours."""
    return [color(i) for i in range(n)]


def class_color(c: int) -> str:
    """The colour of class ``c`` (an integer label), the same on every page."""
    return color(int(c))


def cluster_colors(clusters: Iterable[int], mapping: Mapping[int, int] | None = None,
                   n_classes: int | None = None) -> dict[int, str]:
    """The colour of each cluster: that of the class it is matched to.

    Parameters
    ----------
    clusters : iterable of int
        The cluster ids to colour.
    mapping : mapping of int to int, optional
        ``{cluster: class}``, the Hungarian matching (e.g.
        ``dec_core.metrics.cluster_acc(..., return_mapping=True)[1]``).
        Without it (no labels), cluster ``j`` gets ``color(j)``.
    n_classes : int, optional
        One more than the largest class label; clusters matched to no class
        get the palette colours from this index on, in id order, so they
        never share a class's colour (until the palette runs out).

    Returns
    -------
    dict of int to str
    """
    clusters = [int(c) for c in clusters]
    if mapping is None:
        return {c: color(c) for c in clusters}
    mapping = {int(k): int(v) for k, v in mapping.items()}
    start = n_classes if n_classes is not None else max(mapping.values(), default=-1) + 1
    out, extra = {}, int(start)
    for c in sorted(clusters):
        if c in mapping:
            out[c] = class_color(mapping[c])
        else:
            out[c] = color(extra)
            extra += 1
    return out


def log_axis(values: Iterable[float], *, percent: bool = False) -> dict:
    """Plotly axis settings for a log axis whose every tick reads as a number.

    Ticks sit on powers of ten, and on 2 and 5 times them when the data spans
    under three decades; data within a factor of 5 get evenly spaced round
    numbers. Labels are written out in full ("0.04", "2", "1,000") or as
    percentages, never plotly's bare mantissas ("4" for 0.04).

    Parameters
    ----------
    values : iterable of float
        The data drawn on the axis (non-positive and non-finite values skipped).
    percent : bool, default=False
        Label the ticks as percentages of 1 ("0.1%").

    Returns
    -------
    dict
        Keyword arguments for ``fig.update_yaxes``.
    """
    import math

    vals = [float(v) for v in values if v is not None and math.isfinite(float(v)) and v > 0]
    lo, hi = (min(vals), max(vals)) if vals else (0.1, 1.0)
    if hi / lo < 1.01:  # one value: ticks around it
        lo, hi = lo / 2, hi * 2
    if hi / lo < 5:  # a narrow range: round numbers between lo and hi
        raw = (hi - lo) / 4 or lo / 4
        mag = 10.0 ** math.floor(math.log10(raw))
        step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
        first = math.floor(lo / step)
        ticks = [(first + i) * step for i in range(int((hi - lo) / step) + 3)]
        ticks = [t for t in ticks if t > 0]
        digits = max(0, -math.floor(math.log10(step * (100 if percent else 1))))
    else:
        first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        steps = (1, 2, 5) if last - first < 3 else (1,)
        reach = 2.2 if len(steps) > 1 else 10.0
        ticks = [m * 10.0 ** e for e in range(first, last + 1) for m in steps]
        ticks = [t for t in ticks if lo / reach <= t <= hi * reach]
        digits = None

    def text(t: float) -> str:
        v = t * 100 if percent else t
        d = digits if digits is not None else (-math.floor(math.log10(v)) if v < 1 else 0)
        return f"{v:,.{d}f}" + ("%" if percent else "")

    return {"type": "log", "tickmode": "array", "tickvals": ticks,
            "ticktext": [text(t) for t in ticks]}


def zero_row(axis: dict, floor: float, top: float) -> dict:
    """A :func:`log_axis` with a row for 0 at ``floor``, below every real value.

    0 has no place on a log axis, so a chart draws its zeros at ``floor`` (a
    little below its smallest positive value) and this axis labels that row "0"
    and drops the ticks too close above it.

    Parameters
    ----------
    axis : dict
        :func:`log_axis` of the positive values.
    floor : float
        Where the zeros are drawn (> 0).
    top : float
        The largest value drawn.

    Returns
    -------
    dict
        Keyword arguments for ``fig.update_yaxes``.
    """
    import math

    keep = [(v, t) for v, t in zip(axis["tickvals"], axis["ticktext"]) if v >= 2 * floor]
    return {**axis, "tickvals": [floor] + [v for v, _ in keep],
            "ticktext": ["0"] + [t for _, t in keep],
            "range": [math.log10(floor) - 0.15, math.log10(max(top, 2 * floor)) + 0.25]}


TOOLBAR_PX = 28  # the chart toolbar (plotly's modebar) shows in a band this high at the top


# Projector mode (the sidebar's "Share / present" panel): readable from the back row.
PROJECTOR: dict = {
    "font": 18,         # all text
    "title": 22,        # chart titles
    "tick": 17,         # axis tick labels (>= 16 px)
    "axis_title": 18,
    "ink": "#111111",   # near-black text (the default theme's is a mid grey)
    "caption": "#333333",  # captions and metric labels (the default's 60% grey fades at the back)
    "grid": "#c8c8c8",  # darker grid lines
    "marker_scale": 1.6,
    "line_scale": 1.6,
    "height_scale": 1.25,
}
PROJECTOR_KEY = "projector"  # the session-state flag that turns it on

# st.badge takes a Streamlit palette name, not a hex colour: a step job's state on the Learn
# page (blue while it waits for Step, green while it runs or once it is done, grey stopped)
BADGE_COLORS: dict[str, str] = {"waiting": "blue", "running": "green", "done": "green",
                                "stopped": "gray"}


def _scaled(value, factor: float):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return value * factor
    try:
        return [v * factor for v in value]
    except TypeError:
        return value


def _projector(fig, height: int | None) -> None:
    """Large dark type, bigger markers and thicker lines (in place)."""
    pj = PROJECTOR
    ink = pj["ink"]
    fig.update_layout(font={"size": pj["font"], "color": ink},
                      title_font={"size": pj["title"], "color": ink},
                      legend_font={"size": pj["tick"], "color": ink},
                      hoverlabel_font_size=pj["tick"])
    axis = {"tickfont": {"size": pj["tick"], "color": ink},
            "title_font": {"size": pj["axis_title"], "color": ink},
            "gridcolor": pj["grid"], "linecolor": ink, "zerolinecolor": pj["grid"]}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    fig.update_annotations(font_size=pj["tick"], font_color=ink)  # subplot titles
    for trace in fig.data:
        marker = getattr(trace, "marker", None)
        if marker is not None and "size" in marker and trace.type in ("scatter", "scattergl"):
            mode = getattr(trace, "mode", None) or ""
            if marker.size is not None:
                marker.size = _scaled(marker.size, pj["marker_scale"])
            elif "markers" in mode:
                marker.size = 6 * pj["marker_scale"]  # plotly's default 6
        line = getattr(trace, "line", None)
        if line is not None and "width" in line and trace.type in ("scatter", "scattergl"):
            line.width = (line.width or 2) * pj["line_scale"]
    fig.update_layout(height=int((height or fig.layout.height or 450) * pj["height_scale"]))


def layout(fig, title: str | None = None, height: int | None = None,
           projector: bool = False):
    """Shared look for plotly figures: title, margins, font; returns ``fig``.

    The title starts below the band where the chart toolbar appears on hover
    (top right), so a long title is never drawn under the toolbar's icons.

    Parameters
    ----------
    fig : plotly Figure
        Call this after adding the traces, so projector mode reaches them.
    title : str, optional
    height : int, optional
    projector : bool, default=False
        Projector mode (axis ticks >= 16 px in near-black, larger fonts and
        markers, thicker lines, taller charts). Passed, never read from the
        session: a figure cache keyed on a builder's arguments then can't serve
        one mode's figure in the other (the page passes
        :func:`explorer.session.widgets.projector_mode`).
    """
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "yref": "container", "y": 1.0,
               "yanchor": "top", "pad": {"t": TOOLBAR_PX + 4}} if title else None,
        margin={"l": 10, "r": 10, "t": 50 + TOOLBAR_PX if title else 10, "b": 10},
        font={"size": 13},
        legend={"itemsizing": "constant"},
        template="plotly_white",
    )
    if height:
        fig.update_layout(height=height)
    if projector:
        _projector(fig, height)
        fig.update_layout(margin={"t": 64 + TOOLBAR_PX if title else 10})
    _fit_y_titles(fig, PROJECTOR["axis_title"] if projector else 13)
    return fig


CHAR_EM = 0.6  # a generous mean width of a character of the chart font, in em
X_AXIS_PX = 60  # below the plot: the x tick labels, the x title and the bottom margin


def _fit_y_titles(fig, size: float) -> None:
    """Break y-axis titles longer than their plot's height into lines (in place).

    Plotly centres a y title on the plot's height, never wraps it, and lets a
    longer one run up over the chart's title (a 300 px chart has about 160 px
    of plot). The length is estimated from the character count (:data:`CHAR_EM`).
    """
    import textwrap

    height = fig.layout.height or 450  # plotly's default
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 80
    for axis in fig.select_yaxes():
        text = axis.title.text
        if not text or "<br>" in text:
            continue
        domain = axis.domain or (0.0, 1.0)
        room = (height - top - X_AXIS_PX) * (domain[1] - domain[0]) * 0.9
        font = axis.title.font.size or size
        if len(text) * CHAR_EM * font > room:
            width = max(8, int(room / (CHAR_EM * font)))
            axis.title.text = "<br>".join(textwrap.wrap(text, width))


def whole_number_ticks(last: int, most: int = 10) -> dict:
    """Axis settings for a count from 0 to ``last``: whole numbers, at most ``most`` ticks.

    The step is 1, 2 or 5 times a power of ten: 1 up to ``most`` updates, then 2, 5, 10, ...
    (``dtick=1`` alone crowds 30 updates into unreadable ticks).

    Returns
    -------
    dict
        Keyword arguments for ``fig.update_xaxes``.
    """
    step = 1
    while max(int(last), 1) / step > most:
        step = next(m * 10 ** e for e in range(0, 12) for m in (1, 2, 5) if m * 10 ** e > step)
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": "d"}
