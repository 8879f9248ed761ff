"""DEC Explorer: Deep Embedded Clustering you can watch, poke and understand.

Run with ``streamlit run app.py``. The pages live in ``pages/``; the engine is
``dec_core`` (no streamlit there).
"""

import os
from pathlib import Path
from urllib.parse import urlencode, urlsplit

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from explorer.jobs import manager  # noqa: E402
from explorer.ui import HIDEABLE, init_page, share_query, sync_url  # noqa: E402

ROOT = Path(__file__).parent
st.set_page_config(page_title="DEC Explorer", page_icon=str(ROOT / "assets/icon.svg"),
                   layout="wide")
init_page()

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
page = st.navigation(PAGES)

with st.sidebar:
    st.markdown("### DEC Explorer")
    st.caption("Deep Embedded Clustering (Xie, Girshick & Farhadi, 2016), live.")
    job = manager().get(st.session_state.get("job_id"), st.session_state["owner"])
    if job is not None and job.active:
        v = job.view()
        st.progress(v["progress"], text=f"Training: {v['phase']}")
    with st.expander("Share / present", icon=":material/share:"):
        st.multiselect("Hide in presenter mode", list(HIDEABLE), format_func=HIDEABLE.get,
                       key="present",
                       help="Controls to hide while presenting; the link below carries the "
                            "choice, so students see the same view.")
        try:
            parts = urlsplit(st.context.url or "")
            base = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else ""
        except Exception:  # no browser context (tests)
            base = ""
        st.caption("Link to this experiment (every setting of Data, Model and Train):")
        st.code(f"{base}?{urlencode(share_query(), safe=',')}", language=None, wrap_lines=True)

try:
    page.run()
finally:  # also after st.stop(): keep the URL in step with the settings
    sync_url()
