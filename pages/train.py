"""Train: set pretraining and DEC, press Start, watch the clusters form.

Training runs in a background job (explorer.jobs); this page only reads the
job's state and draws it, polling with a fragment while the job is active.
"""

import json
from pathlib import Path

import streamlit as st

from dec_core import pretrained
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
from explorer.analysis import k_sweep
from explorer.charts import explore as explore_charts
from explorer.charts import train as charts
from explorer.jobs import AUTOENCODER_SOURCES, manager
from explorer.jobs.resources import job_params
from explorer.live_map import panel as map_panel
from explorer.live_map import replay
from explorer.session.background import poll
from explorer.session.page import current_dataset, init_page, load_run_cached, run_mtime
from explorer.session.state import TRAIN_DEFAULTS, cli_config, train_defaults
from explorer.session.submit import start_job
from explorer.session.widgets import (
    bind,
    chart_columns,
    projector_mode,
    set_setting,
    shown,
    store_all,
)
from explorer.text import teach
from explorer.text.states import phase_text

init_page()
jobs = manager()
owner = st.session_state["owner"]

# A refresh (the job id travels in the URL) or a second tab reattaches in init_page
# (explorer.session.submit.attach_job). After a server restart the journal brings the job back
# (explorer.jobs.journal); a job the restart interrupted is shown even without the link,
# so its owner sees it.
if "job_id" not in st.session_state and (cut := jobs.interrupted_for(owner)) is not None:
    st.session_state["job_id"] = cut.id

st.title("Train")
data, model, train = st.session_state["data"], st.session_state["model"], st.session_state["train"]
hidden = "-".join(str(h) for h in model["hidden"])
n_txt = f"{data['n_samples']:,} samples" if data["n_samples"] else "all samples"
k = int(model["n_clusters"])
header = st.empty()  # where k comes from needs the data's labels and the k sweep: below

# ------------------------------------------------------------------ settings
# The live map's height in compact projector mode (theme's projector scale makes it 325 px).
COMPACT_MAP_HEIGHT = 260
D = TRAIN_DEFAULTS  # defaults quoted in help texts come from here, never typed in
# Estimator parameters as the settings panel names them (the shipped-autoencoder note).
SETTING_LABELS = {"pretrain": "Scheme", "pretrain_epochs": "Epochs", "layer_epochs":
                  "Epochs per layer", "pretrain_batch_size": "Batch size", "pretrain_optimizer":
                  "Optimizer", "pretrain_lr": "Learning rate", "pretrain_schedule":
                  "Learning-rate schedule", "pretrain_noise": "Input noise",
                  "random_state": "Seed", "momentum": "Momentum"}
AUTOENCODER_CHOICES = {"shipped": "use the shipped pretrained autoencoder (skip to DEC)",
                       "live": "pretrain live"}
METHODS = {"dec": f"DEC: L = {charts.KL}", "idec": f"IDEC: {charts.IDEC_FORMULA}"}

# The data set of the current settings (cached), or the reason it cannot load.
try:
    DATASET, LOAD_ERROR = current_dataset(), None
except ValueError as err:
    DATASET, LOAD_ERROR = None, str(err)
# The k sweep on these data: it starts by itself for an uploaded file (explorer.analysis.k_sweep),
# so its verdict reaches this page before Start without a click on the Data page.
SWEEP, SWEEP_TASK, _ = (k_sweep.resolve(st.session_state, DATASET) if DATASET is not None
                        else (None, None, None))
header.caption(f"**{data['name']}** ({n_txt}) · autoencoder d-{hidden} · "
               + teach.header_clusters(k, DATASET.n_classes if DATASET else None, SWEEP)
               + " · change them on the Data and Model pages.")
if SWEEP is not None and SWEEP["structure"] == "none":
    st.warning(teach.no_structure_warning(k, DATASET.n_classes), icon=":material/blur_on:")
if SWEEP_TASK is not None:
    poll([SWEEP_TASK], "The k sweep (are there clusters at all?) is running")


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


def _square_images() -> bool:
    """Whether rows are square images, which DEC-DA's augmentation needs."""
    if DATASET is None:
        return False
    side = int(round(DATASET.n_features ** 0.5))
    return side * side == DATASET.n_features


def variant_settings() -> None:
    """Accuracy variant (issue 18): one box, then the few settings it changes."""
    square = _square_images()
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


def settings_panel() -> None:
    """Every pretraining and DEC setting, bound to st.session_state['train']."""
    n = DATASET.n_samples if DATASET is not None else None
    with st.expander("Settings", expanded=False):
        left, right = st.columns(2)
        with left:
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
            st.number_input("Step budget", 1, 10**8, step=1000,
                            key=bind("train", "pretrain_steps"),
                            help="The most gradient steps (batches) pretraining runs: the epochs "
                                 "stop once this many batches ran, so big data stays bounded. "
                                 f"Default {D['pretrain_steps']:,}; the estimate below Start "
                                 "says what it costs.")
            if train["pretrain"] == "layerwise" or st.session_state.get("train.pretrain") == "layerwise":
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
        with right:
            st.markdown("**Clustering** (DEC self-training)")
            st.radio("Objective", ["dec", "idec"], key=bind("train", "method"),
                     horizontal=True, format_func=METHODS.get, on_change=_switch_method,
                     help=f"DEC drops the decoder and minimises {charts.KL}. IDEC (Guo et "
                          f"al. 2017) keeps it and minimises {charts.IDEC_FORMULA}, where "
                          "L_r is the reconstruction's mean squared error, so the "
                          f"embedding keeps the data's local structure. Default "
                          f"{METHODS[D['method']]}.")
            if st.session_state.get("train.method", train["method"]) == "idec":
                st.number_input("γ (IDEC)", 0.001, 10.0, key=bind("train", "gamma"),
                                step=0.05, format="%.3f",
                                help="Coefficient of the clustering loss in "
                                     f"{charts.IDEC_FORMULA}; the reconstruction loss has "
                                     f"weight 1. The IDEC paper uses 0.1 (default "
                                     f"{D['gamma']:g}).")
            variant_settings()
            st.number_input("Update interval", 1, 5000, key=bind("train", "update_interval"),
                            help="Batches between recomputing the target P on all data. The paper "
                                 f"uses 140 for MNIST; default {D['update_interval']}.")
            st.number_input("Tolerance (tol)", 0.0, 1.0, key=bind("train", "tol"), format="%.4f",
                            help="Stop when fewer than this share of points change cluster "
                                 "between two target updates. Default "
                                 f"{teach.tol_text(D['tol'], n)}.")
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

        def _reset():  # the current data set's defaults (dec_core.presets)
            for k, v in train_defaults(st.session_state["data"]["name"]).items():
                set_setting("train", k, v)

        st.button("Reset to defaults", on_click=_reset)


# Projector mode while a run trains: the progress and the map take the first screen
# (1280 x 720), so the settings (they apply to the next Start) and the notes said before
# Start step aside until it ends.
_current = jobs.get(st.session_state.get("job_id"), owner)
COMPACT = projector_mode() and _current is not None and _current.active
if shown("train_settings"):
    with st.container(key="train_settings_box"):
        settings_panel()
    if COMPACT:  # hidden, not left out: a widget left out loses its state, and its
        # callback then fires on a key that is gone
        st.html("<style>.st-key-train_settings_box { display: none; }</style>")
train = store_all("train")

# ---------------------------------------------------------------- start/stop
# How often the live view looks at its job, by the job's state. Every look is
# a fragment run (server) and a redraw (browser); once a second keeps the
# charts moving, a queued page looks rarely, a finished or idle page never.
POLL_S = {"queued": 2.5, "running": 1.0}
# While DEC runs, the live map moves on at most this often (explorer.live_map.panel.paced):
# its redraw is the page's dearest, and the charts above it keep the 1 s beat.
MAP_EVERY_S = 2.0


def stage(job) -> str:
    """What the page's timer depends on: "queued", "running" or "ended" (also: no job)."""
    return job.state if job is not None and job.active else "ended"


job = jobs.get(st.session_state.get("job_id"), owner)
page_stage = stage(job)
active = page_stage != "ended"


def _difference_text(d: dict) -> str:
    """One way these settings differ from the shipped autoencoder's record, in words."""
    def dims(v):
        return "d-" + "-".join(str(h) for h in v[1:]) if v else "none"

    if d["key"] == "dims":
        return f"the network is {dims(d['value'])}, it was pretrained as {dims(d['recorded'])}"
    label = SETTING_LABELS.get(d["key"], d["key"])
    if d["key"] == "pretrain_steps":  # the record ran every epoch
        return (f"{label} {d['value']:,} stops pretraining before its epochs end; the shipped "
                "one ran them all")
    return f"{label} is {d['value']}, it was pretrained with {d['recorded']}"


# Refuse up front what cannot work: bad data, too many clusters, too little memory.
problem = LOAD_ERROR
if DATASET is not None:
    try:
        params = job_params(model, train, DATASET)  # the worker's own check
    except ValueError as err:
        problem = str(err)
if problem:
    st.error(problem)
elif DATASET is not None and train["autoencoder"] == "shipped" and not COMPACT:
    # Said before Start: the shipped autoencoder is used only when the data and every
    # pretraining setting match its record (dec_core.pretrained, the worker's own test).
    differ = pretrained.mismatch(DATASET.x, params, defaults=False)
    if differ and differ[-1]["key"] == "data":
        st.info(f"The shipped autoencoder was pretrained on the built-in digits (all "
                f"{differ[-1]['recorded'][0]:,} images), so it cannot serve "
                f"{data['name']} ({differ[-1]['value'][0]:,} × {differ[-1]['value'][1]}): "
                "Start pretrains live.", icon=":material/info:")
    elif differ:
        st.warning("**The shipped autoencoder does not fit these settings**, so Start "
                   "pretrains live (slower, and a result of its own): "
                   + "; ".join(map(_difference_text, differ))
                   + ". Settings → Reset to defaults brings it back.", icon=":material/info:")


def _apply_setting(section: str, key: str, value) -> None:
    set_setting(section, key, value)


def _apply_both(steps: int, n_samples: int) -> None:
    set_setting("train", "pretrain_steps", steps)
    set_setting("data", "n_samples", n_samples)


@st.cache_data(max_entries=32, show_spinner=False)
def _uses_shipped(data_key: str, params_key: str) -> bool:
    """Whether the worker will start from the shipped autoencoder (cached; no TensorFlow)."""
    from dec_core import pretrained

    params = json.loads(params_key)  # the TF-free form of find's test, budget included
    return pretrained.mismatch(DATASET.x, params, defaults=False) == []


def cost_panel() -> None:
    """Before Start: what the run will cost on this server (dec_core.cost), and a fix if long."""
    from dec_core import cost

    if DATASET is None or problem:
        return
    reuse = False
    if train.get("autoencoder") == "shipped":
        reuse = _uses_shipped(json.dumps(st.session_state["data"], sort_keys=True, default=str),
                              json.dumps(params, sort_keys=True, default=str))
    gflops = cost.machine_gflops()  # measured once per server process (functools.cache)
    try:
        est = cost.estimate(DATASET.n_samples, params, gflops=gflops, pretrained=reuse)
    except ValueError as err:
        st.error(str(err))
        return
    pre = ("skipped: the shipped autoencoder" if reuse else
           f"≈ {cost.human_seconds(est.pretrain_seconds)} ({est.pretrain_steps:,} steps"
           + (f", the step budget stops it after {est.pretrain_epochs_run} of "
              f"{est.pretrain_epochs} epochs" if est.capped else "") + ")")
    st.caption(
        f"**Estimated cost** on this server ({gflops:.0f} GFLOP/s matmul): pretraining {pre} · "
        f"k-means ≈ {cost.human_seconds(est.kmeans_seconds)} · DEC ≈ "
        f"{cost.human_seconds(est.dec_expected_seconds)} (at most "
        f"{cost.human_seconds(est.dec_seconds)}, {est.dec_steps:,} batches"
        + (f"; a target update every {est.update_interval:,} batches instead of "
           f"{est.update_interval_asked:,}, so that the updates embed at most "
           f"{params['update_budget']:,} rows in all" if est.update_interval
           > est.update_interval_asked else "") + ") · **total ≈ "
        f"{cost.human_seconds(est.total_seconds)}** · peak memory ≈ "
        f"{cost.human_bytes(est.peak_bytes)}. An estimate from the FLOP count: expect the "
        "real time within about 1.5x; a busy server is slower, and the ETA then follows "
        "the measured speed.")
    st.session_state["_cost_plan"] = est.as_dict()  # the job's ETA until its worker plans
    if est.total_seconds <= cost.WARN_SECONDS:
        return
    fix = cost.fitting_settings(est, params)
    st.warning(f"This run is estimated at **{cost.human_seconds(est.total_seconds)}**, more "
               f"than {cost.human_seconds(cost.WARN_SECONDS)}. Start it anyway, or make it "
               "fit:", icon=":material/schedule:")
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
                       on_click=_apply_setting, args=("train", "pretrain_steps",
                                                      fix["pretrain_steps"]),
                       icon=":material/timer:", key="fit_steps",
                       help="Sets the step budget (Settings) so the estimate fits.")
    if fix["n_samples"]:
        cols[1].button(f"Subsample {fix['n_samples']:,} of {DATASET.n_samples:,} rows",
                       on_click=_apply_setting, args=("data", "n_samples", fix["n_samples"]),
                       icon=":material/filter_alt:", key="fit_rows",
                       help="A stratified subsample (Data page) whose estimate fits.")


# Surprises a class asks about, answered before Start (explorer.text.teach words them).
if DATASET is not None and not problem and not COMPACT:
    if teach.nonconvex_text(data["name"]):
        st.caption(":material/lightbulb: " + teach.nonconvex_text(data["name"]))
        try:
            st.page_link("pages/compare.py", label="Compare methods: the N2D row",
                         icon=":material/compare:")
        except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
            pass
    ceiling = teach.acc_ceiling_text(DATASET.y, params["n_clusters"])
    if ceiling:
        st.caption(":material/lightbulb: " + ceiling)


def _start():
    start_job(st.session_state.get("_cost_plan"))  # an ETA from Start on


def _stop():
    manager().stop(st.session_state.get("job_id"), st.session_state["owner"])


def _resume():
    manager().resume(st.session_state.get("job_id"), st.session_state["owner"])


interrupted = job is not None and job.state == "interrupted"
if not active:
    cost_panel()
b1, b2, b3, info = st.columns([1, 1, 1, 3])
b1.button("Start", type="primary", on_click=_start, disabled=active or bool(problem), icon=":material/play_arrow:",
          help="Pretrain the autoencoder, run k-means in its embedding, then DEC.")
b2.button("Stop", on_click=_stop, disabled=not active, icon=":material/stop:",
          help="Stop now; the model keeps what it has learned and is saved.")
if interrupted:
    b3.button("Resume", type="primary", on_click=_resume, icon=":material/resume:",
              help="Continue the interrupted training from its last checkpoint; it ends "
                   "with the result an uninterrupted run gives.")


def _fmt_eta(seconds):
    if seconds is None:
        return "estimating…"
    return f"{seconds:.0f} s left" if seconds < 120 else f"{seconds / 60:.1f} min left"


def chart(key: str, fingerprint: tuple, build) -> None:
    """Draw a figure, rebuilt only when its data changed (``fingerprint``).

    An unchanged chart is sent again as the same figure: cheap for the server
    (no plotly validation) and for the browser (the same spec is not redrawn).
    """
    cache = st.session_state.setdefault("_train_figures", {})
    hit = cache.get(key)
    if hit is None or hit[0] != fingerprint:
        hit = cache[key] = (fingerprint, build())
    st.plotly_chart(hit[1], key=key)


STALE_CSS = "opacity: 0.45; filter: grayscale(1);"


def stale_note(job) -> str | None:
    """Words for a job made with other settings than the current ones (else None).

    The page's header names the current settings; charts and a result from a
    run of other settings (e.g. circles, then digits chosen on the Data page)
    are marked as what they are.
    """
    if job is None or job.state == "queued":
        return None
    cfg = job.config
    if all(cfg.get(k) == st.session_state[k] for k in ("data", "model", "train")):
        return None
    k = default_n_clusters(cfg["model"].get("n_clusters"), job.dataset_info.get("n_classes"))
    what = f"{cfg['data']['name']}, k = {k}"
    if job.active:
        return (f"This run was started with other settings ({what}); your changes apply to "
                "the next Start.")
    if job.state == "interrupted":  # not a stale result: Resume goes on with its own settings
        return (f"The interrupted run used other settings ({what}): **Resume** goes on with "
                "them; Start trains anew with the current ones.")
    return (f"From the previous run: {what}. The settings have changed since; press Start "
            "to train with the current ones.")


def draw(job) -> None:
    """The live part: status, charts, result. Rerun by the fragment's timer."""
    if job is None:
        st.info("No training yet: press **Start** to train on the current data and model.")
        return
    v = job.view()
    if v["state"] in ("done", "stopped") and v["run_path"]:
        # Explore's run, before anything is drawn: a click on Explore as soon as
        # "Finished" shows stops this script run, and it once did so before the end of
        # the page, where this line was (Explore then said "No run to explore yet").
        st.session_state["run_path"] = v["run_path"]
    if v["state"] == "queued":  # one line, nothing else: a queued page costs little
        pos = manager().queue_position(job)
        kept = " Your place was kept across a server restart." if v["restored"] else ""
        st.info(f"Queued: position {pos} — {manager().max_jobs} job(s) run at once on this "
                f"server; yours starts when a slot frees up. This page follows it.{kept}")
        return
    n_samples = (v["dataset"] or {}).get("n_samples")
    train_cfg = v["config"]["train"]
    tol, method = float(train_cfg["tol"]), method_of(train_cfg)
    if v["state"] == "running":
        phase = phase_text(v["phase"])
        st.progress(v["progress"], text=f"**{phase}** · {v['progress']:.0%} · "
                    f"{v['elapsed']:.0f} s elapsed · {_fmt_eta(v['eta'])}")
    elif v["state"] == "failed":
        st.error(f"Training failed: {v['error']}")
    elif v["state"] == "interrupted":
        st.warning(teach.interrupted_text(v["message"], v["resume_from"]),
                   icon=":material/restart_alt:")
        return
    elif v["state"] == "stopped":
        st.success(f"Stopped after {teach.duration_text(v['elapsed'])} — the model keeps what "
                   "it had learned.")
    else:
        again = (f" (after {v['resumed']} resume{'s' if v['resumed'] > 1 else ''} from a "
                 "checkpoint; the same result as without the interruption)" if v["resumed"]
                 else "")
        queued = (v["started"] - v["created"]) if v["started"] and not v["resumed"] else None
        st.success(f"Finished in {teach.duration_text(v['elapsed'], queued)}{again} — "
                   + teach.stop_text(v.get("stop") or v["message"], n_samples, banner=True,
                                     state=v["state"]))
    if projector_mode():  # the map right under the progress: on the first screen
        draw_map(job, v)
    for warning in v["warnings"]:
        st.warning(warning)
    if v["reused_autoencoder"]:
        st.caption(f"Autoencoder: {AUTOENCODER_SOURCES[v['autoencoder_source']]}; its "
                   "pretraining curve is drawn as recorded.")

    n_pre, n_dec = len(v["pretrain"]), len(v["dec"])
    c1, c2 = chart_columns(2)
    with c1:
        if n_pre:
            chart("pretrain_chart", (job.id, n_pre, v["pretrain_epochs"]),
                  lambda: charts.pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"]))
        else:
            st.plotly_chart(charts.placeholder(
                "Autoencoder pretraining: reconstruction loss",
                teach.pretrain_placeholder(v["phase"], v["pretrain_epochs"],
                                           v["reused_autoencoder"], v["state"] == "running",
                                           bool(v["dec"] or v["kmeans"]))),
                key="pretrain_chart")
    with c2:
        if n_dec > 1:
            chart("kl_chart", (job.id, n_dec, method),
                  lambda: charts.kl_loss_figure(v["dec"], method))
        else:
            st.plotly_chart(charts.placeholder(charts.loss_title(method),
                                               "starts after pretraining and k-means"), key="kl_chart")
        st.caption(teach.kl_caption(train_cfg.get("target_power", 2.0),
                                    train_cfg.get("normalize_frequency", True)))
    c3, c4 = chart_columns(2)
    with c3:
        if n_dec > 1:
            chart("delta_chart", (job.id, n_dec, tol, n_samples),
                  lambda: charts.delta_label_figure(v["dec"], tol, n_samples))
        else:
            st.plotly_chart(charts.placeholder("DEC: points that changed cluster per update",
                                               f"stops below {teach.tol_text(tol, n_samples)}"),
                            key="delta_chart")
    with c4:
        if v["dec"] and "acc" in v["dec"][0] and shown("charts_metrics"):
            chart("metrics_chart", (job.id, n_dec),
                  lambda: charts.scores_by_update_figure(v["dec"], v["kmeans"]))
        elif v["dataset"] and v["dataset"].get("n_classes") is None:
            st.info("No true labels: ACC / NMI / ARI cannot be computed for this data.")
    if not projector_mode():
        draw_map(job, v)

    if v["state"] in ("done", "stopped") and v["run_path"]:
        draw_result(v)


def saved_frames(path: str) -> list:
    """A saved run's replay frames (explorer.live_map.replay), once per run and session; empty when
    it cannot be read (the result below says why)."""
    cache = st.session_state.setdefault("_train_saved_frames", {})
    if path not in cache:
        try:
            cache[path] = replay.frames_from_run(load_run_cached(path, run_mtime(path)))
        except (ValueError, OSError):
            cache[path] = []
    return cache[path]


def draw_map(job, v) -> None:
    """The embedding with its moving centroids, live, and its replay (explorer.live_map.panel)."""
    def view() -> dict | None:  # read again at each run of the replay's fragment
        current = manager().get(job.id, owner)
        if current is None:
            return None
        now = current.view()
        if not now["replay"] and now["run_path"] and not current.active:
            now["replay"] = saved_frames(now["run_path"])  # read back after a restart
        return now

    now = view()
    if now is None or (not now["replay"] and "xy" not in v["step_info"]):
        return

    map_panel.replay_map("train", view, v["dataset"], job_id=job.id, every_s=MAP_EVERY_S,
                         height=COMPACT_MAP_HEIGHT if COMPACT else None)


def draw_result(v) -> None:
    st.subheader("Result")
    scores, km = v["scores"], v["kmeans"]
    if scores:
        cols = st.columns(3)
        for col, key in zip(cols, ("acc", "nmi", "ari")):
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
        norm = st.toggle("Row-normalised", value=False, key="cm_norm",
                         help="Show each class's share per cluster instead of counts.")
        matrix, classes, clusters = matched_confusion_matrix(run.y_true, run.labels,
                                                             normalize=norm)
        st.plotly_chart(explore_charts.confusion_heatmap(matrix, classes, clusters, normalize=norm,
                                                class_names=v["dataset"].get("class_names")),
                        key="confusion_chart")
        for note in explore_charts.matching_notes(run.y_true, run.labels,
                                                  v["dataset"].get("class_names")):
            st.caption(":material/lightbulb: " + note[0].upper() + note[1:])
    _exports(v)
    try:
        st.page_link("pages/explore.py", label="Explore the clusters",
                     icon=":material/scatter_plot:")
    except Exception:  # no navigation (a page run on its own, e.g. in AppTest)
        pass


def charts_html(v) -> str:
    """Every training chart of a finished job as one interactive HTML page."""
    cfg, n_samples = v["config"], (v["dataset"] or {}).get("n_samples")
    figs = [charts.pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"]),
            charts.kl_loss_figure(v["dec"], method_of(cfg["train"])),
            charts.delta_label_figure(v["dec"], float(cfg["train"]["tol"]), n_samples)]
    if v["dec"] and "acc" in v["dec"][0]:
        figs.append(charts.scores_by_update_figure(v["dec"], v["kmeans"]))
    html = "<html><head><meta charset='utf-8'><title>DEC training charts</title></head><body>"
    return html + "".join(f.to_html(full_html=False, include_plotlyjs=(i == 0))
                          for i, f in enumerate(figs)) + "</body></html>"


def _exports(v) -> None:
    """Downloads: charts (HTML), labels (CSV), the CLI config (JSON), a notebook, the model.

    The files are made when a button is pressed, not on every run of the page
    (the charts page embeds plotly.js, several MB).
    """
    run_dir = Path(v["run_path"])
    cfg = v["config"]
    st.caption("Export — each chart also saves as PNG from its camera icon.")
    c = [st.container(horizontal=True)] * 5  # one row as wide as the labels, wrapping
    c[0].download_button("Charts (HTML)", lambda: charts_html(v), "dec-training-charts.html",
                         "text/html", icon=":material/download:",
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
                         help="A Jupyter notebook (.ipynb) that reproduces this run with dec_core: the "
                              "data, this config, fit, the scores, the confusion matrix and a "
                              "map of the embedding.")
    if (run_dir / "model.keras").is_file():
        c[4].download_button("Model (.keras)", (run_dir / "model.keras").read_bytes,
                             "dec-model.keras", "application/octet-stream",
                             icon=":material/download:",
                             help="The Keras model x -> (q, x_hat), with its ClusteringLayer.")


job_id = st.session_state.get("job_id")
if job_id is None:
    st.info("Press **Start** to train DEC on the current data and model. Charts appear here "
            "live. Training runs on the server, not in this tab: switch pages, refresh or close "
            "the tab and it goes on. If the server restarts, the job is kept: it shows here as "
            "interrupted, and **Resume** continues it from its last checkpoint.")
else:

    def live() -> None:
        current = manager().get(job_id, st.session_state["owner"])
        if stage(current) != page_stage:
            # The job started or ended: rebuild the whole page (buttons, timer, result)
            # before drawing, so "Finished" never shows beside a disabled Start.
            st.rerun()
        note = stale_note(current)
        if note:
            st.info(note, icon=":material/history:")
            if not current.active and current.state != "interrupted":
                # greyed: a result shown under settings it was not made with
                st.html(f"<style>.st-key-train_view {{{STALE_CSS}}}</style>")
        with st.container(key="train_view"):
            draw(current)

    st.fragment(run_every=POLL_S.get(page_stage))(live)()
