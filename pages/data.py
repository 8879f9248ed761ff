"""Data: pick a data set (or upload one), subsample and scale it, and look at it."""

import pandas as pd
import streamlit as st

from dec_core.cost import human_count
from dec_core.datasets import SYNTHETIC_NOISE, SYNTHETIC_POINTS
from explorer import settings
from explorer.analysis import k_sweep
from explorer.charts import data as data_charts
from explorer.compat import forget_upload
from explorer.data import check_upload, upload_digest
from explorer.session.background import poll, tasks
from explorer.session.page import current_dataset, init_page
from explorer.session.state import dataset_changes
from explorer.session.submit import running_job, start_job
from explorer.session.widgets import bind, chart_columns, set_setting, shown, store

init_page()

NAMES = {
    "digits": "Digits 8x8 (built in, 1,797 images)",
    "mnist": "MNIST 28x28 (70,000 images)",
    "fashion_mnist": "Fashion-MNIST 28x28 (70,000 images)",
    "blobs": "Blobs (synthetic, convex)",
    "moons": "Two moons (synthetic, non-convex)",
    "circles": "Circles (synthetic, non-convex)",
    "imbalanced_blobs": "Imbalanced blobs (synthetic, 10 : 10 : 1)",
    "file": "Upload a file (CSV / NPY / NPZ)",
}
SYNTHETIC = tuple(SYNTHETIC_NOISE)

st.title("Data")
st.caption("What DEC will cluster. The true labels never enter training. They are used in "
           "two places: the number of clusters defaults to the number of classes (choose "
           "another on the Model page), and after training they score the clusters (ACC, "
           "NMI, ARI) and colour the charts.")
data = st.session_state["data"]
if isinstance(data["label_column"], str) and data["label_column"].isdigit():
    data["label_column"] = int(data["label_column"])  # a column index, as a link carries it


def _on_name_change():
    """A new data set starts from its own noise level and preset.

    Model and train settings still at the old data set's preset move to the
    new one's (dec_core.presets); settings the user changed stay.
    """
    for section, key, value in dataset_changes(st.session_state, st.session_state["data.name"]):
        set_setting(section, key, value)


def _release_upload(up, message: str) -> None:
    """Forget a refused file at once, so its bytes do not stay on the server.

    Streamlit keeps an uploaded file's bytes for as long as its widget holds
    it (a refused 196 MB CSV held 468 MB of the server's memory): drop the file
    from the upload manager, give the uploader a fresh key (an empty widget),
    return the freed heap to the system, and say why on the next run.
    """
    import gc

    forget_upload(up.file_id)
    up.close()  # the widget's own copy (a BytesIO over the bytes), held until its state goes
    st.session_state["upload_refused"] = message
    st.session_state["data_file_gen"] = st.session_state.get("data_file_gen", 0) + 1
    gc.collect()
    try:  # glibc keeps freed arenas mapped; hand them back
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _uploader_key() -> str:
    return f"data_file{st.session_state.get('data_file_gen', 0) or ''}"


def _on_upload() -> None:
    """A new file: check it before the page runs; a refused one is released at once.

    A callback, so a refusal gives the uploader its fresh key in this very run
    (no rerun, no stale widget holding the bytes).
    """
    up = st.session_state.get(_uploader_key())
    if up is None:
        return
    content, data = up.getvalue(), st.session_state["data"]
    key = (up.name, upload_digest(content), tuple(sorted(data.items(), key=str)))
    _, problem = check_upload(up.name, content, data)
    st.session_state["upload_check"] = {"key": key, "error": problem}
    if problem is None:
        st.session_state["upload"] = {"name": up.name, "bytes": content}
        st.session_state.pop("upload_refused", None)
        return
    kept = st.session_state.get("upload")
    del content
    _release_upload(up, problem + (f" The previous file, {kept['name']}, stays selected."
                                   if kept else ""))


def _upload_panel():
    """The file uploader and the CSV label column; stores an upload only when it loads."""
    up = st.file_uploader(
        "CSV, NPY or NPZ file", type=["csv", "tsv", "txt", "npy", "npz"],
        key=_uploader_key(), on_change=_on_upload,
        help="CSV: one sample per row, with or without a header, numbers only except an "
             "optional label column. NPY: an array (n, d) or images (n, h, w). NPZ: keys x "
             "(and y), or the Keras layout x_train/y_train/x_test/y_test. Never unpickled.")
    content = up.getvalue() if up is not None else None
    current = st.session_state.get("upload")
    source = content if content is not None else (current or {}).get("bytes")
    fname = up.name if up is not None else (current or {}).get("name", "")
    if not fname.lower().endswith((".npy", ".npz")):  # CSV (or no file yet)
        header = data_charts.csv_header(source) if source else None
        width = min(data_charts.csv_width(source), 1000) if source else 0
        options = ["auto", "none", *(header or range(width))]
        if data["label_column"] not in options:
            set_setting("data", "label_column", "auto")
        st.selectbox(
            "Label column (CSV)", options, key=bind("data", "label_column"),
            format_func=lambda v: {"auto": "auto-detect", "none": "none (no labels)"}.get(
                v, f"column {v}" if isinstance(v, int) else v),
            help="Which CSV column holds the true labels; it is taken out of the features. "
                 "auto-detect takes a column named label / y / target / class, or a last "
                 "column of text. Labels only score the clusters; at most 256 classes.")
        store("data", "label_column")

    if up is None:
        st.session_state.pop("upload_check", None)
    elif current is None or current["bytes"] != content or current["name"] != up.name:
        key = (up.name, upload_digest(content), tuple(sorted(data.items(), key=str)))
        check = st.session_state.get("upload_check")
        if not check or check["key"] != key:
            _, problem = check_upload(up.name, content, data)
            check = {"key": key, "error": problem}
            st.session_state["upload_check"] = check
            if problem is None:
                st.session_state["upload"] = {"name": up.name, "bytes": content}
        if check["error"]:
            kept = st.session_state.get("upload")
            st.error(check["error"] + (f" The previous file, {kept['name']}, stays selected."
                                       if kept else ""), icon=":material/error:")
    if up is None and st.session_state.get("upload_refused"):
        st.error(st.session_state["upload_refused"], icon=":material/error:")
    kept = st.session_state.get("upload")
    if kept and (up is None or kept["name"] != up.name or kept["bytes"] != content):
        st.caption(f"Using {kept['name']} ({len(kept['bytes']):,} bytes), the last good upload.")


if shown("data_options"):
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.selectbox("Data set", list(NAMES), format_func=NAMES.get, key=bind("data", "name"),
                     on_change=_on_name_change,
                     help="Digits needs nothing else and trains in seconds. MNIST and "
                          "Fashion-MNIST read DEC_DATA_DIR (or download). Synthetic sets show "
                          "where k-means-style clustering struggles (moons, circles), and "
                          "what the division by the cluster size f_j does (imbalanced "
                          "blobs: one blob a tenth the size of the others).")
        name = store("data", "name")
        synthetic = name in SYNTHETIC
        st.number_input("Points to generate (0 = default)" if synthetic
                        else "Subsample size (0 = all)",
                        0, 100_000, step=100, key=bind("data", "n_samples"),
                        help="A seeded, class-stratified subsample keeps training quick: "
                             "2,000-10,000 samples train in a minute or two on a CPU; MNIST has "
                             "70,000. For synthetic sets, how many points to draw (0 = "
                             f"{SYNTHETIC_POINTS['blobs']:,} blobs, {SYNTHETIC_POINTS['moons']:,} "
                             "moons or circles, "
                             f"{SYNTHETIC_POINTS['imbalanced_blobs']:,} imbalanced blobs). "
                             "At least 2 (3 for imbalanced blobs).")
        store("data", "n_samples")
        st.selectbox("Scaling", ["auto", "minmax", "standard", "none"], key=bind("data", "scale"),
                     help="auto: pixels to [0, 1], tabular columns standardised (mean 0, sd 1). "
                          "minmax maps each column (images: all pixels) to [0, 1]; standard "
                          "gives each column mean 0 and sd 1; none keeps the raw values.")
        store("data", "scale")
        st.number_input("Seed", 0, 10**6, key=bind("data", "seed"),
                        help="Seed of the subsample and of synthetic data (any integer, "
                             "0-1,000,000); the same seed gives the same samples.")
        store("data", "seed")
        if synthetic:
            top = data_charts.NOISE_MAX[name]
            if data.get("noise") is None or not 0 <= float(data["noise"]) <= top:
                set_setting("data", "noise", SYNTHETIC_NOISE[name])
            st.slider("Noise", 0.0, top, key=bind("data", "noise"), step=0.01,
                      help=f"Spread of the points: {'the std of each blob (usually 0.5-2)' if name.endswith('blobs') else 'the jitter of the points (usually 0.02-0.2)'}; "
                           f"default {SYNTHETIC_NOISE[name]}. More noise, harder clusters.")
            store("data", "noise")
        if name == "file":
            _upload_panel()
        image_note = st.empty()  # filled once the data is loaded: only images get it
    preview_box = right.container()
else:
    preview_box = image_note = st.container()

with preview_box:
    if data["name"] == "file" and not st.session_state.get("upload"):
        st.info("Choose a CSV, NPY or NPZ file to preview it here.", icon=":material/upload_file:")
        st.stop()
    try:
        ds = current_dataset()
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        if data["name"] in ("mnist", "fashion_mnist"):
            folder = settings.data_dir()
            where = (f"DEC_DATA_DIR is `{folder}`; put `{data['name']}.npz` there" if folder else
                     "Offline? Start the app with the environment variable DEC_DATA_DIR set to a "
                     f"folder holding `{data['name']}.npz`")
            st.info(f"{where} in the Keras layout (arrays x_train, y_train, x_test, y_test), "
                    "e.g. `DEC_DATA_DIR=../shared/data streamlit run app.py`; or upload that "
                    ".npz with 'Upload a file'.", icon=":material/info:")
        st.stop()
    except Exception as err:  # never a traceback on this page
        st.error(f"The data could not be loaded: {type(err).__name__}: {err}",
                 icon=":material/error:")
        st.stop()

    m = st.columns(4)
    # a metric's value is cut, never wrapped: past 5 digits it is shortened (740.7 k),
    # and its help gives the exact count
    def count(n: int) -> str:
        return f"{n:,}" if n < 100_000 else human_count(n)

    m[0].metric("Samples", count(ds.n_samples),
                help=f"n = {ds.n_samples:,}, the rows DEC clusters.")
    m[1].metric("Features (d)", count(ds.n_features), help=f"d = {ds.n_features:,}, the input "
                "width of the autoencoder (the Model page starts from it).")
    m[2].metric("Classes", ds.n_classes if ds.n_classes is not None else "none",
                help="Distinct true labels; with n_clusters = 0 DEC looks for this many.")
    m[3].metric("Image", f"{ds.image_shape[0]}x{ds.image_shape[1]}" if ds.image_shape
                else "no", help="Height x width when each row is an image; no: a table of "
                "numbers (a short word: a metric's value never wraps, it is cut).")
    st.caption(f"{ds.description}. {data_charts.value_summary(ds)}")
    if ds.image_shape is not None and shown("data_options"):
        image_note.caption("DEC sees each sample as a row of d numbers; images are flattened "
                           "row by row, so it knows nothing of neighbouring pixels.")

    if ds.image_shape is not None:
        st.plotly_chart(data_charts.image_preview_figure(ds), width="stretch", key="data_grid")
    else:
        names = [f"feature {j}" for j in range(ds.n_features)]
        upload = st.session_state.get("upload")
        if data["name"] == "file" and upload and not upload["name"].lower().endswith((".npy", ".npz")):
            names = data_charts.feature_names(data_charts.csv_header(upload["bytes"]), ds.n_features,
                                           data["label_column"], ds.y is not None)
        if len(set(names)) < len(names):  # duplicate header names
            names = [f"{n} ({j})" for j, n in enumerate(names)]
        if ds.n_features >= 2:
            for key, default in (("data_fx", 0), ("data_fy", 1)):
                if st.session_state.get(key, default) >= ds.n_features:
                    st.session_state[key] = default
            a, b = st.columns(2)
            fx = a.selectbox("x axis", range(ds.n_features), format_func=names.__getitem__,
                             key="data_fx", help="The feature on the horizontal axis "
                             "(after scaling).")
            fy = b.selectbox("y axis", range(ds.n_features), index=1,
                             format_func=names.__getitem__, key="data_fy",
                             help="The feature on the vertical axis (after scaling).")
            st.plotly_chart(data_charts.feature_scatter(ds, fx, fy, names=names), width="stretch",
                            key="data_scatter")
        table = pd.DataFrame(ds.x[:200], columns=names)
        if ds.y is not None:
            table.insert(0, "label" if "label" not in names else "true label", [ds.class_name(int(c)) for c in ds.y[:200]])
        with st.expander(f"The first {len(table)} rows (scaled)", expanded=ds.n_features < 2):
            st.dataframe(table, height=260, width="stretch")
    if ds.y is not None:
        st.plotly_chart(data_charts.class_balance_figure(ds), width="stretch", key="data_balance")


@st.fragment(run_every=2.0)
def _rerun_when_cached(job) -> None:
    """While the job runs: the whole page again once an autoencoder for these settings is
    cached (the sweep then re-runs in it) or the job ends (the offer comes back)."""
    state = st.session_state
    upload = state.get("upload") if state["data"]["name"] == "file" else None
    if not job.active or k_sweep.cached_autoencoder(state, state.get("owner"), upload):
        st.rerun()


def _pretrain_offer(result: dict) -> None:
    """When the sweep ran on the data (no autoencoder fits): pretrain one, unless a job runs."""
    label = k_sweep.pretrain_offer(result)
    if label is None:
        return
    job = running_job(st.session_state["owner"])
    if job is not None:
        st.caption(k_sweep.pretraining_text(job.config, job.upload, st.session_state))
        try:
            st.page_link("pages/train.py", label="Train", icon=":material/model_training:")
        except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
            pass
        _rerun_when_cached(job)
        return
    st.button(label, key="k_sweep_pretrain", on_click=start_job,
              icon=":material/model_training:")
    st.caption(k_sweep.PRETRAIN_OFFER_TEXT)


def _k_sweep_panel(ds) -> None:
    """How many clusters, and are they real? The k sweep, in the background: by itself for
    an uploaded file (explorer.analysis.k_sweep.runs_by_itself), on request for a built-in set."""
    model = st.session_state["model"]
    params = k_sweep.session_params(st.session_state, ds)
    st.subheader("How many clusters, and are they real?")
    result, task, error = k_sweep.resolve(st.session_state, ds)
    if error is not None:
        st.error(f"The k sweep failed: {error}", icon=":material/error:")
        if st.button("Run the k sweep again", icon=":material/refresh:", key="k_sweep_retry"):
            tasks().forget(task)
            k_sweep.resolve(st.session_state, ds, start=True)
            st.rerun()
        return
    if result is None:
        auto = k_sweep.runs_by_itself(st.session_state["data"])
        st.caption("DEC returns as many clusters as you ask for, whether or not the data hold "
                   "any. The k sweep clusters the embedding with k-means for k = 2 ... 15 and "
                   "plots the silhouette, the stability of resampled fits and a Gaussian "
                   "mixture's BIC against k, then compares the data with a uniform reference "
                   "of the same shape (the gap statistic). It costs "
                   + k_sweep.cost_text(ds.n_samples, ds.n_features, params["dims"][-1]) + "."
                   + (" It runs by itself for an uploaded file." if auto else ""))
        if not poll([task], "Running the k sweep"):
            if st.button("Run the k sweep", icon=":material/query_stats:", key="k_sweep_run"):
                k_sweep.resolve(st.session_state, ds, start=True)
                st.rerun()
        return
    poll([task], "Running the k sweep again, in the autoencoder training pretrained")
    verdict = k_sweep.structure_text(result)
    if result["structure"] == "none":
        st.warning(verdict, icon=":material/blur_on:")
    else:
        st.success(verdict, icon=":material/hub:")
    st.markdown(k_sweep.suggestion_text(result))
    k = result["suggested_k"]
    if int(model["n_clusters"]) == k:
        st.caption(f"k = {k} is set on the Model page.")
    else:
        st.button(f"Use k = {k}", key="k_sweep_use", on_click=set_setting,
                  args=("model", "n_clusters", k), icon=":material/check:",
                  help="Sets the number of clusters on the Model page.")
    st.caption(k_sweep.space_text(result))
    _pretrain_offer(result)
    for row in (k_sweep.CRITERIA[:2], k_sweep.CRITERIA[2:]):
        for box, which in zip(chart_columns(2), row):
            box.plotly_chart(k_sweep.criterion_figure(result, which, ds.n_classes),
                             width="stretch", key=f"k_sweep_{which}")


_k_sweep_panel(ds)
