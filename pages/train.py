"""Train: set pretraining and DEC, press Start, watch the clusters form.

Training runs in a background job (explorer.jobs); this page only reads the
job's state and draws it, polling with a fragment while the job is active.
"""

import json
from pathlib import Path

import streamlit as st

from dec_core.dims import check_dims
from dec_core.metrics import matched_confusion_matrix
from explorer import train_charts as charts
from explorer.jobs import manager
from explorer.resources import check_fits
from explorer.state import TRAIN_DEFAULTS, cli_config, dec_params
from explorer.ui import bind, current_dataset, init_page, shown, store_all

init_page()
jobs = manager()
owner = st.session_state["owner"]

# Reattach after a refresh: the job id travels in the URL.
if "job_id" not in st.session_state and st.query_params.get("job"):
    if jobs.get(st.query_params["job"], owner) is not None:
        st.session_state["job_id"] = st.query_params["job"]

st.title("Train")
data, model, train = st.session_state["data"], st.session_state["model"], st.session_state["train"]
hidden = "-".join(str(h) for h in model["hidden"])
n_txt = f"{data['n_samples']:,} samples" if data["n_samples"] else "all samples"
st.caption(f"**{data['name']}** ({n_txt}) · autoencoder d-{hidden} · "
           f"{model['n_clusters'] or 'as many clusters as labels'} · change them on the Data "
           "and Model pages.")

# ------------------------------------------------------------------ settings
def settings_panel() -> None:
    """Every pretraining and DEC setting, bound to st.session_state['train']."""
    with st.expander("Settings", expanded=False):
        left, right = st.columns(2)
        with left:
            st.markdown("**Pretraining** (the autoencoder)")
            st.radio("Scheme", ["end_to_end", "layerwise"], key=bind("train", "pretrain"),
                     horizontal=True, format_func=lambda s: s.replace("_", " "),
                     help="End to end trains the whole autoencoder at once (DEC-keras). Layer-wise "
                          "trains one denoising layer pair at a time with dropout 0.2, then "
                          "fine-tunes (the paper's way; slower).")
            st.number_input("Epochs", 0, 2000, key=bind("train", "pretrain_epochs"),
                            help="Passes over the data for end-to-end (fine-tuning) training. "
                                 "Usually 50-300; 0 skips pretraining.")
            if train["pretrain"] == "layerwise" or st.session_state.get("train.pretrain") == "layerwise":
                st.number_input("Epochs per layer", 0, 1000, key=bind("train", "layer_epochs"),
                                help="Greedy layer-wise epochs for each layer pair. Usually 10-50.")
            st.select_slider("Batch size", [16, 32, 64, 128, 256, 512, 1024],
                             key=bind("train", "pretrain_batch_size"),
                             help="Samples per gradient step. Small data likes 32-128; MNIST 256.")
            st.selectbox("Optimizer", ["adam", "sgd"], key=bind("train", "pretrain_optimizer"),
                         help="Adam needs little tuning (lr ~1e-3); SGD with momentum 0.9 is the "
                              "reference's choice (lr ~1 with its init).")
            st.number_input("Learning rate", 1e-6, 10.0, key=bind("train", "pretrain_lr"),
                            format="%.5f", help="Adam: 1e-4 to 3e-3. SGD: 0.01 to 1.")
            st.radio("Learning-rate schedule", ["cosine", "constant"], horizontal=True,
                 key=bind("train", "pretrain_schedule"),
                 help="cosine decays the learning rate to 0 over the epochs (steadier end "
                      "points); constant keeps it fixed (the reference's choice).")
        st.slider("Input noise", 0.0, 1.0, key=bind("train", "pretrain_noise"), step=0.05,
                      help="Std of Gaussian noise added to inputs while pretraining (a denoising "
                           "autoencoder). 0.1-0.3 often gives k-means a cleaner embedding.")
        with right:
            st.markdown("**DEC** (self-training)")
            st.number_input("Update interval", 1, 5000, key=bind("train", "update_interval"),
                            help="Batches between recomputing the target P on all data. The paper "
                                 "uses 140 for MNIST; small data wants 10-50.")
            st.number_input("Tolerance (tol)", 0.0, 1.0, key=bind("train", "tol"), format="%.4f",
                            help="Stop when fewer than this share of points change cluster "
                                 "between updates. Usually 0.001.")
            st.number_input("Max iterations", 0, 200000, key=bind("train", "max_iter"),
                            help="Upper bound on DEC batches. 20,000 is plenty; tol stops earlier.")
            st.select_slider("DEC batch size", [32, 64, 128, 256, 512, 1024],
                             key=bind("train", "batch_size"), help="Usually 256.")
            st.number_input("DEC learning rate", 1e-6, 1.0, key=bind("train", "learning_rate"),
                            format="%.4f", help="SGD with momentum 0.9; the paper uses 0.01.")
            st.number_input("IDEC gamma", 0.0, 10.0, key=bind("train", "gamma"), step=0.05,
                            help="Weight of the reconstruction loss kept during clustering "
                                 "(IDEC). 0 is plain DEC; IDEC uses 0.1.")
            st.number_input("Seed", 0, 10**6, key=bind("train", "seed"),
                            help="Random seed for weights, shuffling and k-means.")

        def _reset():
            for k, v in TRAIN_DEFAULTS.items():
                st.session_state["train"][k] = v
                st.session_state[f"train.{k}"] = v

        st.button("Reset to defaults", on_click=_reset)


if shown("train_settings"):
    settings_panel()
train = store_all("train")

# ---------------------------------------------------------------- start/stop
job = jobs.get(st.session_state.get("job_id"), owner)
active = job is not None and job.active

# Refuse up front what cannot work: bad data, too many clusters, too little memory.
problem = None
try:
    ds = current_dataset()
    params = dec_params(model, train, ds.n_features, ds.n_classes)
    check_dims(params["dims"], ds.n_features)
    if params["n_clusters"] > ds.n_samples:
        raise ValueError(f"n_clusters={params['n_clusters']} is more than the "
                         f"{ds.n_samples} samples; lower it on the Model page.")
    check_fits(ds.n_samples, params["dims"], params["n_clusters"])
except ValueError as err:
    problem = str(err)
if problem:
    st.error(problem)


def _start():
    upload = st.session_state.get("upload") if st.session_state["data"]["name"] == "file" else None
    config = {k: dict(st.session_state[k]) for k in ("data", "model", "train")}
    new = manager().submit(st.session_state["owner"], config, upload)
    st.session_state["job_id"] = new.id
    st.query_params["job"] = new.id


def _stop():
    manager().stop(st.session_state.get("job_id"), st.session_state["owner"])


b1, b2, info = st.columns([1, 1, 4])
b1.button("Start", type="primary", on_click=_start, disabled=active or bool(problem), icon=":material/play_arrow:",
          help="Pretrain the autoencoder, run k-means in its embedding, then DEC.")
b2.button("Stop", on_click=_stop, disabled=not active, icon=":material/stop:",
          help="Stop now; the model keeps what it has learned and is saved.")

PHASES = {"queued": "Waiting in the queue", "loading": "Loading data",
          "pretraining": "1/3 Pretraining the autoencoder", "kmeans": "2/3 k-means in the embedding",
          "dec": "3/3 DEC self-training", "saving": "Saving the run", "finished": "Finished"}


def _fmt_eta(seconds):
    if seconds is None:
        return "estimating…"
    return f"{seconds:.0f} s left" if seconds < 120 else f"{seconds / 60:.1f} min left"


def draw(job_id: str) -> None:
    """The live part: progress, charts, result. Re-run by the fragment timer."""
    job = manager().get(job_id, st.session_state["owner"])
    if job is None:
        st.info("No training yet: press **Start** to train on the current data and model.")
        return
    v = job.view()
    if v["state"] == "queued":
        pos = manager().queue_position(job)
        st.info(f"Queued: position {pos} — {manager().max_jobs} job(s) run at once on this "
                "server; yours starts when a slot frees up.")
    elif v["state"] == "running":
        phase = PHASES.get(v["phase"], v["phase"])
        st.progress(v["progress"], text=f"**{phase}** · {v['progress']:.0%} · "
                    f"{v['elapsed']:.0f} s elapsed · {_fmt_eta(v['eta'])}")
    elif v["state"] == "failed":
        st.error(f"Training failed: {v['error']}")
    else:
        verb = "Stopped" if v["state"] == "stopped" else "Finished"
        st.success(f"{verb} in {v['elapsed']:.1f} s — {v['message']}")
    for warning in v["warnings"]:
        st.warning(warning)
    if v["reused_autoencoder"]:
        st.caption("Only DEC settings changed, so the pretrained autoencoder was reused.")

    tol = float(v["config"]["train"]["tol"])
    c1, c2 = st.columns(2)
    with c1:
        if v["pretrain"]:
            st.plotly_chart(charts.pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"]),
                            key="pretrain_chart")
        else:
            st.plotly_chart(charts.placeholder("Autoencoder pretraining: reconstruction loss",
                                               "waiting for the first epoch…"), key="pretrain_chart")
    with c2:
        if len(v["dec"]) > 1:
            st.plotly_chart(charts.kl_loss_figure(v["dec"]), key="kl_chart")
        else:
            st.plotly_chart(charts.placeholder("DEC: KL divergence loss",
                                               "starts after pretraining and k-means"), key="kl_chart")
    c3, c4 = st.columns(2)
    with c3:
        if len(v["dec"]) > 1:
            st.plotly_chart(charts.delta_label_figure(v["dec"], tol), key="delta_chart")
        else:
            st.plotly_chart(charts.placeholder("DEC: changed-label share per update",
                                               f"stops below tol = {tol:g}"), key="delta_chart")
    with c4:
        if v["dec"] and "acc" in v["dec"][0] and shown("charts_metrics"):
            st.plotly_chart(charts.metrics_figure(v["dec"], v["kmeans"]), key="metrics_chart")
        elif v["dataset"] and v["dataset"].get("n_classes") is None:
            st.info("No true labels: ACC / NMI / ARI cannot be computed for this data.")

    if v["state"] in ("done", "stopped") and v["run_path"]:
        st.session_state["run_path"] = v["run_path"]
        draw_result(job, v)


def draw_result(job, v) -> None:
    st.subheader("Result")
    scores, km = v["scores"], v["kmeans"]
    if scores:
        cols = st.columns(3)
        for col, key in zip(cols, ("acc", "nmi", "ari")):
            delta = scores[key] - km[key] if key in km else None
            col.metric(key.upper(), f"{scores[key]:.3f}",
                       None if delta is None else f"{delta:+.3f} vs AE + k-means")
    run = None
    try:
        manifest = Path(v["run_path"]) / "manifest.json"
        run = _cached_run(v["run_path"], manifest.stat().st_mtime if manifest.exists() else 0)
    except ValueError as err:
        st.warning(f"The saved run could not be read back: {err}")
    if run is not None and run.y_true is not None:
        matrix, classes, clusters = matched_confusion_matrix(run.y_true, run.labels)
        norm = st.toggle("Row-normalised", value=False, key="cm_norm",
                         help="Show each class's share per cluster instead of counts.")
        st.plotly_chart(charts.confusion_figure(matrix, classes, clusters,
                                                v["dataset"].get("class_names"), normalize=norm),
                        key="confusion_chart")
    _exports(v)
    try:
        st.page_link("pages/explore.py", label="Explore the clusters",
                     icon=":material/scatter_plot:")
    except Exception:  # no navigation (a page run on its own, e.g. in AppTest)
        pass


def _exports(v) -> None:
    """Downloads: charts (HTML), labels (CSV), the CLI config (JSON), the model (.keras)."""
    run_dir = Path(v["run_path"])
    cfg = v["config"]
    figs = [charts.pretrain_loss_figure(v["pretrain"], v["pretrain_epochs"]),
            charts.kl_loss_figure(v["dec"]), charts.delta_label_figure(v["dec"], float(
                cfg["train"]["tol"]))]
    if v["dec"] and "acc" in v["dec"][0]:
        figs.append(charts.metrics_figure(v["dec"], v["kmeans"]))
    html = "<html><head><meta charset='utf-8'><title>DEC training charts</title></head><body>"
    html += "".join(f.to_html(full_html=False, include_plotlyjs=(i == 0))
                    for i, f in enumerate(figs)) + "</body></html>"
    st.caption("Export — each chart also saves as PNG from its camera icon.")
    c = st.columns(4)
    c[0].download_button("Charts (HTML)", html, "dec-training-charts.html", "text/html",
                         icon=":material/download:", help="All training charts, interactive.")
    if (run_dir / "labels.csv").is_file():
        c[1].download_button("Labels (CSV)", (run_dir / "labels.csv").read_bytes(),
                             "labels.csv", "text/csv", icon=":material/download:",
                             help="index, cluster and true label of every sample.")
    config = cli_config(cfg["data"], cfg["model"], cfg["train"])
    c[2].download_button("Config (JSON)", json.dumps(config, indent=2), "dec-config.json",
                         "application/json", icon=":material/download:",
                         help="Reproduce this run headless: python -m dec_core run --config "
                              "dec-config.json")
    if (run_dir / "model.keras").is_file():
        c[3].download_button("Model (.keras)", (run_dir / "model.keras").read_bytes(),
                             "dec-model.keras", "application/octet-stream",
                             icon=":material/download:",
                             help="The Keras model x -> (q, x_hat), with its ClusteringLayer.")


@st.cache_resource(max_entries=8, show_spinner=False)
def _cached_run(path: str, mtime: float):
    from dec_core.runs import load_run

    return load_run(path, with_model=False)


job_id = st.session_state.get("job_id")
if job_id is None:
    st.info("Press **Start** to train DEC on the current data and model. Charts appear here "
            "live; you can switch pages or refresh — training goes on in the background.")
else:

    def live():
        draw(job_id)
        j = manager().get(job_id, st.session_state["owner"])
        if active and (j is None or not j.active):
            st.rerun()  # the job ended: redraw the whole page without the timer
    st.fragment(run_every=0.7 if active else None)(live)()
