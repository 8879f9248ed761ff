"""DEC Explorer: Deep Embedded Clustering you can watch, poke and understand.

Run with ``streamlit run app.py``. The pages live in ``pages/``; the engine is
``dec_core`` (no streamlit there).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from explorer.ui import init_page, sync_url  # noqa: E402

st.set_page_config(page_title="DEC Explorer", page_icon="assets/icon.svg", layout="wide")
init_page()

PAGES = {
    "Experiment": [
        st.Page("pages/data.py", title="Data", icon=":material/dataset:", default=True),
        st.Page("pages/model.py", title="Model", icon=":material/account_tree:"),
        st.Page("pages/train.py", title="Train", icon=":material/play_circle:"),
        st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
        st.Page("pages/runs.py", title="Runs", icon=":material/folder_open:"),
    ],
}
try:
    st.navigation(PAGES).run()
finally:  # also after st.stop(): keep the URL in step with the settings
    sync_url()
