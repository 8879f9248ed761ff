"""Train: set pretraining and DEC, press Start, watch the clusters form.

Training runs in a background job (explorer.jobs); this page only reads the
job's state and draws it, polling with a fragment while the job is active. The
panels it composes live in :mod:`explorer.panels.train` and
:mod:`explorer.panels.train_settings`.
"""

import streamlit as st

from explorer.analysis import k_sweep
from explorer.jobs import manager
from explorer.jobs.resources import job_params
from explorer.panels import train as panel
from explorer.panels import train_settings
from explorer.session.background import poll
from explorer.session.page import current_dataset, init_page
from explorer.session.submit import attach_interrupted
from explorer.session.widgets import projector_mode, shown, store_all
from explorer.text import teach

init_page()
jobs = manager()
owner = st.session_state["owner"]

attach_interrupted()  # a job a server restart cut, shown even without the link

st.title("Train")
data, model = st.session_state["data"], st.session_state["model"]
header = st.empty()  # where k comes from needs the data's labels and the k sweep: below

# The data set of the current settings (cached), or the reason it cannot load.
try:
    dataset, load_error = current_dataset(), None
except ValueError as err:
    dataset, load_error = None, str(err)
# The k sweep on these data: it starts by itself for an uploaded file (explorer.analysis.k_sweep),
# so its verdict reaches this page before Start without a click on the Data page.
sweep, sweep_task, _ = (k_sweep.resolve(st.session_state, dataset) if dataset is not None
                        else (None, None, None))
header.caption(teach.header_text(data, model, dataset.n_classes if dataset else None, sweep))
if sweep is not None and sweep["structure"] == "none":
    st.warning(teach.no_structure_warning(int(model["n_clusters"]), dataset.n_classes),
               icon=":material/blur_on:")
if sweep_task is not None:
    poll([sweep_task], "The k sweep (are there clusters at all?) is running")

job = jobs.get(st.session_state.get("job_id"), owner)
page_stage = panel.stage(job)
active = page_stage != "ended"
# Projector mode while a run trains: the progress and the map take the first screen
# (1280 x 720), so the settings (they apply to the next Start) and the notes said before
# Start step aside until it ends.
compact = projector_mode() and active

if shown("train_settings"):
    train_settings.settings(dataset, hidden=compact)
train = store_all("train")

# Refuse up front what cannot work: bad data, too many clusters, too little memory.
problem, params = load_error, None
if dataset is not None:
    try:
        params = job_params(model, train, dataset)  # the worker's own check
    except ValueError as err:
        problem = str(err)
if problem:
    st.error(problem)
elif dataset is not None and not compact:
    if train["autoencoder"] == "shipped":
        panel.shipped_note(dataset, params)
    panel.surprises(dataset, params)
if not active and dataset is not None and not problem:
    panel.cost(dataset, params)
panel.controls(job, active=active, problem=problem)

job_id = st.session_state.get("job_id")
if job_id is None:
    st.info(teach.TRAIN_IDLE_TEXT)
else:

    def live() -> None:
        current = manager().get(job_id, owner)
        if panel.stage(current) != page_stage:
            # The job started or ended: rebuild the whole page (buttons, timer, result)
            # before drawing, so "Finished" never shows beside a disabled Start.
            st.rerun()
        panel.stale_note(current)
        with st.container(key="train_view"):
            panel.live_view(current, compact=compact)

    st.fragment(run_every=panel.POLL_S.get(page_stage))(live)()
