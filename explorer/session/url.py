"""The URL as the experiment's address: settings, job, presenter choices, share links."""

from __future__ import annotations

import streamlit as st

from explorer.session.state import SECTIONS, to_query
from explorer.session.widgets import projector_mode

PRESENT_PARAM = "present"


PROJECTOR_PARAM = "projector"  # "?projector=1": large type, one chart per row (theme.PROJECTOR)


JOB_PARAM = "job"  # the session's training job, so a refresh shows it again


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
        (:data:`explorer.session.widgets.HIDEABLE`); ``"students"``: the settings alone, so a student's
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


def sync_url() -> None:
    """Write every non-default setting and the session's job into the URL.

    The link then reopens this experiment, and a refresh shows the job again
    (:func:`explorer.session.submit.attach_job`). A change of the query string replaces the tab's history
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
