"""Learn: DEC one target update at a time, with the formulas beside it.

Step mode runs a background job that pauses after every target-distribution
update; Step lets exactly one more update through, Play lets them all run.
"""

import numpy as np
import streamlit as st

from dec_core.baselines import NAMES
from explorer import compare, plots, teach
from explorer import train_charts as charts
from explorer.jobs import manager
from explorer.theme import cluster_colors
from explorer.ui import init_page, shown, step_status

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


def _start():
    config = {k: dict(st.session_state[k]) for k in ("data", "model", "train")}
    upload = st.session_state.get("upload") if config["data"]["name"] == "file" else None
    new = manager().submit(st.session_state["owner"], config, upload, step_mode=True,
                           name=f"{config['data']['name']} (step mode)")
    st.session_state["step_job_id"] = new.id


def _control(action: str):
    j = manager().get(st.session_state.get("step_job_id"), st.session_state["owner"])
    if j is None:
        return
    if action == "step":
        j.step()
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
            icon=":material/play_arrow:", help="Run the updates one after another until "
            "Pause, or until the stop rule fires.")
c[3].button("Pause", on_click=_control, args=("pause",), disabled=not active or not playing,
            icon=":material/pause:", help="Hold after the current update.")
c[4].button("Stop", on_click=_control, args=("stop",), disabled=not active,
            icon=":material/stop:", help="End training; the model so far is saved.")


def draw(job_id: str) -> None:
    job = manager().get(job_id, st.session_state["owner"])
    if job is None:
        return
    v = job.view()
    info = v["step_info"]
    if v["state"] == "queued":
        st.info(f"Queued at position {manager().queue_position(job)}.")
        return
    if v["state"] == "failed":
        st.error(v["error"])
        return
    if v["phase"] in ("loading", "pretraining", "kmeans") or not info:
        done = len(v["pretrain"])
        st.progress(v["progress"], text=f"Pretraining the autoencoder: epoch {done} of "
                    f"{v['pretrain_epochs']} — step mode starts after k-means.")
        return
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
        end = charts.finish_text(v["state"], v["message"], v["dec"], n_samples,
                                 float(v["config"]["train"]["tol"]))
        (st.success if v["state"] == "done" else st.info)(
            ("Finished: " if v["state"] == "done" else "Stopped: ") + end)

    q, p = info["q"], info["p"]
    k = q.shape[1]
    # the colour rule of every page: a cluster wears its matched class's colour
    colors = cluster_colors(range(k), info.get("mapping"), info.get("n_classes"))
    names = {j: name.removeprefix("cluster ")  # "3 → 8", "11 (no class)": narrow panels
             for j, name in plots.cluster_names(range(k), info.get("mapping"),
                                                (v["dataset"] or {}).get("class_names"),
                                                has_labels=True).items()
             } if info.get("mapping") is not None else None
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(teach.confidence_figure(info["confidence"], info["labels"], k,
                                                colors=colors, names=names), key="conf_hist")
    with right:
        st.plotly_chart(teach.sharpening_figure(v["sharpening"]), key="sharpen")
    left, right = st.columns(2)
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
        st.plotly_chart(teach.q_vs_p_figure(q[i], p[i], int(i), colors=colors), key="qp")
    with right:
        st.plotly_chart(teach.sizes_figure(info["f"], info["sizes"], colors=colors), key="sizes")
    if job.active and not v["playing"]:
        st.caption("Press **Step** for one more update, or **Play** to run on.")


job_id = st.session_state.get("step_job_id")
if job_id is None:
    st.info("Press **Start in step mode**. The autoencoder is pretrained first (the Train page's "
            "settings; a pretrained one is reused when nothing changed), then DEC waits for "
            "you before every update.")
else:
    @st.fragment(run_every=0.8 if active else None)
    def live():
        draw(job_id)
        j = manager().get(job_id, st.session_state["owner"])
        if active and (j is None or not j.active):
            st.rerun()
        # redraw the buttons when the job starts waiting, so Step becomes usable
        if j is not None and j.phase == "dec" and st.session_state.get("_learn_phase") != "dec":
            st.session_state["_learn_phase"] = "dec"
            st.rerun()

    live()
