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
from explorer.session.owner import remember_owner  # noqa: E402
from explorer.session.page import init_state, nav_menu, share_panel, training_status  # noqa: E402
from explorer.session.url import one_entry_per_page, sync_url  # noqa: E402

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
        ("pages/lockstep.py", "Lockstep", ":material/compare_arrows:"),
        ("pages/compare.py", "Compare methods", ":material/compare:"),
    ],
}
FIRST = "pages/data.py"  # served at the app's root, "/"
PAGES = {
    group: [st.Page(f, title=t, icon=i, default=(f == FIRST),
                    # the root page's own path name must not be "data": the alias below has it
                    url_path="start" if f == FIRST else None)
            for f, t, i in items if (ROOT / f).is_file()]
    for group, items in SPEC.items()
}
# Streamlit serves the default page at "/" only, so "/data?..." (the page's name, in a
# link or typed) would show "Page not found" before running the root page. A hidden page of
# the same file answers that path; it comes after the menu's pages, so a link or switch
# to pages/data.py still goes to "/".
ALIASES = [st.Page(FIRST, title="Data", url_path="data", visibility="hidden")]
# The menu is drawn by nav_menu: with a pages/ folder, Streamlit's own sidebar
# menu would first list the raw file names on a fresh server
# (.streamlit/config.toml sets client.showSidebarNavigation = false).
page = st.navigation({"Experiment": PAGES["Experiment"] + ALIASES, "Teach": PAGES["Teach"]},
                     position="hidden")

# Every sidebar element keeps its place from run to run (the training status is
# a slot that may stay empty), so a rerun never shows an element twice.
with st.sidebar:
    st.markdown("### DEC Explorer")
    st.caption("Deep Embedded Clustering (Xie, Girshick & Farhadi, 2016), live.")
    nav_menu(PAGES)
    training_status(show=page.url_path != "train")  # Train shows its own live progress
    share_panel()
    one_entry_per_page()
    remember_owner()

# The URL follows the settings and the job before the page runs (a page that ends in
# st.stop() cannot write it after: Streamlit stops at the next message; a move to another
# page clears the query) and after it (what the page's widgets changed). Not in a
# session's first run: the tab runs one_entry_per_page's script only once it has drawn
# it, and a write before that still pushes a history entry (a link's "tol=0" rewritten
# as "tol=0.0"); the URL then is the link that was opened.
synced = st.session_state.get("_url_synced", False)
st.session_state["_url_synced"] = True
if synced:
    sync_url()
try:
    page.run()
finally:
    if synced:
        sync_url()
