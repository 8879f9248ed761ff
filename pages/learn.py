"""Learn: DEC one target update at a time, with the formulas beside it.

Step mode runs a background job that pauses after every target-distribution
update; Step lets exactly one more update through. Play runs on at a chosen
pace: the polling fragment lets the next update through only after it has
drawn the latest one (``Job.advance``), so every update is drawn.
"""

import numpy as np
import streamlit as st

from dec_core.baselines import NAMES
from explorer import compare, explore_charts, map_panel, teach
from explorer.jobs import manager
from explorer.theme import cluster_colors
from explorer.ui import bind, chart_columns, init_page, shown, step_status, store

init_page()
jobs = manager()
owner = st.session_state["owner"]

st.title("Learn DEC step by step")
st.caption("Run DEC one target update at a time and watch the target P sharpen the soft "
           "assignment Q. Data and model come from the Data and Model pages; training "
           "settings from the Train page.")

job = jobs.get(st.session_state.get("step_job_id"), owner)
active = job is not None and job.active

if shown("explain"):
    # the formulas of the run on screen (its own settings), else of the current settings
    train = job.config["train"] if job is not None else st.session_state["train"]
    method = compare.method_of(train)
    with st.expander(f"The algorithm in six formulas ({NAMES[method]})", expanded=False):
        for title, latex, text in teach.panels(method, train.get("gamma"), train.get("tol")):
            st.markdown(f"**{title}**")
            st.latex(latex)
            st.markdown(text)



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


c = st.columns([1.9, 1, 1, 1.15, 1, 2.35])  # "Pause" needs the room of its icon and word
c[0].button("Start in step mode", type="primary", on_click=_start, disabled=active,
            icon=":material/school:",
            help="Pretrain and run k-means as usual, then pause before every DEC update.")
playing = bool(job and job.playing)
c[1].button("Step", on_click=_control, args=("step",), disabled=not active or playing,
            icon=":material/skip_next:", help="Compute exactly one more target update (P), "
            "then train update-interval batches towards it.")
c[2].button("Play", on_click=_control, args=("play",), disabled=not active or playing,
            icon=":material/play_arrow:", help="Run the updates one after another, at the "
            "chosen speed, until Pause or until the stop rule fires.")
c[3].button("Pause", on_click=_control, args=("pause",), disabled=not active or not playing,
            icon=":material/pause:", help="Hold after the current update.")
c[4].button("Stop", on_click=_control, args=("stop",), disabled=not active,
            icon=":material/stop:", help="End training; the model so far is saved.")
speed = c[5].segmented_control(
    "Play speed", list(teach.PLAY_SPEEDS), default=teach.DEFAULT_PLAY_SPEED, key="learn_speed",
    format_func=lambda s: f"{s:g} s", help="Seconds each update stays on screen while playing. "
    "Every update is drawn: the next one is computed only after the page showed this one.")
speed = float(speed or teach.DEFAULT_PLAY_SPEED)

with st.container(border=True):
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
    if job.active:  # a badge, not a metric: the words never get clipped ("waiting f…")
        st.badge(step_status(v), icon=":material/pause_circle:" if v["waiting"]
                 else ":material/play_circle:", color="blue" if v["waiting"] else "green")
    m = st.columns(4)
    m[0].metric("Target update", info["update"])
    m[1].metric("DEC iteration", last.get("iteration", 0))
    m[2].metric("Changed labels", f"{last.get('delta_label', 0):.2%}",
                help="Share of points whose cluster changed since the previous update.")
    if "acc" in last:
        m[3].metric("ACC", f"{last['acc']:.3f}")
    if not job.active:
        end = teach.stop_text(v.get("stop") or v["message"], n_samples, banner=True,
                              state=v["state"])
        (st.success if v["state"] == "done" else st.info)(
            ("Finished: " if v["state"] == "done" else "Stopped: ") + end)

    if "xy" in info:  # the embedding with its centroids (explorer.map_panel)
        arrows, size_by = map_panel.options("learn")
        pinned = st.session_state.get("learn_pinned")  # ringed on the map across steps
        map_panel.draw(info, v["dataset"], key="learn", fingerprint=(job_id, info["update"]),
                       arrows=arrows, size_by=size_by,
                       highlight=None if pinned is None else int(pinned))
    q, p = info["q"], info["p"]
    k = q.shape[1]
    # the colour rule of every page: a cluster wears its matched class's colour
    colors = cluster_colors(range(k), info.get("mapping"), info.get("n_classes"))
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
    left, right = chart_columns(2)
    with left:
        conf = q.max(axis=1)
        pick = st.radio("Point", ["least confident", "most confident", "by number"],
                        horizontal=True, key="learn_point_mode",
                        help="Which sample to inspect: q is its current soft assignment, p "
                             "the target it is pulled towards.")
        if pick == "by number":
            i = st.number_input(f"Sample (0 … {len(q) - 1})", 0, len(q) - 1, 0,
                                key="learn_point", help="Index among the tracked samples.")
        else:
            i = int(np.argmin(conf) if pick == "least confident" else np.argmax(conf))
        pinned = st.session_state.get("learn_pinned")
        if pinned is not None and 0 <= int(pinned) < len(q):
            i = int(pinned)  # the same sample at every step, whatever the picker says
            st.button(f"Unpin point #{i}", key="learn_unpin", on_click=_pin, args=(None,),
                      icon=":material/keep_off:", help="Follow the picker again.")
        else:
            st.button("Pin this point", key="learn_pin", on_click=_pin, args=(int(i),),
                      icon=":material/keep:", help="Keep this sample's q and p bars (and its "
                      "place on the map) across steps, so the class can follow one point.")
        st.plotly_chart(teach.q_vs_p_figure(q[i], p[i], int(i), colors=colors,
                                            pinned=pinned is not None), key="qp")
    with right:
        st.plotly_chart(teach.sizes_figure(info["f"], info["sizes"], colors=colors), key="sizes")
    if job.active and not v["playing"]:
        st.caption("Press **Step** for one more update, or **Play** to run on.")
    return int(info["update"])


def _pin(index: int | None) -> None:
    """Pin a tracked row (its index into the job's tracked samples), or unpin with None."""
    if index is None:
        st.session_state.pop("learn_pinned", None)
    else:
        st.session_state["learn_pinned"] = int(index)


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
