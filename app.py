"""DEC Explorer: Deep Embedded Clustering you can watch, poke and understand.

Run with ``streamlit run app.py`` (or ``dec-explorer`` once installed). The pages live in ``pages/``; the engine is
``dec_core`` (no streamlit there).
"""

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from dec_core.pretrained import ASSETS  # noqa: E402
from explorer.ui import (  # noqa: E402
    init_state,
    nav_menu,
    remember_owner,
    share_panel,
    sync_url,
    training_status,
)

ROOT = Path(__file__).parent  # the repository, or the installed package dec_explorer_app
st.set_page_config(page_title="DEC Explorer", page_icon=str(ASSETS / "icon.svg"),
                   layout="wide")
init_state()

SPEC = {  # group -> (file, title, icon)
    "Experiment": [
        ("pages/data.py", "Data", ":material/dataset:"),
        ("pages/model.py", "Model", ":material/account_tree:"),
        ("pages/train.py", "Train", ":material/play_circle:"),
        ("pages/explore.py", "Explore", ":material/scatter_plot:"),
        ("pages/runs.py", "Runs", ":material/folder_open:"),
    ],
    "Teach": [
        ("pages/learn.py", "Step by step", ":material/school:"),
        ("pages/compare.py", "Compare methods", ":material/compare:"),
    ],
}
PAGES = {
    group: [st.Page(f, title=t, icon=i, default=(f == "pages/data.py"))
            for f, t, i in items if (ROOT / f).is_file()]
    for group, items in SPEC.items()
}
# The menu is drawn by nav_menu: with a pages/ folder, Streamlit's own sidebar
# menu would first list the raw file names on a fresh server
# (.streamlit/config.toml sets client.showSidebarNavigation = false).
page = st.navigation(PAGES, position="hidden")

# Every sidebar element keeps its place from run to run (the training status is
# a slot that may stay empty), so a rerun never shows an element twice.
with st.sidebar:
    st.markdown("### DEC Explorer")
    st.caption("Deep Embedded Clustering (Xie, Girshick & Farhadi, 2016), live.")
    nav_menu(PAGES)
    training_status(show=page.url_path != "train")  # Train shows its own live progress
    share_panel()
    remember_owner()

try:
    page.run()
finally:  # also after st.stop(): keep the URL in step with the settings
    sync_url()
