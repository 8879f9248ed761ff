"""Explore: look inside a trained DEC run.

The run shown is ``st.session_state["run_path"]`` (set by the Train page when a
job finishes, or by "Open in Explore" on the Runs page). Tabs: the UMAP / PCA
map of the embedding with box / lasso selection, the Hungarian-matched
confusion matrix, per-cluster galleries of the most and least confident
members, the metrics against the baselines, the embedding's evolution across
DEC updates, and the clusters' stability across reseeded runs.
"""

import streamlit as st

from explorer.analysis.run_view import RunView
from explorer.panels import explore as explore_panel
from explorer.panels import stability as stability_panel
from explorer.session.page import current_run_or_stop, init_page
from explorer.text import teach

init_page()

st.title("Explore")
run_path, mtime, run = current_run_or_stop(teach.EXPLORE_NO_RUN)
if run.embedding is None or run.proba is None:
    st.error(teach.EXPLORE_NO_EMBEDDING)
    st.stop()

# One colour rule (explorer.charts.theme): a class keeps its colour on every page, and a
# cluster takes the colour of the class it is matched to; its name says which.
view = RunView.of(run_path, run)
scores = explore_panel.header(view)
explore_panel.sweep_warning(view, mtime)  # the k sweep's verdict on these data
stability_panel.flag_line(run_path)

tab_map, tab_cm, tab_gal, tab_metrics, tab_evo, tab_stab = st.tabs(
    ["Embedding map", "Confusion matrix", "Galleries", "Metrics", "Evolution", "Stability"])
with tab_map:
    explore_panel.map_tab(view, mtime)
with tab_cm:
    explore_panel.confusion_tab(view)
with tab_gal:
    explore_panel.galleries_tab(view)
with tab_metrics:
    explore_panel.metrics_tab(view, scores)
with tab_evo:
    explore_panel.evolution_tab(view, mtime)
with tab_stab:
    stability_panel.draw(run_path, run, view.app_config, view.labels, view.names)
