"""Learn: DEC one target update at a time, with the formulas below it.

Step mode runs a background job that pauses after every target-distribution
update; Step lets exactly one more update through. Play runs on at a chosen
pace: the polling fragment lets the next update through only after it has
drawn the latest one (``Job.advance``), so every update is drawn.

One screen holds the lesson (projector mode at 1280x720 included): the buttons,
the update counter and the changed labels, the map and the chosen point's q and
p. Clicking a point on the map chooses it; the switches, the kernel explorer
and the formulas come below.
"""

import numpy as np
import streamlit as st

from dec_core.baselines import NAMES
from explorer.analysis import compare
from explorer.charts import explore as explore_charts
from explorer.charts.theme import cluster_colors
from explorer.jobs import manager
from explorer.live_map import figure as dec_map
from explorer.live_map import panel as map_panel
from explorer.session.page import init_page
from explorer.session.widgets import bind, chart_columns, projector_mode, shown, store
from explorer.text import teach
from explorer.text.states import step_status

INTRO = ("Run DEC one target update at a time and watch the target P sharpen the soft "
         "assignment Q. Data and model come from the Data and Model pages; training "
         "settings from the Train page. Click a point on the map to follow it.")
# Heights before projector mode's 1.25x: the map and the q-and-p chart share one row and,
# with the buttons and the counters above them, fit 1280x720 in projector mode.
MAP_HEIGHT = {False: dec_map.MAP_HEIGHT, True: 385}
QP_HEIGHT = {False: 330, True: 255}
POINT_MODES = ("p farthest from q", "least confident", "most confident", "by number")

init_page()
jobs = manager()
owner = st.session_state["owner"]

st.title("Learn DEC step by step", help=INTRO)

job = jobs.get(st.session_state.get("step_job_id"), owner)
active = job is not None and job.active


def _start():
    config = {k: dict(st.session_state[k]) for k in ("data", "model", "train")}
    upload = st.session_state.get("upload") if config["data"]["name"] == "file" else None
    new = manager().submit(st.session_state["owner"], config, upload, step_mode=True,
                           name=f"{config['data']['name']} (step mode)")
    st.session_state["step_job_id"] = new.id
    st.session_state.pop("learn_pinned", None)  # tracked rows belong to one job


def _control(action: str):
    j = manager().get(st.session_state.get("step_job_id"), st.session_state["owner"])
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


def _pin(index: int | None) -> None:
    """Pin a tracked row (its index into the job's tracked samples), or unpin with None."""
    if index is None:
        st.session_state.pop("learn_pinned", None)
    else:
        st.session_state["learn_pinned"] = int(index)


def _clicked(key: str) -> None:
    """A click on the map: the clicked point becomes the chosen (pinned) point."""
    row = dec_map.clicked_row((st.session_state.get(key) or {}).get("selection"))
    if row is not None:
        _pin(row)


# One row that wraps instead of truncating: every button as wide as its words.
playing = bool(job and job.playing)
with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
    st.button("Start in step mode", type="primary", on_click=_start, disabled=active,
              icon=":material/school:",
              help="Pretrain and run k-means as usual, then pause before every DEC update.")
    st.button("Step", on_click=_control, args=("step",), disabled=not active or playing,
              icon=":material/skip_next:", help="Compute exactly one more target update (P), "
              "then train update-interval batches towards it.")
    st.button("Play", on_click=_control, args=("play",), disabled=not active or playing,
              icon=":material/play_arrow:", help="Run the updates one after another, at the "
              "chosen speed, until Pause or until the stop rule fires.")
    st.button("Pause", on_click=_control, args=("pause",), disabled=not active or not playing,
              icon=":material/pause:", help="Hold after the current update.")
    st.button("Stop", on_click=_control, args=("stop",), disabled=not active,
              icon=":material/stop:", help="End training; the model so far is saved.")
    speed = st.segmented_control(
        "Play speed", list(teach.PLAY_SPEEDS), default=teach.DEFAULT_PLAY_SPEED,
        key="learn_speed", format_func=lambda s: f"{s:g} s", label_visibility="collapsed",
        help="Seconds each update stays on screen while playing. Every update is drawn: the "
        "next one is computed only after the page showed this one.")
speed = float(speed or teach.DEFAULT_PLAY_SPEED)


def _map_figure(info: dict, fingerprint: tuple, **kwargs):
    """The map, rebuilt only when what it shows changed (the page polls every 0.8 s)."""
    hit = st.session_state.get("_learn_map_figure")
    if hit is None or hit[0] != fingerprint:
        k = info["q"].shape[1]
        fig = dec_map.embedding_map_figure(info, dec_map.colors_for(info, k),
                                           names=dec_map.names_for(info, k), **kwargs)
        hit = st.session_state["_learn_map_figure"] = (fingerprint, fig)
    return hit[1]


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
    return dec_map.default_point(q, p), False


def draw(job_id: str) -> int | None:
    """Draw the job's latest state; returns the target update drawn (None before DEC)."""
    job = manager().get(job_id, st.session_state["owner"])
    if job is None:
        return None
    v = job.view()
    info = v["step_info"]
    if v["state"] == "queued":
        st.info(f"Queued at position {manager().queue_position(job)}.")
        return None
    if v["state"] == "failed":
        st.error(v["error"])
        return None
    if v["phase"] in ("loading", "pretraining", "kmeans") or not info:
        done = len(v["pretrain"])
        st.progress(v["progress"], text=f"Pretraining the autoencoder: epoch {done} of "
                    f"{v['pretrain_epochs']} — step mode starts after k-means.")
        return None
    last = v["dec"][-1] if v["dec"] else {}
    n_samples = (v["dataset"] or {}).get("n_samples")
    projector = projector_mode()
    q, p = info["q"], info["p"]
    k = q.shape[1]
    i, pinned = chosen_point(q, p)
    # the colour rule of every page: a cluster wears its matched class's colour
    colors = cluster_colors(range(k), info.get("mapping"), info.get("n_classes"))

    # halves: the map's equal-aspect plot is as tall as the row allows, so a wider column
    # would only add empty margin beside it; the q-and-p chart gets the room instead
    left, right = st.columns(2, gap="small")
    with right:
        if job.active:  # a badge, not a metric: the words never get clipped ("waiting f…")
            st.badge(step_status(v), icon=":material/pause_circle:" if v["waiting"]
                     else ":material/play_circle:", color="blue" if v["waiting"] else "green")
        else:  # the end on the first screen; why it ended is said in full below the map
            done = v["state"] == "done"
            st.badge(f"{'finished' if done else v['state']} at update {info['update']}",
                     icon=":material/check_circle:" if done else ":material/stop_circle:",
                     color="green" if done else "gray")
        with st.container(horizontal=True, gap="medium"):
            st.metric("Target update", info["update"], width="content")
            st.metric("Changed labels", f"{last.get('delta_label', 0):.2%}", width="content",
                      help="Share of points whose cluster changed since the previous update.")
        st.plotly_chart(teach.q_vs_p_figure(q[i], p[i], i, colors=colors, pinned=pinned,
                                            height=QP_HEIGHT[projector]), key="qp")
    with left:
        arrows, size_by = (st.session_state.get("learn_map_arrows", False),
                           "gradient" if str(st.session_state.get("learn_map_size", ""))
                           .startswith("pull") else "confidence")
        if dec_map.has_map(info):
            # a new key per pinned row: the chart the click pinned from is replaced, so
            # plotly's selection (which fades every other point) never outlives the click
            pinned_row = st.session_state.get("learn_pinned")
            key = "learn_map" if pinned_row is None else f"learn_map_{pinned_row}"
            fig = _map_figure(info, (job_id, info["update"], arrows, size_by, i, projector,
                                     tuple(sorted((info.get("mapping") or {}).items()))),
                              arrows=arrows, size_by=size_by, highlight=i, pull=True,
                              height=MAP_HEIGHT[projector])
            st.plotly_chart(fig, key=key, on_select=lambda: _clicked(key),
                            selection_mode="points")
    with right:
        if dec_map.has_map(info):
            st.caption(dec_map.pull_caption(dec_map.pull_arrow(info, i), i))
        st.radio("Point", POINT_MODES, horizontal=True, key="learn_point_mode",
                 disabled=pinned, help="Which sample to inspect when none is pinned: q is its "
                 "current soft assignment, p the target it is pulled towards. \"p farthest "
                 "from q\" is the row with the largest Σ_j |p_ij − q_ij|.")
        if st.session_state.get("learn_point_mode") == "by number" and not pinned:
            st.number_input(f"Sample (0 … {len(q) - 1})", 0, len(q) - 1, 0,
                            key="learn_point", help="Index among the tracked samples.")
        if pinned:
            st.button(f"Unpin point #{i}", key="learn_unpin", on_click=_pin, args=(None,),
                      icon=":material/keep_off:", help="Follow the picker again.")
        else:
            st.button("Pin this point", key="learn_pin", on_click=_pin, args=(i,),
                      icon=":material/keep:", help="Keep this sample's q and p bars (and its "
                      "place on the map) across steps, so the class can follow one point. "
                      "Clicking a point on the map pins it too.")
        with st.container(horizontal=True, gap="medium"):
            st.metric("DEC iteration", last.get("iteration", 0), width="content")
            if "acc" in last:
                st.metric("ACC", f"{last['acc']:.3f}", width="content")
    with left:
        if dec_map.has_map(info):
            map_panel.options("learn")
            st.caption(map_panel.FRAME_TEXT + map_range_text(info))
    if not job.active:
        end = teach.stop_text(v.get("stop") or v["message"], n_samples, banner=True,
                              state=v["state"])
        (st.success if v["state"] == "done" else st.info)(
            ("Finished: " if v["state"] == "done" else "Stopped: ") + end)
    elif not v["playing"]:
        st.caption("Press **Step** for one more update, or **Play** to run on.")

    # below the lesson: the data's own space (2-D data), the prototypes, the gradient
    if dec_map.has_map(info):
        map_panel.draw(info, v["dataset"], key="learn", fingerprint=(job_id, info["update"]),
                       highlight=i, show_map=False)
    names = {j: name.removeprefix("cluster ")  # "3 → 8", "11 (no class)": narrow panels
             for j, name in explore_charts.cluster_names(range(k), info.get("mapping"),
                                                (v["dataset"] or {}).get("class_names"),
                                                has_labels=True).items()
             } if info.get("mapping") is not None else None
    left, right = chart_columns([3, 2])
    with left:
        st.plotly_chart(teach.confidence_by_cluster_figure(info["confidence"], info["labels"], k,
                                                colors=colors, names=names), key="conf_hist")
    with right:
        st.plotly_chart(teach.sharpening_figure(v["sharpening"]), key="sharpen")
    st.plotly_chart(teach.sizes_figure(info["f"], info["sizes"], colors=colors), key="sizes")
    return int(info["update"])


def map_range_text(info: dict) -> str:
    """The map's axes in words: fixed since update 0, or since the update that widened them."""
    since = int(info.get("xy_range_since", 0) or 0)
    if since == 0:
        return " The axes are fixed at update 0, with room for the clusters to spread."
    return (f" The axes were fixed at update 0 and widened at update {since}, when points "
            "left them.")


job_id = st.session_state.get("step_job_id")
if job_id is None:
    st.info("Press **Start in step mode**. The autoencoder is pretrained first (the Train page's "
            "settings; a pretrained one is reused when nothing changed), then DEC waits for "
            "you before every update.")
else:
    # While playing, the fragment reruns once per chosen interval and, having drawn
    # the latest update, lets exactly one more through (computed while it is on screen).
    @st.fragment(run_every=(speed if playing else 0.8) if active else None)
    def live():
        drawn = draw(job_id)
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

st.divider()
with st.container(border=True):
    st.markdown("**Target switches** (they apply at the next **Start in step mode**)")
    t1, t2 = st.columns(2)
    running_train = (job.config.get("train", {}) if job is not None else {})
    t1.select_slider("Target power (p ∝ q^power)",
                     teach.power_options(st.session_state["train"]["target_power"]),
                     key=bind("train", "target_power"), format_func=lambda v: f"{v:g}")
    store("train", "target_power")
    t1.caption(teach.SWITCH_CAPTIONS["target_power"])
    t2.toggle("Divide by the cluster size f_j", key=bind("train", "normalize_frequency"))
    store("train", "normalize_frequency")
    t2.caption(teach.SWITCH_CAPTIONS["normalize_frequency"])
    if job is not None:
        used = {k: running_train.get(k, teach.TARGET_DEFAULTS[k]) for k in teach.TARGET_DEFAULTS}
        if used != {k: st.session_state["train"][k] for k in teach.TARGET_DEFAULTS}:
            st.caption(f"The job shown uses {teach.target_text(**used)}; the switches apply "
                       "at the next **Start in step mode**.")
    try:  # both settings of a switch at once: two runs from one start, side by side
        st.page_link("pages/lockstep.py", label="See a switch's two settings side by side, "
                     "update by update: Lockstep", icon=":material/compare_arrows:")
    except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
        pass


@st.fragment
def kernel_explorer() -> None:
    """Q's kernel and P's sharpening under sliders: pure NumPy, redrawn at once."""
    model, train = st.session_state["model"], st.session_state["train"]
    a1, a2, a3, a4 = st.columns(4)
    alpha = a1.select_slider("α (degrees of freedom)", teach.alpha_options(model["alpha"]),
                             value=float(model["alpha"]), key="kx_alpha",
                             format_func=lambda v: f"{v:g}")
    power = a2.select_slider("power", teach.power_options(train["target_power"]),
                             value=float(train["target_power"]), key="kx_power",
                             format_func=lambda v: f"{v:g}")
    top = a3.slider("q of cluster 0", 0.3, 0.95, 0.5, 0.05, key="kx_top")
    big = a4.select_slider("size f_0 vs each other cluster", teach.SIZE_RATIOS, value=1.0,
                           key="kx_big", format_func=lambda v: f"{v:g}×")
    divide = st.toggle("divide by f_j", value=bool(train["normalize_frequency"]), key="kx_div")
    left, right = chart_columns(2)
    left.plotly_chart(teach.kernel_figure(alpha), key="kx_kernel")
    q, f = teach.example_row(4, top, big)
    right.plotly_chart(teach.sharpen_figure(q, f, power, divide), key="kx_sharpen")
    st.caption(teach.kernel_caption(alpha, q, f, power, divide))


with st.expander("Kernel explorer: α, the power and f_j, without training",
                 icon=":material/tune:"):
    kernel_explorer()

if shown("explain"):
    # the formulas of the run on screen (its own settings), else of the current settings
    train = job.config["train"] if job is not None else st.session_state["train"]
    method = compare.method_of(train)
    with st.expander(f"The algorithm in six formulas ({NAMES[method]})", expanded=False):
        for title, latex, text in teach.panels(method, train.get("gamma"), train.get("tol")):
            st.markdown(f"**{title}**")
            st.latex(latex)
            st.markdown(text)
