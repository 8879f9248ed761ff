"""Data: pick a data set (or upload one), subsample and scale it, and look at it."""

import streamlit as st

from dec_core.datasets import SYNTHETIC_NOISE, SYNTHETIC_POINTS
from explorer import settings
from explorer.charts import data as data_charts
from explorer.panels import data as data_panel
from explorer.session.page import current_dataset, init_page
from explorer.session.state import dataset_changes, missing_upload
from explorer.session.widgets import bind, projector_mode, set_setting, shown, store
from explorer.text import teach

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
st.caption(teach.DATA_INTRO)
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
            spread = ("the std of each blob (usually 0.5-2)" if name.endswith("blobs")
                      else "the jitter of the points (usually 0.02-0.2)")
            st.slider("Noise", 0.0, top, key=bind("data", "noise"), step=0.01,
                      help=f"Spread of the points: {spread}; default {SYNTHETIC_NOISE[name]}. "
                           "More noise, harder clusters.")
            store("data", "noise")
        if name == "file":
            data_panel.upload_panel(data)
        image_note = st.empty()  # filled once the data is loaded: only images get it
    preview_box = right.container()
else:
    preview_box = image_note = st.container()

with preview_box:
    if missing_upload(st.session_state):
        st.info("Choose a CSV, NPY or NPZ file to preview it here.", icon=":material/upload_file:")
        st.stop()
    try:
        ds = current_dataset()
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        if data["name"] in ("mnist", "fashion_mnist"):
            st.info(teach.data_dir_hint(data["name"], settings.data_dir()), icon=":material/info:")
        st.stop()
    except Exception as err:  # never a traceback on this page
        st.error(f"The data could not be loaded: {type(err).__name__}: {err}",
                 icon=":material/error:")
        st.stop()

    data_panel.summary_metrics(ds)
    if ds.image_shape is not None and shown("data_options"):
        image_note.caption(teach.FLATTENED_IMAGES)

    if ds.image_shape is not None:
        st.plotly_chart(data_charts.image_preview_figure(ds, projector=projector_mode()),
                        width="stretch", key="data_grid")
    else:
        data_panel.table_preview(ds, data)
    if ds.y is not None:
        st.plotly_chart(data_charts.class_balance_figure(ds, projector=projector_mode()),
                        width="stretch", key="data_balance")


data_panel.k_sweep_panel(ds)
