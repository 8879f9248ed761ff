"""Small Streamlit helpers every page shares: state set-up and widget binding.

Widgets are bound to the flat setting dicts of :mod:`explorer.session.state` with keys
``"<section>.<field>"`` (e.g. ``"train.tol"``), so a setting survives page
switches (Streamlit drops the state of widgets that are not drawn) and maps
directly onto a URL query parameter.
"""

from __future__ import annotations

import json
import secrets

import streamlit as st

from explorer.charts.theme import PROJECTOR, PROJECTOR_KEY, projector_on
from explorer.session.state import SECTIONS, ensure_defaults, from_query, link_changes, to_query

OWNER_COOKIE = "dec_owner"
# Links from before the cookie carried the token as ``?owner=``; it is dropped.
OWNER_PARAM = "owner"
PRESENT_PARAM = "present"
JOB_PARAM = "job"  # the session's training job, so a refresh shows it again
PROJECTOR_PARAM = "projector"  # "?projector=1": large type, one chart per row (theme.PROJECTOR)
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
# Parts of the pages a presenter can hide (the link carries the choice).
HIDEABLE = {
    "data_options": "Data: dataset choice and options",
    "model_editor": "Model: the layer editor",
    "train_settings": "Train: the settings panel",
    "explain": "Formula panels",
    "charts_metrics": "Train: the ACC / NMI / ARI chart (no spoilers)",
}
# A job's phase as people read it (Train page, sidebar, Runs page).
PHASES = {"queued": "Waiting in the queue", "loading": "Loading data",
          "pretraining": "1/3 Pretraining the autoencoder", "kmeans": "2/3 k-means in the embedding",
          "dec": "3/3 DEC self-training", "saving": "Saving the run", "finished": "Finished"}


def phase_text(phase: str) -> str:
    """The words for a job phase (``"loading"`` -> ``"Loading data"``)."""
    return PHASES.get(phase, phase.replace("_", " ").capitalize())


def step_status(v: dict) -> str:
    """A step-mode job's state in words, from its :meth:`~explorer.jobs.Job.view`.

    The Step by step page and the Runs page both say it:
    ``"waiting for Step (update 3)"``, ``"playing (update 5)"``, ``"training
    towards update 4"``; before DEC, the phase (:func:`phase_text`).
    """
    update = v["dec"][-1]["update"] if v["dec"] else None
    if v["state"] != "running" or update is None or v["phase"] != "dec":
        return phase_text(v["phase"]) if v["state"] == "running" else v["state"]
    if v.get("waiting"):
        return f"waiting for Step (update {update})"
    if v.get("playing"):
        return f"playing (update {update})"
    return f"training towards update {update + 1}"


def ensure_navigation() -> None:
    """Route a server's very first request through ``app.py``'s ``st.navigation``.

    Workaround, private API: Streamlit treats a ``pages/`` folder beside the main
    script as an old-style (v1) multipage app until some session has called
    ``st.navigation``; a deep link (``/train?...``) opened first on a fresh server
    then runs the page alone, without the app's layout and sidebar. Upstream:
    streamlit/streamlit#10276 (review of "Default to MPAv2": with a ``pages``
    folder plus ``st.navigation``, opening a URL path directly "sometimes
    completely switches back to MPAv1"). No public switch exists in Streamlit
    1.67 and the project keeps ``pages/`` at the top level, so flip the flag
    ``st.navigation`` itself flips, and rerun.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the old mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def _valid_token(token: object) -> bool:
    return (isinstance(token, str) and 16 <= len(token) <= 64
            and token.replace("-", "").replace("_", "").isalnum() and token.isascii())


def owner_cookie() -> str | None:
    """The owner token this browser sent in its cookie when the session opened, if valid."""
    try:
        token = st.context.cookies.get(OWNER_COOKIE)
    except Exception:  # no browser context
        return None
    return token if _valid_token(token) else None


# The cookie script (see remember_owner). ADOPT: this session's token is new and owns
# no job, so it may give way to a token another tab of this browser already stored.
_OWNER_SCRIPT = """<script>(() => {
  const name = %(name)s, mine = %(token)s, adopt = %(adopt)s;
  const read = () => {
    const c = document.cookie.split("; ").find(c => c.startsWith(name + "="));
    const v = c ? c.slice(name.length + 1) : "";
    return /^[A-Za-z0-9_-]{16,64}$/.test(v) ? v : "";
  };
  const other = read();
  // Another tab of this browser stored its token first: reopen this one with it
  // (the URL keeps the settings), so both tabs are one owner.
  const giveWay = () => adopt && !/[?&]job=/.test(location.search);
  if (other && other !== mine && giveWay()) { location.reload(); return; }
  document.cookie = %(cookie)s + "; path=/; max-age=31536000; SameSite=Strict"
    + (location.protocol === "https:" ? "; Secure" : "");
  // Two first tabs that wrote at once: the last write won; the other tab adopts it.
  setTimeout(() => { const now = read(); if (now && now !== mine && giveWay()) location.reload(); },
             %(check_ms)d);
})();</script>"""
OWNER_CHECK_MS = 600


def remember_owner() -> None:
    """Store the session's owner token in a cookie, where a projector does not show it.

    ``st.context.cookies`` only reads cookies, so a tiny script in the page
    (``st.html`` with JavaScript) writes it; a refresh then sends it back and
    :func:`init_state` reattaches the session to its jobs. Draws nothing when the
    browser already sent this token.

    Two tabs opened before either wrote the cookie each get a new token (a
    session reads the cookie only when it opens). So a session whose token is new
    and owns no job gives way: its script reloads the tab when the cookie holds
    another tab's token, before writing, or :data:`OWNER_CHECK_MS` after writing
    when two tabs wrote at once; the reloaded session reads that token. A session
    that started a job (``job=`` in its URL, or a job under its token) keeps its
    token and writes it, as before.
    """
    owner = st.session_state["owner"]
    if owner_cookie() == owner:
        return
    from explorer.jobs import manager

    adopt = not manager().jobs_for(owner)
    st.html(_OWNER_SCRIPT % {"name": json.dumps(OWNER_COOKIE), "token": json.dumps(owner),
                             "cookie": json.dumps(f"{OWNER_COOKIE}={owner}"),
                             "adopt": json.dumps(adopt), "check_ms": OWNER_CHECK_MS},
            unsafe_allow_javascript=True)


def init_state() -> None:
    """Defaults, settings from the URL (once per session), and the owner token.

    The token (it lets a browser see and stop its jobs) comes from the browser's
    cookie, or is new; it never goes into the URL, so a projected address bar or
    a copied link does not hand out control. :func:`remember_owner` writes the
    cookie.
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
        st.session_state["owner"] = owner_cookie() or secrets.token_urlsafe(18)
    if OWNER_PARAM in st.query_params:  # at once: a projector must not show it
        del st.query_params[OWNER_PARAM]
    if "job_id" not in st.session_state:
        attach_job()


def attach_job() -> None:
    """Give a session without a job the one this browser's owner has.

    The job in the URL (a refresh, a link copied from this browser's address bar),
    else the owner's newest running or queued training (a second tab of the same
    browser: it follows the first tab's job, as the Runs page lists it). Step by
    step keeps its own job; a job of another owner is never attached.
    """
    from explorer.jobs import manager

    owner, jobs = st.session_state["owner"], manager()
    linked = jobs.get(str(st.query_params.get(JOB_PARAM, "")), owner)
    job = linked or running_job(owner)
    if job is not None:
        st.session_state["job_id"] = job.id


def start_job(plan: dict | None = None) -> None:
    """Submit a training job with the session's data, model and train settings.

    The one way a page starts an ordinary training run (Train's Start, the Data
    page's "Pretrain an autoencoder"): the session follows the new job
    (``job_id``, and ``?job=`` so a refresh shows it again).

    Parameters
    ----------
    plan : dict, optional
        A :func:`dec_core.cost.estimate` (``as_dict``) for the job's ETA until its
        worker plans its own.
    """
    from explorer.jobs import manager

    state = st.session_state
    upload = state.get("upload") if state["data"]["name"] == "file" else None
    config = {k: dict(state[k]) for k in ("data", "model", "train")}
    new = manager().submit(state["owner"], config, upload)
    if plan and not new.plan:  # the worker's own plan replaces it
        with new.lock:
            new.plan = dict(plan)
    state["job_id"] = new.id
    st.query_params[JOB_PARAM] = new.id


def running_job(owner: str):
    """The owner's newest running or queued training job (not step by step), or None."""
    from explorer.jobs import manager

    running = [j for j in manager().jobs_for(owner) if j.active and not j.step_mode]
    return running[0] if running else None


def init_page() -> None:
    """:func:`init_state`, then the warnings about URL values that could not be used."""
    init_state()
    for problem in st.session_state.get("url_problems", []):
        st.warning(problem)


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
    """Change a setting; its widget shows the new value wherever it is drawn next.

    The setting dict is the one source: the widget's own key is dropped, and
    :func:`bind` seeds it again from the dict in the run that draws the widget.
    Writing the widget's key instead breaks when the widget sits on another
    page: Streamlit stores a value written while its widget is not drawn under
    the widget's old id, the page that draws it later mounts the widget at its
    default (a slider's minimum, e.g. "Input noise" 0.00 after Data -> moons ->
    digits), and the next interaction sends that default back as the setting.

    Call it from a widget callback (``on_click`` / ``on_change``) or before the
    widget is drawn: Streamlit forbids changing a drawn widget's key later in
    the same run.
    """
    st.session_state[section][field] = value
    st.session_state.pop(f"{section}.{field}", None)


def shown(part: str) -> bool:
    """False when presenter mode hides ``part`` (one of :data:`HIDEABLE`)."""
    return part not in st.session_state.get("present", [])


AUDIENCES = {
    "presenter": "For the projector: projector mode, with the controls chosen above hidden",
    "students": "For the students: the same experiment in normal mode, every control shown",
}
"""The two links of the Share / present panel, and what each opens."""


def share_query(audience: str = "presenter") -> dict[str, str]:
    """The query parameters of a link that reopens this experiment (no owner, no job).

    Parameters
    ----------
    audience : {"presenter", "students"}, default="presenter"
        ``"presenter"``: projector mode and the hidden controls
        (:data:`HIDEABLE`); ``"students"``: the settings alone, so a student's
        own screen opens in normal mode with every control.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {sorted(AUDIENCES)}; got {audience!r}")
    query = to_query(st.session_state)
    if audience == "presenter":
        if st.session_state.get("present"):
            query[PRESENT_PARAM] = ",".join(st.session_state["present"])
        query[PROJECTOR_PARAM] = "1"
    return query


def projector_mode() -> bool:
    """Whether this session shows projector mode (large dark type, one chart per row)."""
    return projector_on()


def chart_columns(spec, **kwargs) -> list:
    """``st.columns(spec)`` for a row of charts; in projector mode, one full-width chart per row.

    Returns a list of containers either way, so a page writes
    ``left, right = chart_columns(2)`` and draws into them as into columns.
    """
    n = spec if isinstance(spec, int) else len(spec)
    if projector_mode():
        return [st.container() for _ in range(n)]
    return list(st.columns(spec, **kwargs))


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
            slot.progress(v["progress"], text=f"Training: {phase_text(v['phase'])}")
        elif current is not None and current.state == "interrupted":
            slot.warning(f"Your training was {current.message}. **Resume** it on the Train "
                         "page.", icon=":material/restart_alt:")

    if not show:
        st.empty()
        return
    active = job is not None and job.active
    st.fragment(run_every=SIDEBAR_POLL_S if active else None)(status)()


def share_link(audience: str = "presenter") -> str:
    """The link that reopens this experiment for ``audience`` (:func:`share_query`; no
    owner, no job)."""
    from urllib.parse import urlencode, urlsplit

    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else ""
    except Exception:  # no browser context (tests)
        base = ""
    return f"{base}?{urlencode(share_query(audience), safe=',')}"


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


def sync_url() -> None:
    """Write every non-default setting and the session's job into the URL.

    The link then reopens this experiment, and a refresh shows the job again
    (:func:`attach_job`). A change of the query string replaces the tab's history
    entry (:func:`one_entry_per_page`): only a move to another page adds one.
    """
    wanted = to_query(st.session_state)
    if st.session_state.get("job_id"):
        wanted[JOB_PARAM] = str(st.session_state["job_id"])
    elif JOB_PARAM in st.query_params:
        del st.query_params[JOB_PARAM]
    if st.session_state.get("present"):
        wanted[PRESENT_PARAM] = ",".join(st.session_state["present"])
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]
    if projector_mode():
        wanted[PROJECTOR_PARAM] = "1"
    elif PROJECTOR_PARAM in st.query_params:
        del st.query_params[PROJECTOR_PARAM]
    for name in list(st.query_params.keys()):
        section = str(name).partition(".")[0]
        if section in SECTIONS and name not in wanted:
            del st.query_params[name]
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


# Streamlit's frontend pushes a history entry for every change of the query string
# (its page_info_changed message), so a tab whose URL follows its settings and job piled
# up entries (50 after 20 minutes of a lab), and Back seemed to do nothing. In this page's
# window, a push that stays on the same path replaces the current entry instead; a move to
# another page (a new path) still pushes one.
_HISTORY_SCRIPT = """<script>(() => {
  if (window.__decOneEntryPerPage) return;
  window.__decOneEntryPerPage = true;
  const push = history.pushState.bind(history);
  history.pushState = (state, title, url) => {
    const next = url == null ? null : new URL(url, location.href);
    if (next && next.pathname === location.pathname) {
      return history.replaceState(state, title, url);
    }
    return push(state, title, url);
  };
})();</script>"""


def one_entry_per_page() -> None:
    """Keep one browser-history entry per page visit (see :data:`_HISTORY_SCRIPT`).

    Drawn on every run, always the same element (a script that acts once per
    tab), so the sidebar's elements keep their places.
    """
    st.html(_HISTORY_SCRIPT, unsafe_allow_javascript=True)


@st.cache_data(max_entries=8, show_spinner="Loading the data…")
def _load_cached(spec_items: tuple, digest: str | None, _upload: dict | None):
    from explorer.data import load

    return load(dict(spec_items), _upload)


def current_dataset():
    """The session's data set (cached across reruns and sessions), or raise ValueError."""
    from explorer.data import upload_digest

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
