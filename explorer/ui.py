"""Small Streamlit helpers every page shares: state set-up and widget binding.

Widgets are bound to the flat setting dicts of :mod:`explorer.state` with keys
``"<section>.<field>"`` (e.g. ``"train.tol"``), so a setting survives page
switches (Streamlit drops the state of widgets that are not drawn) and maps
directly onto a URL query parameter.
"""

from __future__ import annotations

import secrets

import streamlit as st

from .state import SECTIONS, ensure_defaults, from_query, to_query

OWNER_PARAM = "owner"
PRESENT_PARAM = "present"
# Parts of the pages a presenter can hide (the link carries the choice).
HIDEABLE = {
    "data_options": "Data: dataset choice and options",
    "model_editor": "Model: the layer editor",
    "train_settings": "Train: the settings panel",
    "explain": "Formula panels",
    "charts_metrics": "Train: the ACC / NMI / ARI chart (no spoilers)",
}


def ensure_navigation() -> None:
    """Route a server's very first request through ``app.py``'s ``st.navigation``.

    Streamlit treats a ``pages/`` folder beside the main script as an old-style
    multipage app until some session has called ``st.navigation``; a deep link
    (``/train?...``) opened first on a fresh server would then run the page
    alone, without the app's layout and sidebar. Flip the flag and rerun.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the old mode
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def init_page() -> None:
    """Defaults, settings from the URL (once per session), and the owner token."""
    ensure_navigation()
    ensure_defaults(st.session_state)
    if not st.session_state.get("_url_loaded"):
        st.session_state["_url_loaded"] = True
        found, problems = from_query(st.query_params)
        for section, values in found.items():
            st.session_state[section].update(values)
        st.session_state["url_problems"] = problems
        hidden = str(st.query_params.get(PRESENT_PARAM, ""))
        st.session_state["present"] = [h for h in hidden.split(",") if h in HIDEABLE]
    for problem in st.session_state.get("url_problems", []):
        st.warning(problem)
    if "owner" not in st.session_state:
        token = st.query_params.get(OWNER_PARAM, "")
        if not (isinstance(token, str) and 16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
            token = secrets.token_urlsafe(18)
        st.session_state["owner"] = token
    if st.query_params.get(OWNER_PARAM) != st.session_state["owner"]:
        st.query_params[OWNER_PARAM] = st.session_state["owner"]


def bind(section: str, field: str) -> str:
    """The widget key for ``section.field``, seeded from the setting dict.

    Use as ``st.slider(..., key=bind("train", "tol"))`` then call :func:`store`
    (or read ``st.session_state[section][field]`` after :func:`store_all`).
    """
    key = f"{section}.{field}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state[section][field]
    return key


def store(section: str, field: str):
    """Copy the widget's value back into the setting dict; returns it."""
    key = f"{section}.{field}"
    if key in st.session_state:
        st.session_state[section][field] = st.session_state[key]
    return st.session_state[section][field]


def store_all(section: str) -> dict:
    """:func:`store` for every field of a section that has a widget; returns the section."""
    for field in list(st.session_state[section]):
        store(section, field)
    return st.session_state[section]


def set_setting(section: str, field: str, value) -> None:
    """Change a setting and its widget together.

    Call it from a widget callback (``on_click`` / ``on_change``): Streamlit forbids
    changing a drawn widget's key later in the same run.
    """
    st.session_state[section][field] = value
    st.session_state[f"{section}.{field}"] = value


def shown(part: str) -> bool:
    """False when presenter mode hides ``part`` (one of :data:`HIDEABLE`)."""
    return part not in st.session_state.get("present", [])


def share_query() -> dict[str, str]:
    """The query parameters of a link that reopens this experiment (no owner, no job)."""
    query = to_query(st.session_state)
    if st.session_state.get("present"):
        query[PRESENT_PARAM] = ",".join(st.session_state["present"])
    return query


def sync_url() -> None:
    """Write every non-default setting into the URL, so the link reopens this experiment."""
    wanted = to_query(st.session_state)
    if st.session_state.get("present"):
        wanted[PRESENT_PARAM] = ",".join(st.session_state["present"])
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]
    for name in list(st.query_params.keys()):
        section = str(name).partition(".")[0]
        if section in SECTIONS and name not in wanted:
            del st.query_params[name]
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


@st.cache_data(max_entries=8, show_spinner="Loading the data…")
def _load_cached(spec_items: tuple, digest: str | None, _upload: dict | None):
    from .data import load

    return load(dict(spec_items), _upload)


def current_dataset():
    """The session's data set (cached across reruns and sessions), or raise ValueError."""
    from .data import upload_digest

    spec = st.session_state["data"]
    upload = st.session_state.get("upload") if spec["name"] == "file" else None
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
