"""The k sweep's figures: each criterion against k (no streamlit here).

The numbers come from :func:`explorer.analysis.k_sweep.compute` (a
:meth:`dec_core.selection.Sweep.as_dict`); the Data page draws
:data:`CRITERIA` in that order, two to a row.
"""

from __future__ import annotations

import plotly.graph_objects as go

from explorer.charts.theme import ACCENT, DARK_GREY, NEUTRAL, color, layout

CRITERIA = ("silhouette", "stability", "bic", "gap")
"""The figures of a sweep, in the order the Data page draws them."""


def _marks(fig: go.Figure, sw: dict, true_k: int | None) -> None:
    """The suggested k (red) and the labels' number of classes (dotted grey), labelled at
    the top on the sides facing away from each other, so neighbours never overprint."""
    k = sw["suggested_k"]
    shown = true_k if true_k and sw["ks"][0] <= true_k <= sw["ks"][-1] else None
    if shown == k:
        fig.add_vline(x=k, line={"color": ACCENT, "width": 2},
                      annotation={"text": f"suggested {k} = {k} classes",
                                  "font": {"color": ACCENT}}, annotation_position="top right")
        return
    right_of_classes = shown is not None and k > shown
    fig.add_vline(x=k, line={"color": ACCENT, "width": 2},
                  annotation={"text": f"suggested {k}", "font": {"color": ACCENT}},
                  annotation_position="top right" if right_of_classes or shown is None
                  else "top left")
    if shown is not None:
        fig.add_vline(x=shown, line={"color": DARK_GREY, "width": 2, "dash": "dot"},
                      annotation={"text": f"{shown} classes", "font": {"color": DARK_GREY}},
                      annotation_position="top left" if right_of_classes else "top right")


def criterion_figure(sw: dict, which: str, true_k: int | None = None, *,
                     projector: bool = False) -> go.Figure:
    """One criterion against k, with the suggested k (and the true number of classes).

    Parameters
    ----------
    sw : dict
        :meth:`dec_core.selection.Sweep.as_dict`.
    which : {"silhouette", "stability", "bic", "gap"}
    true_k : int, optional
        The labels' number of classes, marked when the data have labels.
    projector : bool, default=False
        Large type for a projector (:func:`explorer.charts.theme.layout`).
    """
    ks = sw["ks"]
    if which == "gap":
        x, y, err = sw["gap"]["ks"], sw["gap"]["gap"], sw["gap"]["s"]
        title, axis = "Gap statistic (± s): data vs uniform reference", "Gap(k)"
    else:
        x, y, err = ks, sw[which], None
        title, axis = {
            "silhouette": ("Silhouette: how well separated (higher is better)", "silhouette"),
            "stability": ("Stability: ARI between resampled fits (higher)", "mean ARI"),
            "bic": ("Gaussian mixture BIC (lower is better)", "BIC"),
        }[which]
    trace = go.Scatter(x=x, y=y, mode="lines+markers", line={"color": color(0)},
                       marker={"size": 7}, name=axis,
                       hovertemplate="k = %{x}<br>" + axis + " %{y:.3f}<extra></extra>")
    if err is not None:
        trace.error_y = {"type": "data", "array": err, "visible": True, "color": NEUTRAL}
    fig = go.Figure(trace)
    _marks(fig, sw, true_k)
    fig.update_xaxes(title="k (number of clusters)", dtick=1, range=[x[0] - 0.5, x[-1] + 0.5])
    fig.update_yaxes(title=axis)
    if which == "stability":
        fig.update_yaxes(range=[min(0.0, min(y) - 0.05), 1.05])
    elif which == "silhouette":  # from 0: a flat curve (noise) must not look like a zigzag
        fig.update_yaxes(range=[min(0.0, min(y) - 0.02), max(y) + 0.05])
    fig.update_layout(showlegend=False)
    return layout(fig, title, height=300, projector=projector)
