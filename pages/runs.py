"""Runs: this browser's jobs (running, queued, finished) and saved runs.

Open a run in Explore, compare runs' metrics, download labels, config and model.
The side-by-side figures and a run's buttons live in :mod:`explorer.panels.runs`.
"""

import pandas as pd
import streamlit as st

from dec_core.runs import list_runs
from explorer.analysis import runs as run_analysis
from explorer.jobs import manager
from explorer.panels import runs as runs_panel
from explorer.session.page import init_page
from explorer.text import teach
from explorer.text.states import job_status

init_page()
owner = st.session_state["owner"]
jobs = manager()
root = jobs.owner_path(owner)  # runs_dir / owner_dir(owner): never the token

st.title("Runs")

# ------------------------------------------------------------------- jobs
mine = jobs.jobs_for(owner)
if mine:
    st.subheader("Jobs on this server")
    views = [(job.view(), jobs.queue_position(job)) for job in mine]
    rows = [run_analysis.job_row(v, job_status(v, position)) for v, position in views]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "progress": st.column_config.ProgressColumn("progress", min_value=0, max_value=1),
        "ACC": st.column_config.NumberColumn(format="%.3f"),
    })
    if any(j.active for j in mine):
        st.caption(teach.RUNS_JOBS_NOTE)
        st.button("Refresh", icon=":material/refresh:")

# ------------------------------------------------------------------- runs
st.subheader("Saved runs")
saved = list_runs(root)
complete = [r for r in saved if r.complete]
broken = [r for r in saved if not r.complete]
if broken:
    with st.expander(f"{len(broken)} incomplete run folder(s) skipped"):
        for r in broken:
            st.warning(f"`{r.name}`: {r.problem}")
if not complete:
    st.info(teach.RUNS_NONE_YET)
    st.stop()

settings = [run_analysis.run_settings(r.params, r.dataset) for r in complete]
differ = run_analysis.differing(settings)  # columns for what the listed runs do differently
table = pd.DataFrame(run_analysis.run_rows(complete, settings, differ))
picked = st.dataframe(
    table, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
    key="runs_table",
    column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("ACC", "NMI", "ARI")},
)
if differ:
    st.caption(teach.runs_differ_text(differ))
rows = [r for r in (picked.selection.rows if picked is not None else []) if r < len(complete)]
if not rows:
    st.caption(teach.RUNS_SELECT_HINT)
    rows = [0]
chosen = [complete[i] for i in rows]

if len(chosen) > 1:
    runs_panel.side_by_side(chosen, [settings[i] for i in rows])
runs_panel.actions(chosen[0])
