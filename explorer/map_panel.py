"""The live DEC map as a Streamlit panel, shared by Train and Step by step.

Pages call :func:`draw` with a job's ``step_info``; the figures come from
:mod:`explorer.dec_map` and are rebuilt only when the update they show (or an
option) changed, so a page that polls every second sends the same figure
objects between updates.
"""

from __future__ import annotations

import time

import streamlit as st

from . import dec_map
from .teach import prototypes_caption

FRAME_TEXT = ("Frame fixed at the k-means start (PCA of the embedding at update 0): every "
              "later update and every centroid goes through the same linear map, so movement "
              "on screen is movement in z. Opacity follows each point's confidence max_j q_ij; "
              "× marks the centroids μ_j, the lines their path over the updates.")


def _figure(key: str, fingerprint: tuple, build):
    cache = st.session_state.setdefault("_dec_map_figures", {})
    hit = cache.get(key)
    if hit is None or hit[0] != fingerprint:
        hit = cache[key] = (fingerprint, build())
    return hit[1]


def paced(key: str, info: dict, *, job_id: str, live: bool, every_s: float) -> dict:
    """The ``step_info`` to draw: while ``live``, a newer update replaces the one on
    screen at most every ``every_s`` seconds.

    A redraw of the map, its prototypes and its gradient shares costs the browser more
    than all the line charts of a poll together (a thousand SVG markers to lay out and
    rasterise), and on a 2-core laptop that time is taken from the training itself. The
    trail loses nothing: it holds every update's centroids up to the one drawn. The
    first map of a job and the last (``live`` False) are drawn at once.
    """
    shown = st.session_state.get(f"_{key}_map_paced")
    now = time.monotonic()
    if (live and shown is not None and shown[0] == job_id and dec_map.has_map(shown[2])
            and now - shown[1] < every_s):
        return shown[2]
    st.session_state[f"_{key}_map_paced"] = (job_id, now, info)
    return info


def options(key: str) -> tuple[bool, str]:
    """Step by step's map switches: arrows from the previous update, and what sets a
    point's size. Returns ``(arrows, size_by)``."""
    c = st.columns([1.3, 2, 2])
    arrows = c[0].toggle("Arrows", key=f"{key}_map_arrows",
                         help="A line from each point's position at the previous update to "
                              "where it is now.")
    size = c[1].radio("Point size", ["confidence max q", "pull |∂L/∂z|"], horizontal=True,
                      key=f"{key}_map_size",
                      help="Opacity always follows the confidence. Size can show it too, or "
                           "each point's weight in the loss: the norm of the gradient of "
                           "KL(p_i‖q_i) with respect to its code z_i.")
    return arrows, ("gradient" if size.startswith("pull") else "confidence")


def draw(info: dict, dataset: dict | None, *, key: str, fingerprint: tuple,
         arrows: bool = False, size_by: str = "confidence", highlight: int | None = None,
         gradient: bool = True) -> None:
    """The embedding map, the data-space panel (2-D data), the prototypes (images) and
    the gradient's shares, from one update's ``step_info``.

    Parameters
    ----------
    info : dict
        ``step_info`` with the keys of :mod:`explorer.map_frame`.
    dataset : dict or None
        The job's dataset info (``image_shape``).
    key : str
        Prefix of the chart keys (one per page).
    fingerprint : tuple
        What identifies the data drawn (e.g. job id and update); figures are
        rebuilt only when it changes.
    arrows, size_by, highlight
        See :func:`explorer.dec_map.embedding_map_figure`.
    gradient : bool, default=True
        Also draw the gradient-share chart and its caption.
    """
    if not dec_map.has_map(info):
        return
    k = info["q"].shape[1]
    colors, names = dec_map.colors_for(info, k), dec_map.names_for(info, k)
    fp = (*fingerprint, tuple(sorted((info.get("mapping") or {}).items())))
    grid = info.get("grid") is not None
    left, right = (st.columns([1, 1]) if grid else st.columns([3, 2]) if gradient
                   else (st.container(), None))
    with left:
        fig = _figure(f"{key}_map", (*fp, arrows, size_by, highlight),
                      lambda: dec_map.embedding_map_figure(info, colors, names=names,
                                                           arrows=arrows, size_by=size_by,
                                                           highlight=highlight))
        st.plotly_chart(fig, key=f"{key}_map")
        st.caption(FRAME_TEXT)
    share = info.get("grad_share")
    if grid:
        with right:
            st.plotly_chart(_figure(f"{key}_data", fp, lambda: dec_map.data_space_figure(
                info, colors, names=names)), key=f"{key}_data")
            st.caption("The same points where they live, coloured by cluster: DEC's clusters "
                       "as regions of the plane. Each background spot is pushed through the "
                       "encoder and assigned to the nearest centroid by the Student's t "
                       "kernel; strong colour = confident, pale = unsure.")
    protos = info.get("prototypes")
    shape = (dataset or {}).get("image_shape")
    if protos is not None and shape:
        st.plotly_chart(_figure(f"{key}_protos", fp, lambda: dec_map.prototypes_figure(
            protos, shape, colors, names)), key=f"{key}_protos")
        st.caption(prototypes_caption(bool(info.get("decoder_trained")),
                                      info.get("prototypes_change"), info.get("update")))
    if gradient and share is not None:
        target = right if not grid else st.container()
        with target:
            st.plotly_chart(_figure(f"{key}_grad", fp,
                                    lambda: dec_map.grad_share_figure(share)), key=f"{key}_grad")
            st.caption(dec_map.grad_caption(share))
