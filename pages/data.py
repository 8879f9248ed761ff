"""Data: pick a data set (or upload one), subsample and scale it, and look at it."""

import streamlit as st

from dec_core.datasets import SCALINGS, SYNTHETIC_NOISE, SYNTHETIC_POINTS
from explorer import settings
from explorer.charts import data as data_charts
from explorer.panels import data as data_panel
from explorer.session.page import current_dataset, init_page
from explorer.session.state import dataset_changes, label_column, missing_upload, noise_reset
from explorer.session.widgets import bind, projector_mode, set_setting, shown, store
from explorer.text import teach

init_page()

SYNTHETIC = tuple(SYNTHETIC_NOISE)

st.title("Data")
st.caption(teach.DATA_INTRO)
data = st.session_state["data"]
data["label_column"] = label_column(data)  # a column index, as a link carries it, is text


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
        st.selectbox("Data set", list(teach.DATASET_NAMES), format_func=teach.DATASET_NAMES.get,
                     key=bind("data", "name"), on_change=_on_name_change,
                     help=teach.DATASET_HELP)
        name = store("data", "name")
        synthetic = name in SYNTHETIC
        st.number_input("Points to generate (0 = default)" if synthetic
                        else "Subsample size (0 = all)",
                        0, 100_000, step=100, key=bind("data", "n_samples"),
                        help=teach.subsample_help(SYNTHETIC_POINTS))
        store("data", "n_samples")
        st.selectbox("Scaling", list(SCALINGS), key=bind("data", "scale"),
                     help=teach.SCALE_HELP)
        store("data", "scale")
        st.number_input("Seed", 0, 10**6, key=bind("data", "seed"), help=teach.SEED_HELP)
        store("data", "seed")
        if synthetic:
            top = data_charts.NOISE_MAX[name]
            if (reset := noise_reset(data, top)) is not None:
                set_setting("data", "noise", reset)
            st.slider("Noise", 0.0, top, key=bind("data", "noise"), step=0.01,
                      help=teach.noise_help(name, SYNTHETIC_NOISE[name]))
            store("data", "noise")
        if name == "file":
            data_panel.upload_panel(data)
        image_note = st.empty()  # filled once the data is loaded: only images get it
    preview_box = right.container()
else:
    preview_box = image_note = st.container()

with preview_box:
    if missing_upload(st.session_state):
        st.info(teach.UPLOAD_PROMPT, icon=":material/upload_file:")
        st.stop()
    try:
        ds = current_dataset()
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        if data["name"] in ("mnist", "fashion_mnist"):
            st.info(teach.data_dir_hint(data["name"], settings.data_dir()), icon=":material/info:")
        st.stop()
    except Exception as err:  # never a traceback on this page
        st.error(teach.load_failed_text(err), icon=":material/error:")
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
