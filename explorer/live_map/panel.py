"""The live DEC map as a Streamlit panel, shared by Train and Step by step.

Pages call :func:`draw` with a job's ``step_info``; the figures come from
:mod:`explorer.live_map.figure` and are rebuilt only when the update they show, an
option or projector mode changed (:mod:`explorer.charts.cache`), so a page that polls
every second sends the same figure objects between updates.
"""

from __future__ import annotations

import time

import streamlit as st

from explorer.charts.cache import cached_figure
from explorer.live_map import figure as map_figure
from explorer.live_map import replay
from explorer.live_map.replay import DEFAULT_PLAY_SPEED, PLAY_SPEEDS
from explorer.session.widgets import chart_columns, projector_mode
from explorer.text.teach import (
    ARROWS_HELP,
    FRAME_TEXT,
    LOCKSTEP_MAPS_CAPTION,
    POINT_SIZE_HELP,
    REPLAY_PLAY_HELP,
    REPLAY_SPEED_HELP,
    REPLAY_TEXT,
    data_space_caption,
    grad_caption,
    prototypes_caption,
)


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
    if (live and shown is not None and shown[0] == job_id and map_figure.has_map(shown[2])
            and now - shown[1] < every_s):
        return shown[2]
    st.session_state[f"_{key}_map_paced"] = (job_id, now, info)
    return info


def options(key: str) -> tuple[bool, str]:
    """Step by step's map switches: arrows from the previous update, and what sets a
    point's size. Returns ``(arrows, size_by)``."""
    c = st.columns([1.3, 2, 2])
    arrows = c[0].toggle("Arrows", key=f"{key}_map_arrows",
                         help=ARROWS_HELP)
    size = c[1].radio("Point size", ["confidence max q", "pull |∂L/∂z|"], horizontal=True,
                      key=f"{key}_map_size",
                      help=POINT_SIZE_HELP)
    return arrows, ("gradient" if size.startswith("pull") else "confidence")


def draw(info: dict, dataset: dict | None, *, key: str, fingerprint: tuple,
         arrows: bool = False, size_by: str = "confidence", highlight: int | None = None,
         gradient: bool = True, height: int | None = None, show_map: bool = True,
         controls=None) -> None:
    """The embedding map, the data-space panel (2-D data), the prototypes (images) and
    the gradient's shares, from one update's ``step_info``.

    Parameters
    ----------
    info : dict
        ``step_info`` with the keys of :mod:`explorer.live_map.frame`.
    dataset : dict or None
        The job's dataset info (``image_shape``).
    key : str
        Prefix of the chart keys (one per page).
    fingerprint : tuple
        What identifies the data drawn (e.g. job id and update); figures are
        rebuilt only when it changes.
    arrows, size_by, highlight
        See :func:`explorer.live_map.figure.embedding_map_figure`.
    gradient : bool, default=True
        Also draw the gradient-share chart and its caption.
    height : int, optional
        The map's height (default :data:`explorer.live_map.figure.MAP_HEIGHT`).
    show_map : bool, default=True
        False: everything but the map, which the page draws itself (Step by step puts
        it beside the chosen point's chart); the data space and the gradient then
        share a row. ``highlight`` still rings the point in the data space.
    controls : callable, optional
        Draws widgets right under the map's row (the replay's), above the prototypes.
    """
    if not map_figure.has_map(info):
        return
    k = info["q"].shape[1]
    colors, names = map_figure.colors_for(info, k), map_figure.names_for(info, k)
    fp = (*fingerprint, tuple(sorted((info.get("mapping") or {}).items())))
    projector = projector_mode()

    def cached(name: str, stamp: tuple, build):
        return cached_figure(st.session_state, f"{key}_{name}", stamp, build,
                             projector=projector)

    grid = info.get("grid") is not None
    share = info.get("grad_share")
    if show_map:
        left, right = (st.columns([1, 1]) if grid else st.columns([3, 2]) if gradient
                       else (st.container(), None))
        with left:
            fig = cached("map", (*fp, arrows, size_by, highlight, height),
                         lambda p: map_figure.embedding_map_figure(
                             info, colors, names=names, arrows=arrows, size_by=size_by,
                             highlight=highlight, height=height or map_figure.MAP_HEIGHT,
                             projector=p))
            st.plotly_chart(fig, key=f"{key}_map")
            st.caption(FRAME_TEXT)
        data_slot, grad_slot = right, (right if not grid else None)
    else:  # the page draws the map; the data space (2-D data) and the gradient share a row
        both = grid and gradient and share is not None
        # in projector mode one chart per row: a half-width column cut the gradient's title
        data_slot, grad_slot = chart_columns(2) if both else (st.container(), None)
    if grid:
        with data_slot:
            st.plotly_chart(cached("data", (*fp, highlight),
                                   lambda p: map_figure.data_space_figure(
                                       info, colors, names=names, highlight=highlight,
                                       projector=p)),
                            key=f"{key}_data")
            st.caption(data_space_caption(highlight))
    if controls is not None:
        controls()
    protos = info.get("prototypes")
    shape = (dataset or {}).get("image_shape")
    if protos is not None and shape:
        st.plotly_chart(cached("protos", fp, lambda p: map_figure.prototypes_figure(
            protos, shape, colors, names, projector=p)), key=f"{key}_protos")
        st.caption(prototypes_caption(bool(info.get("decoder_trained")),
                                      info.get("prototypes_change"), info.get("update")))
    if gradient and share is not None:
        with grad_slot if grad_slot is not None else st.container():  # None: below the rest
            st.plotly_chart(cached("grad", fp,
                                   lambda p: map_figure.grad_share_figure(share, projector=p)),
                            key=f"{key}_grad")
            st.caption(grad_caption(share))


def _replay_state(key: str, job_id: str) -> dict:
    """The replay's position of this page: ``pos`` None follows the newest update."""
    state = st.session_state.get(f"_{key}_replay")
    if state is None or state.get("job") != job_id:
        state = st.session_state[f"_{key}_replay"] = {"job": job_id, "pos": None,
                                                     "playing": False, "t": 0.0}
    return state


def replay_map(key: str, source, dataset: dict | None, *, job_id: str,
               every_s: float, height: int | None = None) -> None:
    """The map with its replay: Play / Pause, a slider over every update, the pace.

    While the job trains and nobody touches the replay, the map follows the
    newest update (at most every ``every_s`` seconds, :func:`paced`). Moving
    the slider shows that update; Play walks the updates one by one at a pace
    of :data:`explorer.live_map.replay.PLAY_SPEEDS` (Step by step's), each for the same
    time, never skipping one (it advances at most one update per run).

    A fragment: while playing it reruns on its own timer; otherwise it is drawn
    with the page (whose poll moves a live map on).

    Parameters
    ----------
    key : str
        Prefix of the widget and chart keys (one per page).
    source : callable
        Returns the job's :meth:`~explorer.jobs.Job.view` now (read at every
        run, so a replay that plays while the job trains sees new updates).
    dataset : dict or None
        The job's dataset info (``image_shape``).
    job_id : str
    every_s : float
        The live map's pace while the job trains.
    height : int, optional
        The map's height (:func:`draw`).
    """
    state = _replay_state(key, job_id)
    speed_key = f"{key}_replay_speed"
    speed = float(st.session_state.get(speed_key) or DEFAULT_PLAY_SPEED)
    every = speed if state["playing"] else None

    def body() -> None:
        v = source()
        if v is None:
            return
        frames = v.get("replay") or []
        live = v["state"] == "running"
        speed_now = float(st.session_state.get(speed_key) or DEFAULT_PLAY_SPEED)
        if (speed_now if state["playing"] else None) != every:
            st.rerun()  # Play, Pause or the pace changed: the fragment's timer with it
        n = len(frames)
        _advance(state, n, live, speed_now)
        if state["pos"] is None or not n:
            info = paced(key, v["step_info"], job_id=job_id, live=live, every_s=every_s)
            shown_at = (n - 1 if not live else
                        next((i for i in range(n - 1, -1, -1)
                              if frames[i]["update"] == info.get("update")), n - 1))
            fingerprint = (job_id, info.get("update"))
        else:
            shown_at = min(int(state["pos"]), n - 1)
            info = replay.info_at(frames, shown_at)
            fingerprint = (job_id, "replay", shown_at, n if live else -1)
        controls = ((lambda: _replay_controls(key, state, n, shown_at, live)) if n >= 2
                    else None)
        if map_figure.has_map(info):
            draw(info, dataset, key=key, fingerprint=fingerprint, height=height,
                 controls=controls)
        elif controls is not None:
            controls()

    if every is None:  # not playing: drawn with the page, whose poll moves a live map on
        body()
    else:
        st.fragment(run_every=every)(body)()


def _advance(state: dict, n: int, live: bool, speed: float) -> None:
    """While playing, move on by one update once ``speed`` seconds have passed.

    At most one per run, so none is skipped however late a run comes; at the
    last of ``n`` updates a finished replay stops, a live one waits for more.
    """
    if not state["playing"] or not n:
        return
    now = time.monotonic()
    pos = n - 1 if state["pos"] is None else state["pos"]
    if now - state["t"] >= 0.9 * speed and pos < n - 1:
        pos, state["t"] = pos + 1, now
    state["pos"] = pos
    if pos >= n - 1 and not live:
        state["playing"] = False  # the last update is on screen: done


def _replay_controls(key: str, state: dict, n: int, shown_at: int, live: bool,
                     one_row: bool = False) -> None:
    """Play / Pause, the update slider, the pace and (while training) Live; in two rows,
    or in ``one_row`` above a pair of maps."""
    def play() -> None:
        if state["pos"] is None or state["pos"] >= n - 1:
            state["pos"] = 0  # from the start: the class sees the run again
        state["playing"], state["t"] = True, time.monotonic()

    def pause() -> None:
        state["playing"] = False

    # One slider per position shown (its key ends in it), drawn with that value: the
    # page moves it by drawing another, never by writing a drawn widget's state.
    slider_key = f"{key}_replay_pos_{shown_at}"

    def moved() -> None:
        value = int(st.session_state[slider_key])
        if value != shown_at:  # a new slider also reports its first value: not a move
            state["pos"], state["playing"] = value, False

    def follow() -> None:
        state["pos"], state["playing"] = None, False

    c = st.columns([1.3, 4.2, 3.4] if one_row else [1.3, 5.2], vertical_alignment="bottom")
    if state["playing"]:
        c[0].button("Pause", key=f"{key}_replay_pause", on_click=pause, icon=":material/pause:",
                    help="Hold the replay at this update.")
    else:
        c[0].button("Play", key=f"{key}_replay_play", on_click=play,
                    icon=":material/play_arrow:",
                    help=REPLAY_PLAY_HELP)
    c[1].slider("Replay: target update", 0, n - 1, value=shown_at, key=slider_key,
                on_change=moved,
                help=REPLAY_TEXT)
    c = c[2:] + [st.empty()] if one_row else st.columns([3.6, 1.3, 1.6],
                                                         vertical_alignment="bottom")
    c[0].segmented_control("Seconds per update", list(PLAY_SPEEDS), default=DEFAULT_PLAY_SPEED,
                           key=f"{key}_replay_speed", format_func=lambda s: f"{s:g} s",
                           help=REPLAY_SPEED_HELP)
    if live:
        c[1].button("Live", key=f"{key}_replay_live", on_click=follow,
                    disabled=state["pos"] is None, icon=":material/sensors:",
                    help="Follow the newest update again.")


LOCKSTEP_MAP_HEIGHT = 310  # two maps and their controls on one 1280x720 screen (projector: 387)


def lockstep_maps(key: str, source, *, pair_id: str, poll_s: float) -> None:
    """Two runs' maps side by side, at the same update, in one frame, with one replay.

    Both maps share their axes (:func:`explorer.live_map.replay.shared_box`) and the
    update shown; Play, the slider and the pace are :func:`replay_map`'s. While
    a run still trains, the pair follows the newest update both have reached.

    Parameters
    ----------
    key : str
        Prefix of the widget and chart keys.
    source : callable
        Returns ``(frames, names, live, problem)`` now: each run's replay frames
        (:mod:`explorer.live_map.replay`), its name (what differs), whether a run still
        trains, and why the pair cannot play in lockstep (None when it can,
        :func:`explorer.analysis.lockstep.refusal`). Called at every run of the maps:
        keep it cheap (cached).
    pair_id : str
        Identifies the pair (a new pair starts its replay anew).
    poll_s : float
        How often the maps look for new updates while a run trains.
    """
    state = _replay_state(key, pair_id)
    speed_key = f"{key}_replay_speed"
    speed = float(st.session_state.get(speed_key) or DEFAULT_PLAY_SPEED)
    every = speed if state["playing"] else (poll_s if source()[2] else None)

    def body() -> None:
        frames, names, live, problem = source()
        if problem:
            st.error(problem, icon=":material/block:")
            return
        speed_now = float(st.session_state.get(speed_key) or DEFAULT_PLAY_SPEED)
        if (speed_now if state["playing"] else (poll_s if live else None)) != every:
            st.rerun()  # Play, Pause, the pace or the runs' state changed: a new timer
        if not min(len(f) for f in frames):
            st.info("Waiting for both runs to reach their k-means start…")
            return
        # While training: the updates both have. Then all of them: a run that stopped
        # earlier (its tol) stays at its last update beside the other.
        n = (min if live else max)(len(f) for f in frames)
        _advance(state, n, live, speed_now)
        shown_at = n - 1 if state["pos"] is None else min(int(state["pos"]), n - 1)
        if n >= 2:
            _replay_controls(key, state, n, shown_at, live, one_row=True)
        box = replay.shared_box(*(f[:n] for f in frames))
        projector = projector_mode()
        cols = st.columns(len(frames))
        for side, (col, run_frames, name) in enumerate(zip(cols, frames, names)):
            at = min(shown_at, len(run_frames) - 1)
            info = replay.info_at(run_frames[:n], at, box=box)
            k = info["q"].shape[1]
            ended = " (its last: it stopped there)" if at < shown_at else ""
            fig = cached_figure(
                st.session_state, f"{key}_map_{side}", (pair_id, side, at, ended, n, box),
                lambda p, info=info, k=k, name=name, ended=ended: map_figure.embedding_map_figure(
                    info, map_figure.colors_for(info, k), names=map_figure.names_for(info, k),
                    title=f"{name}: update {info['update']}{ended}",
                    height=LOCKSTEP_MAP_HEIGHT, projector=p),
                projector=projector)
            col.plotly_chart(fig, key=f"{key}_map_{side}")
        st.caption(LOCKSTEP_MAPS_CAPTION)

    st.fragment(run_every=every)(body)()
