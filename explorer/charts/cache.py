"""The figure cache: a page's figure is rebuilt only when what it shows changed.

A page that polls every second would otherwise build every plotly figure anew at
each look (plotly validates each property, costly for a thousand-point map) and
send the browser a new spec to lay out. A cached figure is sent again as the same
object instead.

What a figure shows is its data (the caller's ``fingerprint``) *and* its look:
projector mode scales fonts, markers and heights, so it is part of every key. The
cache lives in a per-session mapping the caller passes (Streamlit's session state),
so this module needs no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

STORE_KEY = "_figures"
"""Where the cache lives in the session's state: chart key -> ((fingerprint, projector), figure)."""


def cached_figure(store: MutableMapping, key: str, fingerprint: Hashable,
                  build: Callable[[bool], Any], *, projector: bool = False) -> Any:
    """The figure for ``key``, rebuilt only when ``fingerprint`` or ``projector`` changed.

    Parameters
    ----------
    store : MutableMapping
        The session's state (``st.session_state``); the cache is kept under
        :data:`STORE_KEY`.
    key : str
        The chart's key (one figure per key).
    fingerprint : hashable
        What identifies the data drawn (e.g. the job id and the number of rows).
    build : callable
        ``build(projector)`` returns the figure in that mode.
    projector : bool, default=False
        Projector mode (:func:`explorer.session.widgets.projector_mode`).

    Returns
    -------
    The cached figure; callers must not change it.
    """
    figures = store.setdefault(STORE_KEY, {})
    stamp = (fingerprint, bool(projector))
    hit = figures.get(key)
    if hit is None or hit[0] != stamp:
        hit = figures[key] = (stamp, build(bool(projector)))
    return hit[1]
