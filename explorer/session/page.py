"""What every page does first and shares: state set-up, the sidebar, the current data and run."""

from __future__ import annotations

import secrets

import streamlit as st

import explorer.session.owner as session_owner
from explorer.charts.theme import PROJECTOR, PROJECTOR_KEY
from explorer.compat import use_app_navigation
from explorer.session.owner import OWNER_PARAM
from explorer.session.state import ensure_defaults, from_query, link_changes, session_upload
from explorer.session.submit import attach_job
from explorer.session.url import AUDIENCES, PRESENT_PARAM, PROJECTOR_PARAM, share_link
from explorer.session.widgets import HIDEABLE, projector_mode
from explorer.text.states import sidebar_resume_text, sidebar_text

# Projector mode also scales the page's own text (Streamlit sizes it in rem).
# Captions and metric labels in near-black too, and less blank space around the page
# (19 px rem makes Streamlit's 6rem / 5rem paddings huge), so Step by step's lesson fits
# 1280x720.
PROJECTOR_CSS = (
    "<style>html { font-size: 19px; } "
    f"[data-testid='stMetricValue'] {{ color: {PROJECTOR['ink']}; }} "
    f".stApp [data-testid='stCaptionContainer'], .stApp [data-testid='stMetricLabel'] "
    f"{{ color: {PROJECTOR['caption']}; }} "
    "[data-testid='stMainBlockContainer'] { padding: 3.5rem 1.5rem 4rem; }</style>")


def ensure_navigation() -> None:
    """Route a server's very first request through ``app.py``'s ``st.navigation``.

    A deep link opened first on a fresh server would otherwise run the page alone,
    without the app's layout and sidebar (:func:`explorer.compat.use_app_navigation`).
    """
    if use_app_navigation():
        st.rerun()


def init_state() -> None:
    """Defaults, settings from the URL (once per session), and the owner token.

    The token (it lets a browser see and stop its jobs) comes from the browser's
    cookie, or is new; it never goes into the URL, so a projected address bar or
    a copied link does not hand out control.
    :func:`explorer.session.owner.remember_owner` writes the cookie.
    """
    ensure_navigation()
    ensure_defaults(st.session_state)
    if not st.session_state.get("_url_loaded"):
        st.session_state["_url_loaded"] = True
        found, problems = from_query(st.query_params)
        for section, key, value in link_changes(st.session_state, found):
            st.session_state[section][key] = value
        st.session_state["url_problems"] = problems
        hidden = str(st.query_params.get(PRESENT_PARAM, ""))
        st.session_state["present"] = [h for h in hidden.split(",") if h in HIDEABLE]
        if PROJECTOR_PARAM in st.query_params:
            st.session_state[PROJECTOR_KEY] = str(st.query_params[PROJECTOR_PARAM]) == "1"
    if "owner" not in st.session_state:
        st.session_state["owner"] = session_owner.owner_cookie() or secrets.token_urlsafe(18)
    if OWNER_PARAM in st.query_params:  # at once: a projector must not show it
        del st.query_params[OWNER_PARAM]
    if "job_id" not in st.session_state:
        attach_job()


def init_page() -> None:
    """:func:`init_state`, then the warnings about URL values that could not be used."""
    init_state()
    for problem in st.session_state.get("url_problems", []):
        st.warning(problem)


def nav_menu(pages: dict) -> None:
    """The app's page menu, one group of page links per section of ``pages``."""
    for group, items in pages.items():
        st.caption(f"**{group}**")
        for page in items:
            st.page_link(page)


SIDEBAR_POLL_S = 3.0  # a second timer per session: slow, it only moves a small bar


def training_status(show: bool = True) -> None:
    """The session's training job in the sidebar, live while it runs.

    ``show=False`` keeps only the empty slot (no timer): for the Train page,
    which shows the job's progress itself.

    A fragment: it polls the job on its own timer (the page's polling fragment
    reruns only itself, so a status drawn once per full run would go stale, e.g.
    "loading" during the whole run). Its slot is drawn even when empty, so the
    sidebar elements after it keep their place whether a job runs or not (an
    element that moves shows twice while a rerun replaces the sidebar).
    """
    from explorer.jobs import manager

    owner, job_id = st.session_state["owner"], st.session_state.get("job_id")
    job = manager().get(job_id, owner) or manager().interrupted_for(owner)
    job_id = job.id if job is not None else job_id

    def status() -> None:
        # Always one element: an empty one replaces a finished job's bar at once
        # (an element not redrawn lingers until the whole run ends).
        slot = st.empty()
        current = manager().get(job_id, owner)
        if current is not None and current.active:
            v = current.view()
            slot.progress(v["progress"], text=sidebar_text(v["phase"]))
        elif current is not None and current.state == "interrupted":
            slot.warning(sidebar_resume_text(current.message), icon=":material/restart_alt:")

    if not show:
        st.empty()
        return
    active = job is not None and job.active
    st.fragment(run_every=SIDEBAR_POLL_S if active else None)(status)()


def share_panel() -> None:
    """The sidebar's "Share / present" panel: presenter mode and the two links."""
    if projector_mode():
        st.html(PROJECTOR_CSS)
    with st.expander("Share / present", icon=":material/share:"):
        st.multiselect("Hide in presenter mode", list(HIDEABLE), format_func=HIDEABLE.get,
                       key="present",
                       help="Controls to hide while presenting; the presenter's link below "
                            "carries the choice, the students' link shows them all.")
        st.toggle("Projector mode", key=PROJECTOR_KEY,
                  help="For the back row: axis labels and ticks of at least 16 px in near-black, "
                       "larger text and markers, one chart per row. The presenter's link "
                       "below always opens in it.")
        st.caption("Links to this experiment (every setting of Data, Model and Train):")
        for audience, what in AUDIENCES.items():
            st.caption(f"**{what}**")
            st.code(share_link(audience), language=None, wrap_lines=True)


@st.cache_data(max_entries=8, show_spinner="Loading the data…")
def _load_cached(spec_items: tuple, digest: str | None, _upload: dict | None):
    from explorer.data import load

    return load(dict(spec_items), _upload)


def current_dataset():
    """The session's data set (cached across reruns and sessions), or raise ValueError."""
    from explorer.data import upload_digest

    spec = st.session_state["data"]
    upload = session_upload(st.session_state)
    digest = upload_digest(upload["bytes"]) if upload else None
    return _load_cached(tuple(sorted(spec.items())), digest, upload)


def run_mtime(path) -> float:
    """The run's manifest time: part of every cache key, so a re-saved run is re-read."""
    from pathlib import Path

    try:
        return (Path(path) / "manifest.json").stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(max_entries=8, show_spinner="Loading the run…")
def load_run_cached(path: str, mtime: float):
    """A run's arrays and settings (no Keras model), cached per path and save time."""
    from dec_core.runs import load_run

    return load_run(path, with_model=False)


@st.cache_data(max_entries=16, show_spinner=False)
def run_pca(path: str, mtime: float, n_components: int, max_points: int, seed: int,
            pretrained: bool = False):
    """``(idx, coords)``: a run's PCA map of a seeded sample, cached per run and settings.

    The run's final embedding, or with ``pretrained`` the autoencoder's before DEC
    (:func:`explorer.analysis.compare.pretrained_embedding`).
    """
    from explorer.analysis.compare import pretrained_embedding
    from explorer.analysis.projection import sampled_pca

    run = load_run_cached(path, mtime)
    z = pretrained_embedding(run)[0] if pretrained else run.embedding
    return sampled_pca(z, max_points, n_components, seed)


def run_page_links() -> None:
    """Links to where a run comes from: the Train and Runs pages."""
    try:
        c1, c2, _ = st.columns([1, 1, 3])
        c1.page_link("pages/train.py", label="Train a model", icon=":material/play_circle:")
        c2.page_link("pages/runs.py", label="Open a saved run", icon=":material/folder_open:")
    except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
        pass


def current_run_or_stop(empty_message: str, on_empty=None):
    """``(path, mtime, run)`` of the session's run; else a message and ``st.stop()``."""
    run_path = st.session_state.get("run_path")
    if not run_path:
        st.info(empty_message)
        run_page_links()
        if on_empty is not None:
            on_empty()
        st.stop()
    run_path = str(run_path)
    mtime = run_mtime(run_path)
    try:
        return run_path, mtime, load_run_cached(run_path, mtime)
    except (ValueError, OSError) as err:
        st.error(f"This run cannot be opened: {err}")
        run_page_links()
        st.stop()
