"""Widgets bound to the session's setting dicts, and layout that follows projector mode.

Widgets are bound to the flat setting dicts of :mod:`explorer.session.state` with keys
``"<section>.<field>"`` (e.g. ``"train.tol"``), so a setting survives page
switches (Streamlit drops the state of widgets that are not drawn) and maps
directly onto a URL query parameter.
"""

from __future__ import annotations

import streamlit as st

from explorer.charts.theme import PROJECTOR_KEY

# Parts of the pages a presenter can hide (the link carries the choice).
HIDEABLE = {
    "data_options": "Data: dataset choice and options",
    "model_editor": "Model: the layer editor",
    "train_settings": "Train: the settings panel",
    "explain": "Formula panels",
    "charts_metrics": "Train: the ACC / NMI / ARI chart (no spoilers)",
}


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


def projector_mode() -> bool:
    """Whether this session shows projector mode (large dark type, one chart per row)."""
    return bool(st.session_state.get(PROJECTOR_KEY, False))


def chart_columns(spec, **kwargs) -> list:
    """``st.columns(spec)`` for a row of charts; in projector mode, one full-width chart per row.

    Returns a list of containers either way, so a page writes
    ``left, right = chart_columns(2)`` and draws into them as into columns.
    """
    n = spec if isinstance(spec, int) else len(spec)
    if projector_mode():
        return [st.container() for _ in range(n)]
    return list(st.columns(spec, **kwargs))
