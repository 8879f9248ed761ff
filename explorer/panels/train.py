"""The Train page's panels: settings, the notes before Start, cost, controls, the live view.

``pages/train.py`` composes them top-down. The words come from
:mod:`explorer.text.teach` (Train section) and :mod:`explorer.text.states`, the
figures from :mod:`explorer.charts.train`, cached by :mod:`explorer.charts.cache`
with projector mode in every key.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from dec_core.augment import is_square_image
from dec_core.baselines import NAMES as BASELINE_NAMES
from dec_core.metrics import matched_confusion_matrix
from dec_core.notebook import build_notebook, dumps
from dec_core.presets import (
    METHOD_OPTIMIZER,
    VARIANT_KEYS,
    VARIANTS,
    apply_variant,
    default_n_clusters,
    method_of,
    switch_method,
    variant_of,
)
from explorer.charts import explore as explore_charts
from explorer.charts import train as charts
from explorer.charts.cache import cached_figure
from explorer.jobs import manager
from explorer.live_map import panel as map_panel
from explorer.live_map import replay
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.state import TRAIN_DEFAULTS, cli_config, train_defaults
from explorer.session.submit import start_job
from explorer.session.widgets import bind, chart_columns, projector_mode, set_setting, shown
from explorer.text import states, teach

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

D = TRAIN_DEFAULTS  # defaults quoted in help texts come from here, never typed in
AUTOENCODER_CHOICES = {"shipped": "use the shipped pretrained autoencoder (skip to DEC)",
                       "live": "pretrain live"}
METHODS = {"dec": f"DEC: L = {charts.KL}", "idec": f"IDEC: {charts.IDEC_FORMULA}"}


def stage(job) -> str:
    """What the page's timer depends on: "queued", "running" or "ended" (also: no job)."""
    return job.state if job is not None and job.active else "ended"


# ------------------------------------------------------------------ settings
def settings(dataset, *, hidden: bool = False) -> None:
    """Every pretraining and DEC setting, bound to ``st.session_state['train']``.

    ``hidden`` (projector mode while a run trains) keeps the widgets but hides them:
    a widget left out loses its state, and its callback then fires on a key that is gone.
    """
    with st.container(key="train_settings_box"):
        with st.expander("Settings", expanded=False):
            left, right = st.columns(2)
            with left:
                _pretraining_settings()
            with right:
                _clustering_settings(dataset)
            st.button("Reset to defaults", on_click=_reset)
    if hidden:
        st.html("<style>.st-key-train_settings_box { display: none; }</style>")


def _reset() -> None:
    """Reset: the current data set's defaults (dec_core.presets)."""
    for key, value in train_defaults(st.session_state["data"]["name"]).items():
        set_setting("train", key, value)


def _switch_method() -> None:
    """The method radio changed: the clustering optimiser follows (presets.METHOD_OPTIMIZER)."""
    new = switch_method(st.session_state["train"], st.session_state["train.method"])
    for key in ("method", *METHOD_OPTIMIZER[new["method"]]):
        set_setting("train", key, new[key])


def _switch_variant() -> None:
    """The variant box changed: its settings (presets.VARIANTS) replace the variant keys."""
    name = st.session_state["train_variant"]
    if name in VARIANTS:
        new = apply_variant(st.session_state["train"], name)
        for key in VARIANT_KEYS:
            set_setting("train", key, new[key])


def _pretraining_settings() -> None:
    """The left column: the autoencoder and how it is pretrained."""
    st.markdown("**Pretraining** (the autoencoder)")
    st.radio("Autoencoder", ["shipped", "live"], key=bind("train", "autoencoder"),
             horizontal=True, format_func=AUTOENCODER_CHOICES.get,
             help="The shipped autoencoder (assets/digits.npz, built by `python -m "
                  "dec_core.pretrained build`) was pretrained on the built-in digits "
                  "with the default network and pretraining settings and seed 0: it "
                  "is used only when all of them match, and its recorded loss curve "
                  "is drawn. Otherwise, or with 'pretrain live', pretraining runs now. "
                  f"Default: {AUTOENCODER_CHOICES[D['autoencoder']]}.")
    st.radio("Scheme", ["end_to_end", "layerwise"], key=bind("train", "pretrain"),
             horizontal=True, format_func=lambda s: s.replace("_", " "),
             help="End to end trains the whole autoencoder at once (DEC-keras). Layer-wise "
                  "trains one denoising layer pair at a time with dropout 0.2, then "
                  "fine-tunes (the paper's way; slower).")
    st.number_input("Epochs", 0, 2000, key=bind("train", "pretrain_epochs"),
                    help="Passes over the data for end-to-end (fine-tuning) training. "
                         f"Default {D['pretrain_epochs']}; 0 skips pretraining.")
    st.number_input("Step budget", 1, 10**8, step=1000, key=bind("train", "pretrain_steps"),
                    help="The most gradient steps (batches) pretraining runs: the epochs "
                         "stop once this many batches ran, so big data stays bounded. "
                         f"Default {D['pretrain_steps']:,}; the estimate below Start "
                         "says what it costs.")
    if (st.session_state["train"]["pretrain"] == "layerwise"
            or st.session_state.get("train.pretrain") == "layerwise"):
        st.number_input("Epochs per layer", 0, 1000, key=bind("train", "layer_epochs"),
                        help="Greedy layer-wise epochs for each layer pair. "
                             f"Default {D['layer_epochs']}.")
    st.select_slider("Batch size", [16, 32, 64, 128, 256, 512, 1024],
                     key=bind("train", "pretrain_batch_size"),
                     help="Samples per gradient step. Default "
                          f"{D['pretrain_batch_size']}; MNIST-sized data likes 256.")
    st.selectbox("Optimizer", ["adam", "sgd"], key=bind("train", "pretrain_optimizer"),
                 help="Adam needs little tuning; SGD with momentum 0.9 is the "
                      "reference's choice (lr ~1 with its init). Default "
                      f"{D['pretrain_optimizer']}.")
    st.number_input("Learning rate", 1e-6, 10.0, key=bind("train", "pretrain_lr"),
                    format="%.5f", help=f"Default {D['pretrain_lr']:g} (Adam). Adam: "
                                        "1e-4 to 3e-3. SGD: 0.01 to 1.")
    st.radio("Learning-rate schedule", ["cosine", "constant"], horizontal=True,
             key=bind("train", "pretrain_schedule"),
             help="cosine decays the learning rate to 0 over the epochs (steadier end "
                  "points); constant keeps it fixed (the reference's choice). Default "
                  f"{D['pretrain_schedule']}.")
    st.slider("Input noise", 0.0, 1.0, key=bind("train", "pretrain_noise"), step=0.05,
              help="Std of Gaussian noise added to inputs while pretraining (a denoising "
                   f"autoencoder). Default {D['pretrain_noise']:g}, tuned on digits "
                   "(docs/benchmarks.md); 0 trains a plain autoencoder.")


def _clustering_settings(dataset) -> None:
    """The right column: DEC's (or IDEC's) objective, variant, stop rule and optimiser."""
    st.markdown("**Clustering** (DEC self-training)")
    st.radio("Objective", ["dec", "idec"], key=bind("train", "method"),
             horizontal=True, format_func=METHODS.get, on_change=_switch_method,
             help=f"DEC drops the decoder and minimises {charts.KL}. IDEC (Guo et "
                  f"al. 2017) keeps it and minimises {charts.IDEC_FORMULA}, where "
                  "L_r is the reconstruction's mean squared error, so the "
                  f"embedding keeps the data's local structure. Default "
                  f"{METHODS[D['method']]}.")
    if st.session_state.get("train.method", st.session_state["train"]["method"]) == "idec":
        st.number_input("γ (IDEC)", 0.001, 10.0, key=bind("train", "gamma"),
                        step=0.05, format="%.3f",
                        help="Coefficient of the clustering loss in "
                             f"{charts.IDEC_FORMULA}; the reconstruction loss has "
                             f"weight 1. The IDEC paper uses 0.1 (default "
                             f"{D['gamma']:g}).")
    _variant_settings(dataset is not None and is_square_image(dataset.n_features))
    st.number_input("Update interval", 1, 5000, key=bind("train", "update_interval"),
                    help="Batches between recomputing the target P on all data. The paper "
                         f"uses 140 for MNIST; default {D['update_interval']}.")
    st.number_input("Tolerance (tol)", 0.0, 1.0, key=bind("train", "tol"), format="%.4f",
                    help="Stop when fewer than this share of points change cluster "
                         "between two target updates. Default "
                         f"{teach.tol_text(D['tol'], dataset.n_samples if dataset else None)}.")
    st.number_input("Max iterations", 0, 200000, key=bind("train", "max_iter"),
                    help="Upper bound on DEC batches; tol usually stops earlier. "
                         f"Default {D['max_iter']:,}.")
    st.select_slider("DEC batch size", [32, 64, 128, 256, 512, 1024],
                     key=bind("train", "batch_size"),
                     help=f"Samples per DEC step. Default {D['batch_size']}; the paper "
                          "uses 256 for MNIST.")
    st.number_input("DEC learning rate", 1e-6, 1.0, key=bind("train", "learning_rate"),
                    format="%.4f",
                    help="SGD of the clustering phase. DEC: the paper's "
                         f"{METHOD_OPTIMIZER['dec']['learning_rate']:g} with momentum "
                         f"{METHOD_OPTIMIZER['dec']['momentum']:g}; IDEC: "
                         f"{METHOD_OPTIMIZER['idec']['learning_rate']:g} with momentum "
                         f"{METHOD_OPTIMIZER['idec']['momentum']:g} (its authors' "
                         "setting, docs/benchmarks.md), set when you pick IDEC.")
    st.number_input("Seed", 0, 10**6, key=bind("train", "seed"),
                    help="Random seed for weights, shuffling and k-means.")


def _variant_settings(square: bool) -> None:
    """The accuracy variant: one box, then the few settings it changes.

    ``square``: the rows are square images, which DEC-DA's augmentation needs.
    """
    current = variant_of(st.session_state["train"]) or "custom"
    options = [v for v in VARIANTS if square or not VARIANTS[v]["settings"].get("augment")]
    if current not in options:
        options.append(current)
    st.session_state["train_variant"] = current  # follows the settings (a loaded run, Reset)
    st.selectbox(
        "Variant", options, key="train_variant", on_change=_switch_variant,
        format_func=lambda v: VARIANTS[v]["label"] if v in VARIANTS else "custom settings",
        help="What each adds (measured on digits and 10k MNIST in docs/benchmarks.md): "
             + " ".join(f"**{spec['label']}**: {spec['help']}" for spec in VARIANTS.values())
             + (" DEC-DA needs square images (8x8, 28x28)." if not square else "")
             + " Default: DEC, the paper's method.")
    what = VARIANTS[current]["help"] if current in VARIANTS else (
        "your own combination of the settings below.")
    st.caption(f"What runs: {what}")
    train = st.session_state["train"]
    if square and (float(train["augment"]) > 0 or current == "custom"):
        st.slider("Augmentation strength", 0.0, 2.0, step=0.25, key=bind("train", "augment"),
                  help="DEC-DA (Guo et al. 2018): 1 means random rotations in ±10°, scales in "
                       "[0.9, 1.1] and sub-pixel shifts of up to 10% of the side, in "
                       "pretraining and clustering; ranges scale linearly; 0 is off.")
    if train["centroid_init"] != "kmeans" or current == "custom":
        st.radio("Centroid start", ["kmeans", "manifold"], horizontal=True,
                 key=bind("train", "centroid_init"),
                 format_func={"kmeans": "k-means (paper)",
                              "manifold": "manifold (UMAP + GMM)"}.get,
                 help="k-means in the embedding (the paper), or N2D's clusters: UMAP of the "
                      "embedding to k dimensions and a Gaussian mixture there; each centroid "
                      "is its cluster's mean in the embedding. The first UMAP of a worker "
                      "compiles code (~20 s).")
    if int(train["n_restarts"]) > 1 or current == "custom":
        st.number_input("Restarts", 1, 10, key=bind("train", "n_restarts"),
                        help="Whole fits with different seeds (this many times the time); "
                             "the kept one is chosen without labels by the criterion.")
        st.selectbox("Restart criterion", ["kl", "silhouette", "inertia"],
                     key=bind("train", "restart_criterion"),
                     format_func={"kl": "lowest final KL(P‖Q)",
                                  "silhouette": "highest silhouette in z",
                                  "inertia": "lowest relative inertia in z"}.get,
                     help="How the kept restart is chosen (labels are never used).")


# ------------------------------------------------------------------ before Start
def shipped_note(dataset, params: dict) -> None:
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


def surprises(dataset, params: dict) -> None:
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


def cost(dataset, params: dict) -> None:
    """Before Start: what the run will cost on this server (dec_core.cost), and a fix if long."""
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
                       help="Sets the step budget (Settings) and a stratified subsample "
                            "(Data page): neither alone fits.")
        return
    if fix["pretrain_steps"]:
        cols[0].button(f"Cap pretraining at {fix['pretrain_steps']:,} steps",
                       on_click=set_setting, args=("train", "pretrain_steps",
                                                   fix["pretrain_steps"]),
                       icon=":material/timer:", key="fit_steps",
                       help="Sets the step budget (Settings) so the estimate fits.")
    if fix["n_samples"]:
        cols[1].button(f"Subsample {fix['n_samples']:,} of {n_samples:,} rows",
                       on_click=set_setting, args=("data", "n_samples", fix["n_samples"]),
                       icon=":material/filter_alt:", key="fit_rows",
                       help="A stratified subsample (Data page) whose estimate fits.")


def _apply_both(steps: int, n_samples: int) -> None:
    set_setting("train", "pretrain_steps", steps)
    set_setting("data", "n_samples", n_samples)


def controls(job, *, active: bool, problem: str | None) -> None:
    """Start, Stop, and Resume for an interrupted job."""
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
    b1.button("Start", type="primary", on_click=_start, disabled=active or bool(problem),
              icon=":material/play_arrow:",
              help="Pretrain the autoencoder, run k-means in its embedding, then DEC.")
    b2.button("Stop", on_click=_stop, disabled=not active, icon=":material/stop:",
              help="Stop now; the model keeps what it has learned and is saved.")
    if job is not None and job.state == "interrupted":
        b3.button("Resume", type="primary", on_click=_resume, icon=":material/resume:",
                  help="Continue the interrupted training from its last checkpoint; it ends "
                       "with the result an uninterrupted run gives.")


def _start() -> None:
    start_job(st.session_state.get("_cost_plan"))  # an ETA from Start on


def _stop() -> None:
    manager().stop(st.session_state.get("job_id"), st.session_state["owner"])


def _resume() -> None:
    manager().resume(st.session_state.get("job_id"), st.session_state["owner"])


# ------------------------------------------------------------------ the live view
def stale_note(job) -> None:
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


def live_view(job, *, compact: bool = False) -> None:
    """The live part: status, charts, map, result. Rerun by the page's fragment timer.

    ``compact``: projector mode while the job runs (a smaller map).
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
        st.caption(f"Autoencoder: {states.AUTOENCODER_SOURCES[v['autoencoder_source']]}; its "
                   "pretraining curve is drawn as recorded.")
    _charts(job.id, v, projector)
    if not projector:
        _map(job, v, compact)
    if v["state"] in ("done", "stopped") and v["run_path"]:
        _result(v, projector)


def _status(job, v: dict) -> bool:
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
        st.success(teach.stopped_text(v["elapsed"]))
    else:
        st.success(teach.finished_text(v, (v["dataset"] or {}).get("n_samples")))
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


def _map(job, v: dict, compact: bool) -> None:
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

    now = view()
    if now is None or (not now["replay"] and "xy" not in v["step_info"]):
        return
    map_panel.replay_map("train", view, v["dataset"], job_id=job.id, every_s=MAP_EVERY_S,
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
    for note in explore_charts.matching_notes(run.y_true, run.labels, class_names):
        st.caption(":material/lightbulb: " + note[0].upper() + note[1:])


def _exports(v: dict, projector: bool) -> None:
    """Downloads: charts (HTML), labels (CSV), the CLI config (JSON), a notebook, the model.

    The files are made when a button is pressed, not on every run of the page
    (the charts page embeds plotly.js, several MB).
    """
    run_dir = Path(v["run_path"])
    cfg = v["config"]
    st.caption("Export — each chart also saves as PNG from its camera icon.")
    c = [st.container(horizontal=True)] * 5  # one row as wide as the labels, wrapping
    c[0].download_button("Charts (HTML)",
                         lambda: charts.training_charts_html(v, projector=projector),
                         "dec-training-charts.html", "text/html", icon=":material/download:",
                         help="All training charts, interactive.")
    if (run_dir / "labels.csv").is_file():
        c[1].download_button("Labels (CSV)", (run_dir / "labels.csv").read_bytes,
                             "labels.csv", "text/csv", icon=":material/download:",
                             help="index, cluster and true label of every sample.")
    config = cli_config(cfg["data"], cfg["model"], cfg["train"])
    c[2].download_button("Config (JSON)", json.dumps(config, indent=2), "dec-config.json",
                         "application/json", icon=":material/download:",
                         help="Reproduce this run headless: python -m dec_core run --config "
                              "dec-config.json")
    c[3].download_button("Notebook",
                         lambda: dumps(build_notebook(config, data_file=v["dataset"].get("name"),
                                                      reported=v["scores"])),
                         "dec-run.ipynb", "application/x-ipynb+json", icon=":material/download:",
                         help="A Jupyter notebook (.ipynb) that reproduces this run with dec_core: "
                              "the data, this config, fit, the scores, the confusion matrix and a "
                              "map of the embedding.")
    if (run_dir / "model.keras").is_file():
        c[4].download_button("Model (.keras)", (run_dir / "model.keras").read_bytes,
                             "dec-model.keras", "application/octet-stream",
                             icon=":material/download:",
                             help="The Keras model x -> (q, x_hat), with its ClusteringLayer.")
