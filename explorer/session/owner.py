"""The owner token: which browser may see and stop a job, kept in a cookie, never the URL."""

from __future__ import annotations

import json

import streamlit as st

OWNER_COOKIE = "dec_owner"


# Links from before the cookie carried the token as ``?owner=``; it is dropped.
OWNER_PARAM = "owner"


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
    :func:`explorer.session.page.init_state` reattaches the session to its jobs.
    Draws nothing when the browser already sent this token.

    Two tabs opened before either wrote the cookie each get a new token (a
    session reads the cookie only when it opens). So a session whose token is new
    and owns no job gives way: its script reloads the tab when the cookie holds
    another tab's token, before writing, or :data:`OWNER_CHECK_MS` after writing
    when two tabs wrote at once; the reloaded session reads that token. A session
    that started a job (``job=`` in its URL, or a job under its token) keeps its
    token and writes it, so its jobs stay reachable after a refresh.
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
