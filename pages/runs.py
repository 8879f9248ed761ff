"""Runs: this browser's jobs (running, queued, finished) and saved runs.

Open a run in Explore, compare runs' metrics, download labels, config and model.
"""

import json

import pandas as pd
import streamlit as st

from dec_core.notebook import build_notebook, dumps
from dec_core.runs import list_runs, read_config
from explorer.analysis import lockstep
from explorer.analysis import runs as run_analysis
from explorer.charts import runs as run_charts
from explorer.jobs import manager
from explorer.session.page import init_page, load_run_cached, run_mtime
from explorer.session.state import cli_config
from explorer.session.widgets import chart_columns, projector_mode
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
        st.caption("Jobs keep running when you leave or refresh; the Train page shows the "
                   "latest one live.")
        st.button("Refresh", icon=":material/refresh:")

# ------------------------------------------------------------------- runs
st.subheader("Saved runs")
runs = list_runs(root)
complete = [r for r in runs if r.complete]
broken = [r for r in runs if not r.complete]
if broken:
    with st.expander(f"{len(broken)} incomplete run folder(s) skipped"):
        for r in broken:
            st.warning(f"`{r.name}`: {r.problem}")
if not complete:
    st.info("No saved runs yet. Every training you start on the Train page is saved here when "
            "it finishes or you stop it (even if you close the tab).")
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
    st.caption("Besides the data, the table shows the settings in which the listed runs "
               f"differ: {', '.join(differ)}.")
rows = [r for r in (picked.selection.rows if picked is not None else []) if r < len(complete)]
if not rows:
    st.caption("Select one run to open or download it, or several to compare them side by side.")
    rows = [0]
chosen = [complete[i] for i in rows]

if len(chosen) > 1:
    picked_settings = [settings[i] for i in rows]
    names = run_analysis.run_names(picked_settings,
                                   [run_analysis.created_text(r.created) or r.name
                                    for r in chosen])
    st.subheader("Side by side")
    same = run_analysis.differing(picked_settings)
    st.caption("Each run is named by what differs between the selected runs"
               + (f" ({', '.join(same)})." if same else "; these have the same settings."))
    if len(chosen) == 2:  # both maps at the same update, in one frame (pages/lockstep.py)
        why = lockstep.refusal(*(lockstep.app_config(r.path) for r in chosen))
        if st.button("Play in lockstep", icon=":material/compare_arrows:", disabled=bool(why),
                     key="runs_lockstep", help=why or "The two maps side by side, update by "
                     "update, in one frame, with one replay."):
            st.session_state["lockstep"] = {"runs": [str(r.path) for r in chosen]}
            try:
                st.switch_page("pages/lockstep.py")
            except Exception:  # no navigation (page run alone)
                st.success("Chosen: go to the Lockstep page.")
        if why:
            st.caption(f"Lockstep: {why}")
    loaded = []
    for r in chosen:
        try:
            loaded.append(load_run_cached(str(r.path), run_mtime(r.path)))
        except (ValueError, OSError) as err:
            loaded.append(None)
            st.warning(f"`{r.name}` cannot be read: {err}")
    histories = [((x.history.get("history") or {}).get("dec") or {}) if x else {} for x in loaded]
    probas = [x.proba if x else None for x in loaded]
    projector = projector_mode()
    figures = [run_charts.scores_figure([r.scores for r in chosen], names, projector=projector),
               *(run_charts.curves_figure(histories, names, key, projector=projector)
                 for key in run_charts.CURVES),
               run_charts.confidence_by_run_figure(probas, names, projector=projector)]
    keys = ["compare", "sbs_loss", "sbs_acc", "sbs_delta", "sbs_conf"]
    for start in range(0, len(figures), 2):
        for col, fig_, key in zip(chart_columns(2), figures[start:start + 2], keys[start:start + 2]):
            col.plotly_chart(fig_, key=key)

run = chosen[0]
scores = run_analysis.scores_text(run.scores)
st.markdown(f"**{run.name}** — {run.dataset}, {run.n_samples:,} samples"
            + (f" · {scores}" if scores else " · no true labels, so no scores"))
# one row of buttons as wide as their labels, wrapping when the page is narrow: five equal
# columns cut 'Open in Explore' and the CLI config's label at 1280 px (projector mode)
c1 = c2 = c3 = c4 = c5 = st.container(horizontal=True)


def _open(path: str) -> None:
    st.session_state["run_path"] = path


if c1.button("Open in Explore", type="primary", on_click=_open, args=(str(run.path),),
             icon=":material/scatter_plot:"):
    try:
        st.switch_page("pages/explore.py")
    except Exception:  # no navigation (page run alone)
        st.success("Opened: go to the Explore page.")
labels_csv = run.path / "labels.csv"
if labels_csv.is_file():
    c2.download_button("Labels (CSV)", labels_csv.read_bytes(), f"{run.name}-labels.csv",
                       "text/csv", icon=":material/download:")
model_file = run.path / "model.keras"
if model_file.is_file():
    c3.download_button("Model (.keras)", model_file.read_bytes(), f"{run.name}.keras",
                       "application/octet-stream", icon=":material/download:")
try:
    config = read_config(run.path)
    app_cfg = config.get("extra", {}).get("app")
    if app_cfg:
        cli = cli_config(app_cfg["data"], app_cfg["model"], app_cfg["train"])
        c4.download_button("Config (JSON for the CLI)", json.dumps(cli, indent=2),
                           f"{run.name}-config.json", "application/json",
                           icon=":material/download:",
                           help="Run it headless: python -m dec_core run --config FILE")
        c5.download_button(
            "Notebook",
            lambda: dumps(build_notebook(cli, data_file=run.dataset, reported=run.scores)),
            f"{run.name}.ipynb", "application/x-ipynb+json", icon=":material/download:",
            help="A Jupyter notebook (.ipynb) that reproduces this run with dec_core: the data, this "
                 "config, fit, the scores, the confusion matrix and a map of the embedding.")
except (OSError, ValueError, KeyError) as err:
    st.warning(f"Cannot read this run's config: {err}")
