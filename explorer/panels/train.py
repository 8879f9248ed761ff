"""The Train page's panels: the notes before Start, cost, controls, the live view, the result.

``pages/train.py`` composes them top-down (the settings panel is
:mod:`explorer.panels.train_settings`). The words come from
:mod:`explorer.text.teach` (Train section) and :mod:`explorer.text.states`, the
figures from :mod:`explorer.charts.train`, cached by :mod:`explorer.charts.cache`
with projector mode in every key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from dec_core.baselines import NAMES as BASELINE_NAMES
from dec_core.metrics import matched_confusion_matrix
from dec_core.notebook import build_notebook, dumps
from dec_core.presets import default_n_clusters, method_of
from explorer.charts import explore as explore_charts
from explorer.charts import train as charts
from explorer.charts.cache import cached_figure
from explorer.jobs import manager
from explorer.live_map import panel as live_map_panel
from explorer.live_map import replay
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.state import cli_config
from explorer.session.submit import start_job
from explorer.session.widgets import chart_columns, projector_mode, set_setting, shown
from explorer.text import states, teach

if TYPE_CHECKING:  # the page imports no TensorFlow, nor these at run time
    from dec_core.datasets import Dataset
    from explorer.jobs import Job

# How often the live view looks at its job, by the job's state. Every look is a fragment
# run (server) and a redraw (browser); once a second keeps the charts moving, a queued
# page looks rarely, a finished or idle page never.
POLL_S = {"queued": 2.5, "running": 1.0}
# While DEC runs, the live map moves on at most this often (explorer.live_map.panel.paced):
# its redraw is the page's dearest, and the charts above it keep the 1 s beat.
MAP_EVERY_S = 2.0
# The live map's height in compact projector mode (theme's projector scale makes it 325 px).
COMPACT_MAP_HEIGHT = 260
STALE_CSS = "opacity: 0.45; filter: grayscale(1);"  # a result shown under other settings


def stage(job: Job | None) -> str:
    """What the page's timer depends on: "queued", "running" or "ended" (also: no job)."""
    return job.state if job is not None and job.active else "ended"


# ------------------------------------------------------------------ before Start
def shipped_note(dataset: Dataset, params: dict) -> None:
    """Why Start pretrains live although the shipped autoencoder is chosen (if it does).

    The shipped autoencoder is used only when the data and every pretraining setting
    match its record (dec_core.pretrained, the worker's own test).
    """
    from dec_core import pretrained

    note = teach.shipped_mismatch_text(pretrained.mismatch(dataset.x, params, defaults=False),
                                       st.session_state["data"]["name"])
    if note is not None:
        kind, words = note
        (st.info if kind == "info" else st.warning)(words, icon=":material/info:")


def surprises(dataset: Dataset, params: dict) -> None:
    """What a class asks about, answered before Start: non-convex data, k below the classes."""
    nonconvex = teach.nonconvex_text(st.session_state["data"]["name"])
    if nonconvex:
        st.caption(":material/lightbulb: " + nonconvex)
        try:
            st.page_link("pages/compare.py", label="Compare methods: the N2D row",
                         icon=":material/compare:")
        except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
            pass
    ceiling = teach.acc_ceiling_text(dataset.y, params["n_clusters"])
    if ceiling:
        st.caption(":material/lightbulb: " + ceiling)


@st.cache_data(max_entries=32, show_spinner=False)
def _uses_shipped(_dataset, data_key: str, params_key: str) -> bool:
    """Whether the worker will start from the shipped autoencoder (cached; no TensorFlow).

    ``_dataset`` (not hashed) is the data that ``data_key`` names.
    """
    from dec_core import pretrained

    params = json.loads(params_key)  # the TF-free form of find's test, budget included
    return pretrained.mismatch(_dataset.x, params, defaults=False) == []


def cost(dataset: Dataset, params: dict) -> None:
    """Before Start: what the run will cost on this server, and one-click fixes if long.

    Parameters
    ----------
    dataset : Dataset
    params : dict
        The estimator parameters (:func:`explorer.jobs.resources.job_params`).
    """
    from dec_core import cost as costs

    reuse = False
    if st.session_state["train"].get("autoencoder") == "shipped":
        reuse = _uses_shipped(dataset,
                              json.dumps(st.session_state["data"], sort_keys=True, default=str),
                              json.dumps(params, sort_keys=True, default=str))
    gflops = costs.machine_gflops()  # measured once per server process (functools.cache)
    try:
        est = costs.estimate(dataset.n_samples, params, gflops=gflops, pretrained=reuse)
    except ValueError as err:
        st.error(str(err))
        return
    st.caption(teach.cost_text(est, gflops, reuse, params.get("update_budget")))
    st.session_state["_cost_plan"] = est.as_dict()  # the job's ETA until its worker plans
    if est.total_seconds > costs.WARN_SECONDS:
        st.warning(teach.over_budget_text(est.total_seconds), icon=":material/schedule:")
        _fit_buttons(costs.fitting_settings(est, params), dataset.n_samples)


def _fit_buttons(fix: dict, n_samples: int) -> None:
    """One-click settings that make a long run fit (:func:`dec_core.cost.fitting_settings`)."""
    cols = st.columns(2)
    if fix["together"]:  # only both together fit
        cols[0].button(f"Cap pretraining at {fix['pretrain_steps']:,} steps and subsample "
                       f"{fix['n_samples']:,} rows", on_click=_apply_both,
                       args=(fix["pretrain_steps"], fix["n_samples"]),
                       icon=":material/timer:", key="fit_both",
                       help=teach.FIT_HELP["both"])
        return
    if fix["pretrain_steps"]:
        cols[0].button(f"Cap pretraining at {fix['pretrain_steps']:,} steps",
                       on_click=set_setting, args=("train", "pretrain_steps",
                                                   fix["pretrain_steps"]),
                       icon=":material/timer:", key="fit_steps",
                       help=teach.FIT_HELP["steps"])
    if fix["n_samples"]:
        cols[1].button(f"Subsample {fix['n_samples']:,} of {n_samples:,} rows",
                       on_click=set_setting, args=("data", "n_samples", fix["n_samples"]),
                       icon=":material/filter_alt:", key="fit_rows",
                       help=teach.FIT_HELP["rows"])


def _apply_both(steps: int, n_samples: int) -> None:
    set_setting("train", "pretrain_steps", steps)
    set_setting("data", "n_samples", n_samples)


def controls(job: Job | None, *, active: bool, problem: str | None) -> None:
    """Start, Stop, and Resume for an interrupted job.

    Parameters
    ----------
    job : Job or None
        The job the session follows.
    active : bool
        It is queued or running: Start waits, Stop acts.
    problem : str or None
        Why these settings cannot train (Start is disabled).
    """
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
    b1.button("Start", type="primary", on_click=_start, disabled=active or bool(problem),
              icon=":material/play_arrow:",
              help=teach.TRAIN_BUTTON_HELP["start"])
    b2.button("Stop", on_click=_stop, disabled=not active, icon=":material/stop:",
              help=teach.TRAIN_BUTTON_HELP["stop"])
    if job is not None and job.state == "interrupted":
        b3.button("Resume", type="primary", on_click=_resume, icon=":material/resume:",
                  help=teach.TRAIN_BUTTON_HELP["resume"])


def _start() -> None:
    start_job(st.session_state.get("_cost_plan"))  # an ETA from Start on


def _stop() -> None:
    manager().stop(st.session_state.get("job_id"), st.session_state["owner"])


def _resume() -> None:
    manager().resume(st.session_state.get("job_id"), st.session_state["owner"])


# ------------------------------------------------------------------ the live view
def stale_note(job: Job | None) -> None:
    """Mark a job made with other settings than the current ones (the header names them).

    Charts and a result from a run of other settings (e.g. circles, then digits
    chosen on the Data page) are said to be that, and a finished one is greyed.
    """
    if job is None or job.state == "queued":
        return
    cfg = job.config
    if all(cfg.get(k) == st.session_state[k] for k in ("data", "model", "train")):
        return
    k = default_n_clusters(cfg["model"].get("n_clusters"), job.dataset_info.get("n_classes"))
    st.info(teach.stale_text(f"{cfg['data']['name']}, k = {k}", job.state, job.active),
            icon=":material/history:")
    if not job.active and job.state != "interrupted":
        st.html(f"<style>.st-key-train_view {{{STALE_CSS}}}</style>")


def live_view(job: Job | None, *, compact: bool = False) -> None:
    """The live part: status, charts, map, result. Rerun by the page's fragment timer.

    Parameters
    ----------
    job : Job or None
        The job the session follows (None: a line saying how to start one).
    compact : bool, default=False
        Projector mode while the job runs: a map that fits the first screen.
    """
    if job is None:
        st.info(teach.NO_TRAINING_TEXT)
        return
    v = job.view()
    if v["state"] in ("done", "stopped") and v["run_path"]:
        # Explore's run, before anything is drawn: a click on Explore as soon as
        # "Finished" shows stops this script run, and Explore must find the run.
        st.session_state["run_path"] = v["run_path"]
    if not _status(job, v):
        return
    projector = projector_mode()
    if projector:  # the map right under the progress: on the first screen
        _map(job, v, compact)
    for warning in v["warnings"]:
        st.warning(warning)
    if v["reused_autoencoder"]:
        st.caption(teach.reused_autoencoder_text(
            states.AUTOENCODER_SOURCES[v['autoencoder_source']]))
    _charts(job.id, v, projector)
    if not projector:
        _map(job, v, compact)
    if v["state"] in ("done", "stopped") and v["run_path"]:
        _result(v, projector)


def _status(job: Job, v: dict) -> bool:
    """The job's state line; False when nothing more is drawn (queued, interrupted)."""
    if v["state"] == "queued":  # one line, nothing else: a queued page costs little
        st.info(states.queued_text(manager().queue_position(job), manager().max_jobs,
                                   v["restored"]))
        return False
    if v["state"] == "running":
        st.progress(v["progress"], text=states.progress_text(v))
    elif v["state"] == "failed":
        st.error(states.failed_text(v["error"]))
    elif v["state"] == "interrupted":
        st.warning(states.interrupted_text(v["message"], v["resume_from"]),
                   icon=":material/restart_alt:")
        return False
    elif v["state"] == "stopped":
        st.success(states.stopped_text(v["elapsed"], bool(v["run_path"]), v["message"]))
    else:
        st.success(states.finished_text(v, (v["dataset"] or {}).get("n_samples")))
    return True


def _chart(key: str, fingerprint: tuple, build, projector: bool) -> None:
    """Draw a figure, rebuilt only when its data or projector mode changed."""
    st.plotly_chart(cached_figure(st.session_state, key, fingerprint, build,
                                  projector=projector), key=key)


def _charts(job_id: str, v: dict, projector: bool) -> None:
    """The four training charts, two per row (one per row in projector mode)."""
    n_samples = (v["dataset"] or {}).get("n_samples")
    train_cfg = v["config"]["train"]
    tol, method = float(train_cfg["tol"]), method_of(train_cfg)
    n_pre, n_dec = len(v["pretrain"]), len(v["dec"])
    c1, c2 = chart_columns(2)
    with c1:
        if n_pre:
            _chart("pretrain_chart", (job_id, n_pre, v["pretrain_epochs"]),
                   lambda p: charts.pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"],
                                                         projector=p), projector)
        else:
            st.plotly_chart(charts.placeholder(
                "Autoencoder pretraining: reconstruction loss",
                teach.pretrain_placeholder(v["phase"], v["pretrain_epochs"],
                                           v["reused_autoencoder"], v["state"] == "running",
                                           bool(v["dec"] or v["kmeans"])), projector),
                key="pretrain_chart")
    with c2:
        if n_dec > 1:
            _chart("kl_chart", (job_id, n_dec, method),
                   lambda p: charts.kl_loss_figure(v["dec"], method, projector=p), projector)
        else:
            st.plotly_chart(charts.placeholder(charts.loss_title(method),
                                               "starts after pretraining and k-means",
                                               projector), key="kl_chart")
        st.caption(teach.kl_caption(train_cfg.get("target_power", 2.0),
                                    train_cfg.get("normalize_frequency", True)))
    c3, c4 = chart_columns(2)
    with c3:
        if n_dec > 1:
            _chart("delta_chart", (job_id, n_dec, tol, n_samples),
                   lambda p: charts.delta_label_figure(v["dec"], tol, n_samples, projector=p),
                   projector)
        else:
            st.plotly_chart(charts.placeholder("DEC: points that changed cluster per update",
                                               f"stops below {teach.tol_text(tol, n_samples)}",
                                               projector), key="delta_chart")
    with c4:
        if v["dec"] and "acc" in v["dec"][0] and shown("charts_metrics"):
            _chart("metrics_chart", (job_id, n_dec),
                   lambda p: charts.scores_by_update_figure(v["dec"], v["kmeans"], projector=p),
                   projector)
        elif v["dataset"] and v["dataset"].get("n_classes") is None:
            st.info(teach.NO_LABELS_TEXT)


def _saved_frames(path: str) -> list:
    """A saved run's replay frames (explorer.live_map.replay), once per run and session;
    empty when it cannot be read (the result below says why)."""
    cache = st.session_state.setdefault("_train_saved_frames", {})
    if path not in cache:
        try:
            cache[path] = replay.frames_from_run(load_run_cached(path, run_mtime(path)))
        except (ValueError, OSError):
            cache[path] = []
    return cache[path]


def _map(job: Job, v: dict, compact: bool) -> None:
    """The embedding with its moving centroids, live, and its replay (explorer.live_map.panel)."""
    owner = st.session_state["owner"]

    def view() -> dict | None:  # read again at each run of the replay's fragment
        current = manager().get(job.id, owner)
        if current is None:
            return None
        now = current.view()
        if not now["replay"] and now["run_path"] and not current.active:
            now["replay"] = _saved_frames(now["run_path"])  # read back after a restart
        return now

    if not v["replay"] and "xy" not in v["step_info"] and (
            job.active or not v["run_path"] or not _saved_frames(v["run_path"])):
        return
    live_map_panel.replay_map("train", view, v["dataset"], job_id=job.id, every_s=MAP_EVERY_S,
                         height=COMPACT_MAP_HEIGHT if compact else None)


# ------------------------------------------------------------------ the result
def _result(v: dict, projector: bool) -> None:
    """A finished job's scores, confusion matrix, exports and the way to Explore."""
    st.subheader("Result")
    scores, km = v["scores"], v["kmeans"]
    if scores:
        for col, key in zip(st.columns(3), ("acc", "nmi", "ari")):
            delta = scores[key] - km[key] if key in km else None
            col.metric(key.upper(), f"{scores[key]:.3f}",
                       None if delta is None else f"{delta:+.3f} vs {BASELINE_NAMES['ae_kmeans']}")
        cut = teach.nonconvex_result_text((v["dataset"] or {}).get("name", ""), scores["acc"],
                                          (v["dataset"] or {}).get("n_samples") or 0)
        if cut:
            st.caption(":material/lightbulb: " + cut)
    run = None
    try:
        run = load_run_cached(v["run_path"], run_mtime(v["run_path"]))
    except ValueError as err:
        st.warning(f"The saved run could not be read back: {err}")
    if run is not None and run.y_true is not None:
        _confusion(run, v["dataset"].get("class_names"), projector)
    _exports(v, projector)
    try:
        st.page_link("pages/explore.py", label="Explore the clusters",
                     icon=":material/scatter_plot:")
    except Exception:  # no navigation (a page run on its own, e.g. in AppTest)
        pass


def _confusion(run, class_names, projector: bool) -> None:
    """The Hungarian-matched confusion matrix, counts or row shares, and why a match is odd."""
    norm = st.toggle("Row-normalised", value=False, key="cm_norm",
                     help="Show each class's share per cluster instead of counts.")
    matrix, classes, clusters = matched_confusion_matrix(run.y_true, run.labels, normalize=norm)
    st.plotly_chart(explore_charts.confusion_heatmap(matrix, classes, clusters, normalize=norm,
                                                     class_names=class_names,
                                                     projector=projector),
                    key="confusion_chart")
    for note in teach.matching_notes(run.y_true, run.labels, class_names):
        st.caption(":material/lightbulb: " + note[0].upper() + note[1:])


def _exports(v: dict, projector: bool) -> None:
    """Downloads: charts (HTML), labels (CSV), the CLI config (JSON), a notebook, the model.

    The files are made when a button is pressed, not on every run of the page
    (the charts page embeds plotly.js, several MB).
    """
    run_dir = Path(v["run_path"])
    cfg = v["config"]
    st.caption(teach.EXPORT_CAPTION)
    row = st.container(horizontal=True)  # one row as wide as the labels, wrapping
    row.download_button("Charts (HTML)",
                        lambda: charts.training_charts_html(v, projector=projector),
                        "dec-training-charts.html", "text/html", icon=":material/download:",
                        help=teach.EXPORT_HELP["charts"])
    if (run_dir / "labels.csv").is_file():
        row.download_button("Labels (CSV)", (run_dir / "labels.csv").read_bytes,
                            "labels.csv", "text/csv", icon=":material/download:",
                            help=teach.EXPORT_HELP["labels"])
    config = cli_config(cfg["data"], cfg["model"], cfg["train"])
    row.download_button("Config (JSON)", json.dumps(config, indent=2), "dec-config.json",
                        "application/json", icon=":material/download:",
                        help=teach.config_help("dec-config.json"))
    row.download_button("Notebook",
                        lambda: dumps(build_notebook(config, data_file=v["dataset"].get("name"),
                                                     reported=v["scores"])),
                        "dec-run.ipynb", "application/x-ipynb+json", icon=":material/download:",
                        help=teach.EXPORT_HELP["notebook"])
    if (run_dir / "model.keras").is_file():
        row.download_button("Model (.keras)", (run_dir / "model.keras").read_bytes,
                            "dec-model.keras", "application/octet-stream",
                            icon=":material/download:",
                            help=teach.EXPORT_HELP["model"])
