"""The Train page's live charts and status lines (no streamlit here).

Each figure takes the lists a :class:`explorer.jobs.Job` records
(``view()["pretrain"]``, ``view()["dec"]``) and returns a plotly figure with a
title and axis labels. Their words come from :mod:`explorer.text.teach`
(``percent``, ``tol_text``; a stop reason: ``teach.stop_text``).
"""

from __future__ import annotations

import math
import textwrap
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from dec_core.presets import method_of
from explorer.charts.theme import (
    ACCENT,
    NEUTRAL,
    NOTE_BACKGROUND,
    color,
    layout,
    log_axis,
    zero_row,
)
from explorer.text.teach import IDEC_FORMULA, KL, percent, tol_text

METRIC_COLORS = {"acc": color(0), "nmi": color(1), "ari": color(2)}
TERM_COLORS = {"kl": color(4), "reconstruction": color(5), "loss": color(7)}


def wrap(text: str, width: int = 46) -> str:
    """``text`` broken into lines of at most ``width`` characters with ``<br>``.

    Plotly never wraps an annotation: a long one runs past the chart's edges
    and is cut off (e.g. tol's explanation for 1,000,000 points).
    """
    return "<br>".join(textwrap.wrap(str(text), width, break_long_words=True,
                                     break_on_hyphens=False)) or str(text)


def pretrain_loss_figure(pretrain: list[dict], total_epochs: int | None = None, *,
                         projector: bool = False) -> go.Figure:
    """Reconstruction loss (MSE) per pretraining epoch, one line per stage."""
    fig = go.Figure()
    stages: dict[str, list[dict]] = {}
    for row in pretrain:
        stages.setdefault(row.get("stage") or "end_to_end", []).append(row)
    for i, (stage, rows) in enumerate(stages.items()):
        fig.add_trace(go.Scatter(
            x=[r["epoch"] for r in rows], y=[r["loss"] for r in rows], mode="lines+markers",
            name=stage.replace("_", " "), marker={"size": 4}, line={"color": color(i)},
        ))
    fig.update_xaxes(title="epoch", range=[0.5, max(total_epochs or 0, len(pretrain)) + 0.5]
                     if total_epochs else None)
    fig.update_yaxes(title="reconstruction loss (MSE, log)",
                     **log_axis(r["loss"] for r in pretrain))
    return layout(fig, "Autoencoder pretraining: reconstruction loss", height=300,
                  projector=projector)


def loss_title(method: str) -> str:
    """The clustering-loss chart's title for ``method`` ("dec" or "idec")."""
    return f"IDEC: loss {IDEC_FORMULA}" if method == "idec" else f"DEC: clustering loss {KL}"


def kl_loss_figure(dec: list[dict], method: str = "dec", *,
                   projector: bool = False) -> go.Figure:
    """The clustering loss between two target updates (mean per batch).

    DEC draws ``KL(P‖Q)``. IDEC draws its terms apart, ``KL(P‖Q)`` and the
    reconstruction loss ``L_r``, with the total ``L = L_r + γ·KL`` dotted;
    when the rows carry only the total, that is drawn and labelled as the sum.
    """
    def finite(key):
        return [r for r in dec if np.isfinite(r.get(key, np.nan))]

    series: list[tuple[str, str, list[dict]]] = []  # (key, name, rows)
    if method == "idec":
        if finite("kl") or finite("reconstruction"):
            series = [("kl", KL, finite("kl")),
                      ("reconstruction", "L_r (reconstruction MSE)", finite("reconstruction")),
                      ("loss", f"total {IDEC_FORMULA}", finite("loss"))]
        else:
            series = [("loss", f"{IDEC_FORMULA} (the sum)", finite("loss"))]
    else:
        key = "kl" if finite("kl") else "loss"
        series = [(key, KL, finite(key))]
    fig = go.Figure()
    for key, name, rows in series:
        if not rows:
            continue
        fig.add_trace(go.Scatter(
            x=[r["iteration"] for r in rows], y=[r[key] for r in rows], mode="lines+markers",
            name=name, marker={"size": 5},
            line={"color": TERM_COLORS[key], "dash": "dot" if len(series) > 1 and key == "loss"
                  else "solid"},
        ))
    values = [r[key] for key, _, rows in series for r in rows]
    fig.update_xaxes(title="DEC iteration (batches)")
    fig.update_yaxes(title="loss per batch (log)", **log_axis(values))
    fig.update_layout(showlegend=len(series) > 1)
    return layout(fig, loss_title(method), height=300, projector=projector)


def delta_label_figure(dec: list[dict], tol: float, n_samples: int | None = None, *,
                       projector: bool = False) -> go.Figure:
    """Share of points that changed cluster at each update, with the ``tol`` line.

    A change of 0 cannot sit on a log axis. It is drawn as what it is: on a
    row of its own at the bottom whose tick reads "0", as a hollow marker
    named "no point changed" (hover: "0 points"), off the line of the
    positive shares, never as a point at some small share.
    """
    rows = dec[1:]  # update 0 compares with k-means and is 0 by construction
    positive = [r["delta_label"] for r in rows if r["delta_label"] > 0]
    low = min([tol] + positive + ([1 / n_samples] if n_samples else [])) if (
        tol > 0 or positive or n_samples) else 1e-3
    floor = max(low / 4, 1e-8)  # the "0" row, a little below every real value
    points = [f"{int(round(r['delta_label'] * n_samples)):,} of {n_samples:,} points"
              if n_samples else percent(r["delta_label"]) for r in rows]
    zero = [i for i, r in enumerate(rows) if r["delta_label"] <= 0]
    fig = go.Figure(go.Scatter(
        x=[r["iteration"] for r in rows],
        y=[r["delta_label"] if r["delta_label"] > 0 else None for r in rows],
        mode="lines+markers", name="changed labels", line={"color": color(3)},
        marker={"size": 5}, text=points, hovertemplate="batch %{x}<br>%{text}<extra></extra>",
        connectgaps=False,
    ))
    if zero:
        fig.add_trace(go.Scatter(
            x=[rows[i]["iteration"] for i in zero], y=[floor] * len(zero), mode="markers",
            name="no point changed", marker={"size": 8, "color": color(3),
                                              "symbol": "circle-open", "line": {"width": 2}},
            text=[points[i] for i in zero],
            hovertemplate="batch %{x}<br>%{text}: no point changed<extra></extra>"))
    if tol > 0:
        fig.add_hline(y=tol, line={"color": ACCENT, "dash": "dash"})
        # Placed by hand: on a log axis plotly's hline annotation lands at y = tol in
        # log units (the top of the chart), and it never wraps a long note.
        fig.add_annotation(text=wrap(tol_text(tol, n_samples)), x=1, xref="paper",
                           xanchor="right", y=math.log10(tol), yref="y", yanchor="bottom",
                           showarrow=False, align="right", bgcolor=NOTE_BACKGROUND,
                           font={"size": 11, "color": NEUTRAL})
    fig.update_xaxes(title="DEC iteration (batches)")
    axis = log_axis([low, tol, *positive], percent=True)
    if zero:  # the "0" row below the ticks of real shares
        axis = zero_row(axis, floor, max([tol, *positive]))
    fig.update_yaxes(title="points that changed cluster (share, log)", **axis)
    fig.update_layout(showlegend=bool(zero), legend={"orientation": "h", "y": -0.35})
    return layout(fig, "DEC: points that changed cluster per update", height=300,
                  projector=projector)


def scores_by_update_figure(dec: list[dict], kmeans: dict | None = None, *,
                            projector: bool = False) -> go.Figure:
    """ACC / NMI / ARI at each update, with the k-means start as dotted lines."""
    fig = go.Figure()
    for key in ("acc", "nmi", "ari"):
        rows = [r for r in dec if key in r]
        if not rows:
            continue
        fig.add_trace(go.Scatter(
            x=[r["iteration"] for r in rows], y=[r[key] for r in rows], mode="lines+markers",
            name=key.upper(), line={"color": METRIC_COLORS[key]}, marker={"size": 5},
        ))
        if kmeans and key in kmeans:
            fig.add_hline(y=kmeans[key], line={"color": METRIC_COLORS[key], "dash": "dot",
                                               "width": 1})
    fig.update_xaxes(title="DEC iteration (batches)")
    fig.update_yaxes(title="score (dotted: autoencoder + k-means)", range=[0, 1.02])
    return layout(fig, "Clustering quality against the true labels", height=300,
                  projector=projector)


@lru_cache(maxsize=32)
def placeholder(title: str, note: str, projector: bool = False) -> go.Figure:
    """An empty chart with a note; cached, so a waiting page sends the same figure each time.

    Callers must not change the returned figure.
    """
    fig = go.Figure()
    fig.add_annotation(text=wrap(note, 44), showarrow=False, font={"color": NEUTRAL, "size": 14},
                       x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, title, height=300, projector=projector)


def training_charts_html(v: dict, *, projector: bool = False) -> str:
    """Every training chart of a finished job as one interactive HTML page.

    ``v`` is the job's :meth:`~explorer.jobs.Job.view`. The page embeds plotly.js
    once (several MB), so callers build it only when it is asked for.
    """
    train, n_samples = v["config"]["train"], (v["dataset"] or {}).get("n_samples")
    figs = [pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"], projector=projector),
            kl_loss_figure(v["dec"], method_of(train), projector=projector),
            delta_label_figure(v["dec"], float(train["tol"]), n_samples, projector=projector)]
    if v["dec"] and "acc" in v["dec"][0]:
        figs.append(scores_by_update_figure(v["dec"], v["kmeans"], projector=projector))
    html = "<html><head><meta charset='utf-8'><title>DEC training charts</title></head><body>"
    return html + "".join(f.to_html(full_html=False, include_plotlyjs=(i == 0))
                          for i, f in enumerate(figs)) + "</body></html>"
