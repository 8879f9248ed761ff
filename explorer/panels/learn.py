"""The Step-by-step page's pieces: the controls, the lesson view, the switches and the formulas.

Step mode runs a background job that pauses after every target-distribution
update; Step lets exactly one more update through. Play runs on at a chosen
pace: the polling fragment lets the next update through only after it has
drawn the latest one (``Job.advance``), so every update is drawn.

Session keys: ``step_job_id`` (the job shown), ``learn_pinned`` (a tracked row
the class follows), ``learn_point_mode`` / ``learn_point`` (the picker),
``learn_speed`` (Play's pace).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dec_core.baselines import NAMES
from dec_core.presets import method_of
from explorer.analysis import lesson
from explorer.charts import explore as explore_charts
from explorer.charts import lesson as charts
from explorer.charts.cache import cached_figure
from explorer.charts.theme import BADGE_COLORS, cluster_colors
from explorer.jobs import manager
from explorer.live_map import figure as map_figure
from explorer.live_map import panel as live_map_panel
from explorer.live_map.replay import DEFAULT_PLAY_SPEED, PLAY_SPEEDS
from explorer.session.submit import submit
from explorer.session.widgets import bind, chart_columns, projector_mode, store
from explorer.text import teach
from explorer.text.states import queue_place, short_status, step_end_text, step_status

# Heights before projector mode's 1.25x: the map and the q-and-p chart share one row and,
# with the buttons and the counters above them, fit 1280x720 in projector mode.
MAP_HEIGHT = {False: map_figure.MAP_HEIGHT, True: 385}
QP_HEIGHT = {False: 330, True: 255}
POINT_MODES = ("p farthest from q", "least confident", "most confident", "by number")


def step_job():
    """The session's step-mode job (None before the first Start)."""
    return manager().get(st.session_state.get("step_job_id"), st.session_state["owner"])


def _start() -> None:
    new = submit(step_mode=True, name=f"{st.session_state['data']['name']} (step mode)")
    st.session_state["step_job_id"] = new.id
    st.session_state.pop("learn_pinned", None)  # tracked rows belong to one job


def _control(action: str) -> None:
    j = step_job()
    if j is None:
        return
    if action == "step":
        count = len(j.dec)
        j.step()
        j.wait_for_update(count, timeout=1.5)  # so this rerun already draws it
    elif action == "play":
        j.play()
    elif action == "pause":
        j.pause()
    elif action == "stop":
        manager().stop(j.id, st.session_state["owner"])


def controls(job) -> float:
    """The button row (Start, Step, Play, Pause, Stop, the pace); returns Play's seconds."""
    active = job is not None and job.active
    playing = bool(job and job.playing)
    # one row that wraps instead of truncating: every button as wide as its words
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.button("Start in step mode", type="primary", on_click=_start, disabled=active,
                  icon=":material/school:",
                  help=teach.LEARN_BUTTON_HELP["start"])
        st.button("Step", on_click=_control, args=("step",), disabled=not active or playing,
                  icon=":material/skip_next:", help=teach.LEARN_BUTTON_HELP["step"])
        st.button("Play", on_click=_control, args=("play",), disabled=not active or playing,
                  icon=":material/play_arrow:", help=teach.LEARN_BUTTON_HELP["play"])
        st.button("Pause", on_click=_control, args=("pause",),
                  disabled=not active or not playing, icon=":material/pause:",
                  help=teach.LEARN_BUTTON_HELP["pause"])
        st.button("Stop", on_click=_control, args=("stop",), disabled=not active,
                  icon=":material/stop:", help=teach.LEARN_BUTTON_HELP["stop"])
        speed = st.segmented_control(
            "Play speed", list(PLAY_SPEEDS), default=DEFAULT_PLAY_SPEED,
            key="learn_speed", format_func=lambda s: f"{s:g} s", label_visibility="collapsed",
            help=teach.LEARN_SPEED_HELP)
    return float(speed or DEFAULT_PLAY_SPEED)


def _pin(index: int | None) -> None:
    """Pin a tracked row (its index into the job's tracked samples), or unpin with None."""
    if index is None:
        st.session_state.pop("learn_pinned", None)
    else:
        st.session_state["learn_pinned"] = int(index)


def _clicked(key: str) -> None:
    """A click on the map: the clicked point becomes the chosen (pinned) point."""
    row = map_figure.clicked_row((st.session_state.get(key) or {}).get("selection"))
    if row is not None:
        _pin(row)


def chosen_point(q: np.ndarray, p: np.ndarray) -> tuple[int, bool]:
    """The row the q-and-p chart and the map's arrow show, and whether it is pinned."""
    pinned = st.session_state.get("learn_pinned")
    if pinned is not None and 0 <= int(pinned) < len(q):
        return int(pinned), True  # the same sample at every step, whatever the picker says
    mode = st.session_state.get("learn_point_mode", POINT_MODES[0])
    conf = q.max(axis=1)
    if mode == "least confident":
        return int(np.argmin(conf)), False
    if mode == "most confident":
        return int(np.argmax(conf)), False
    if mode == "by number":
        return int(np.clip(st.session_state.get("learn_point", 0), 0, len(q) - 1)), False
    return map_figure.default_point(q, p), False


def _not_yet(job, v: dict) -> bool:
    """Say why there is no update to draw yet (queued, failed, pretraining); True if so."""
    if v["state"] == "queued":
        st.info(f"{queue_place(manager().queue_position(job)).capitalize()}.")
    elif v["state"] == "failed":
        st.error(v["error"])
    elif v["phase"] in ("loading", "pretraining", "kmeans") or not v["step_info"]:
        st.progress(v["progress"], text=teach.step_pretraining_text(len(v["pretrain"]),
                                                                    v["pretrain_epochs"]))
    else:
        return False
    return True


def _status(job, v: dict, last: dict) -> None:
    """The job's state as a badge, the update counter and the changed labels."""
    info = v["step_info"]
    if job.active:  # a badge, not a metric: the words never get clipped ("waiting f…")
        st.badge(step_status(v), icon=":material/pause_circle:" if v["waiting"]
                 else ":material/play_circle:",
                 color=BADGE_COLORS["waiting" if v["waiting"] else "running"])
    else:  # the end on the first screen; why it ended is said in full below the map
        done = v["state"] == "done"
        st.badge(f"{short_status(v)} at update {info['update']}",
                 icon=":material/check_circle:" if done else ":material/stop_circle:",
                 color=BADGE_COLORS["done" if done else "stopped"])
    with st.container(horizontal=True, gap="medium"):
        st.metric("Target update", info["update"], width="content")
        st.metric("Changed labels", f"{last.get('delta_label', 0):.2%}", width="content",
                  help=teach.CHANGED_LABELS_HELP)


def _map(job_id: str, info: dict, i: int, projector: bool) -> None:
    """The embedding map with the chosen point's pull; a click on a point pins it."""
    arrows = st.session_state.get("learn_map_arrows", False)
    size_by = ("gradient" if str(st.session_state.get("learn_map_size", "")).startswith("pull")
               else "confidence")
    # a new key per pinned row: the chart the click pinned from is replaced, so
    # plotly's selection (which fades every other point) never outlives the click
    pinned_row = st.session_state.get("learn_pinned")
    key = "learn_map" if pinned_row is None else f"learn_map_{pinned_row}"
    k = info["q"].shape[1]
    # rebuilt only when what it shows changed: the page polls every 0.8 s
    fig = cached_figure(
        st.session_state, "learn_lesson_map",  # not "learn_map": the map panel's key
        (job_id, info["update"], arrows, size_by, i,
         tuple(sorted((info.get("mapping") or {}).items()))),
        lambda p: map_figure.embedding_map_figure(
            info, map_figure.colors_for(info, k), names=map_figure.names_for(info, k), arrows=arrows,
            size_by=size_by, highlight=i, pull=True, height=MAP_HEIGHT[p], projector=p),
        projector=projector)
    st.plotly_chart(fig, key=key, on_select=lambda: _clicked(key), selection_mode="points")


def _point_picker(info: dict, q: np.ndarray, i: int, pinned: bool, last: dict) -> None:
    """The pull's caption, which point to show, Pin / Unpin, the iteration and ACC."""
    if map_figure.has_map(info):
        st.caption(teach.pull_caption(map_figure.pull_arrow(info, i), i))
    st.radio("Point", POINT_MODES, horizontal=True, key="learn_point_mode",
             disabled=pinned, help=teach.POINT_MODE_HELP)
    if st.session_state.get("learn_point_mode") == "by number" and not pinned:
        st.number_input(f"Sample (0 … {len(q) - 1})", 0, len(q) - 1, 0,
                        key="learn_point", help="Index among the tracked samples.")
    if pinned:
        st.button(f"Unpin point #{i}", key="learn_unpin", on_click=_pin, args=(None,),
                  icon=":material/keep_off:", help="Follow the picker again.")
    else:
        st.button("Pin this point", key="learn_pin", on_click=_pin, args=(i,),
                  icon=":material/keep:", help=teach.PIN_HELP)
    with st.container(horizontal=True, gap="medium"):
        st.metric("DEC iteration", last.get("iteration", 0), width="content")
        if "acc" in last:
            st.metric("ACC", f"{last['acc']:.3f}", width="content")


def _end(job, v: dict) -> None:
    """Why the job ended, in full; or, while it waits, what to press."""
    if not job.active:
        n_samples = (v["dataset"] or {}).get("n_samples")
        (st.success if v["state"] == "done" else st.info)(step_end_text(v, n_samples))
    elif not v["playing"]:
        st.caption(teach.LEARN_NEXT_HINT)


def _clusters(v: dict, colors: dict, projector: bool) -> None:
    """Below the lesson: confidence per cluster, P sharpening Q, and the cluster sizes."""
    info = v["step_info"]
    k = info["q"].shape[1]
    names = {j: name.removeprefix("cluster ")  # "3 → 8", "11 (no class)": narrow panels
             for j, name in explore_charts.cluster_names(range(k), info.get("mapping"),
                                                         (v["dataset"] or {}).get("class_names"),
                                                         has_labels=True).items()
             } if info.get("mapping") is not None else None
    left, right = chart_columns([3, 2])
    left.plotly_chart(charts.confidence_by_cluster_figure(
        info["confidence"], info["labels"], k, colors=colors, names=names, projector=projector),
        key="conf_hist")
    right.plotly_chart(charts.sharpening_figure(v["sharpening"], projector=projector),
                       key="sharpen")
    st.plotly_chart(charts.sizes_figure(info["f"], info["sizes"], colors=colors,
                                        projector=projector), key="sizes")


def lesson_view(job_id: str) -> int | None:
    """Draw the job's latest state; returns the target update drawn (None before DEC)."""
    job = manager().get(job_id, st.session_state["owner"])
    if job is None:
        return None
    v = job.view()
    if _not_yet(job, v):
        return None
    info = v["step_info"]
    last = v["dec"][-1] if v["dec"] else {}
    projector = projector_mode()
    q, p = info["q"], info["p"]
    i, pinned = chosen_point(q, p)
    # the colour rule of every page: a cluster wears its matched class's colour
    colors = cluster_colors(range(q.shape[1]), info.get("mapping"), info.get("n_classes"))
    # halves: the map's equal-aspect plot is as tall as the row allows, so a wider column
    # would only add empty margin beside it; the q-and-p chart gets the room instead
    left, right = st.columns(2, gap="small")
    with right:
        _status(job, v, last)
        st.plotly_chart(charts.q_vs_p_figure(q[i], p[i], i, colors=colors, pinned=pinned,
                                             height=QP_HEIGHT[projector], projector=projector),
                        key="qp")
    with left:
        if map_figure.has_map(info):
            _map(job_id, info, i, projector)
    with right:
        _point_picker(info, q, i, pinned, last)
    with left:
        if map_figure.has_map(info):
            live_map_panel.options("learn")
            st.caption(teach.FRAME_TEXT + teach.map_range_text(info))
    _end(job, v)
    # below the lesson: the data's own space (2-D data), the prototypes, the gradient
    if map_figure.has_map(info):
        live_map_panel.draw(info, v["dataset"], key="learn", fingerprint=(job_id, info["update"]),
                       highlight=i, show_map=False)
    _clusters(v, colors, projector)
    return int(info["update"])


def follow(job_id: str, *, active: bool, playing: bool, speed: float) -> None:
    """The lesson view in a fragment that polls while the job runs.

    While playing, the fragment reruns once per chosen interval and, having drawn
    the latest update, lets exactly one more through (computed while it is on screen).
    """
    @st.fragment(run_every=(speed if playing else 0.8) if active else None)
    def live():
        drawn = lesson_view(job_id)
        j = manager().get(job_id, st.session_state["owner"])
        if j is not None and j.playing and drawn is not None:
            j.advance(drawn)
        if active and (j is None or not j.active):
            st.rerun()
        # redraw the buttons when the job starts waiting, so Step becomes usable
        if j is not None and j.phase == "dec" and st.session_state.get("_learn_phase") != "dec":
            st.session_state["_learn_phase"] = "dec"
            st.rerun()

    live()


def target_switches(job) -> None:
    """The target's power and / f_j, for the next start; says when the job shown differs."""
    st.markdown(teach.TARGET_SWITCHES_HEADING)
    t1, t2 = st.columns(2)
    t1.select_slider("Target power (p ∝ q^power)",
                     lesson.power_options(st.session_state["train"]["target_power"]),
                     key=bind("train", "target_power"), format_func=lambda v: f"{v:g}")
    store("train", "target_power")
    t1.caption(teach.SWITCH_CAPTIONS["target_power"])
    t2.toggle("Divide by the cluster size f_j", key=bind("train", "normalize_frequency"))
    store("train", "normalize_frequency")
    t2.caption(teach.SWITCH_CAPTIONS["normalize_frequency"])
    if job is not None:
        running = job.config.get("train", {})
        used = {k: running.get(k, lesson.TARGET_DEFAULTS[k]) for k in lesson.TARGET_DEFAULTS}
        if used != {k: st.session_state["train"][k] for k in lesson.TARGET_DEFAULTS}:
            st.caption(teach.switches_pending_text(used))
    try:  # both settings of a switch at once: two runs from one start, side by side
        st.page_link("pages/lockstep.py", label=teach.LOCKSTEP_LINK,
                     icon=":material/compare_arrows:")
    except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
        pass


@st.fragment
def kernel_explorer() -> None:
    """Q's kernel and P's sharpening under sliders: pure NumPy, redrawn at once."""
    model, train = st.session_state["model"], st.session_state["train"]
    a1, a2, a3, a4 = st.columns(4)
    alpha = a1.select_slider("α (degrees of freedom)", lesson.alpha_options(model["alpha"]),
                             value=float(model["alpha"]), key="kx_alpha",
                             format_func=lambda v: f"{v:g}")
    power = a2.select_slider("power", lesson.power_options(train["target_power"]),
                             value=float(train["target_power"]), key="kx_power",
                             format_func=lambda v: f"{v:g}")
    top = a3.slider("q of cluster 0", 0.3, 0.95, 0.5, 0.05, key="kx_top")
    big = a4.select_slider("size f_0 vs each other cluster", lesson.SIZE_RATIOS, value=1.0,
                           key="kx_big", format_func=lambda v: f"{v:g}×")
    divide = st.toggle("divide by f_j", value=bool(train["normalize_frequency"]), key="kx_div")
    projector = projector_mode()
    left, right = chart_columns(2)
    left.plotly_chart(charts.kernel_figure(alpha, projector=projector), key="kx_kernel")
    q, f = lesson.example_row(4, top, big)
    right.plotly_chart(charts.sharpen_figure(q, f, power, divide, projector=projector),
                       key="kx_sharpen")
    st.caption(teach.kernel_caption(alpha, q, f, power, divide))


def formulas(job) -> None:
    """The six formulas of the run on screen (its own settings), else of the current settings."""
    train = job.config["train"] if job is not None else st.session_state["train"]
    method = method_of(train)
    with st.expander(f"The algorithm in six formulas ({NAMES[method]})", expanded=False):
        # the stop rule in points of these data: the job's size, else an explicit subsample
        n = ((job.dataset_info or {}).get("n_samples") if job is not None
             else st.session_state["data"].get("n_samples")) or None
        for title, latex, text in teach.panels(method, train.get("gamma"), train.get("tol"), n):
            st.markdown(f"**{title}**")
            st.latex(latex)
            st.markdown(text)
