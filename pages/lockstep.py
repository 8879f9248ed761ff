"""Lockstep: two runs that share their start, side by side, update by update.

A pair comes from Runs (select two) or is started here in one click for a switch a
lesson compares (explorer.analysis.lockstep.PAIRS); the pieces are
explorer.panels.lockstep, the maps and their shared replay
explorer.live_map.panel.lockstep_maps.
"""

import json

import streamlit as st

from explorer.live_map import panel as live_map_panel
from explorer.panels import lockstep as pair_panel
from explorer.session.page import init_page
from explorer.text import teach

POLL_S = 1.0  # while a run of the pair trains, the maps look for new updates this often

init_page()
st.title("Lockstep")
st.caption(teach.LOCKSTEP_INTRO)

chosen = st.session_state.get("lockstep")
if not chosen:
    pair_panel.start_buttons()
    st.info(teach.LOCKSTEP_NO_PAIR)
    try:
        st.page_link("pages/runs.py", label="Runs", icon=":material/folder_open:")
    except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
        pass
    st.stop()

frames, configs, names, live, status = pair_panel.sides(chosen)
failed = pair_panel.failures(chosen, names)
for name, error in failed:
    st.error(f"**{name}** failed: {error}")
if failed:
    st.stop()
if live:
    st.caption(" · ".join(f"**{n}**: {s}" for n, s in zip(names, status)))

live_map_panel.lockstep_maps("lockstep", pair_panel.source(chosen),
                        pair_id=json.dumps(chosen, sort_keys=True), poll_s=POLL_S)
pair_panel.start_buttons()
