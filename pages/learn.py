"""Learn: DEC one target update at a time, with the formulas below it.

One screen holds the lesson (projector mode at 1280x720 included): the buttons,
the update counter and the changed labels, the map and the chosen point's q and
p. Clicking a point on the map chooses it; the switches, the kernel explorer
and the formulas come below. The pieces are :mod:`explorer.panels.learn`.
"""

import streamlit as st

from explorer.panels import learn
from explorer.session.page import init_page
from explorer.session.widgets import shown
from explorer.text import teach

init_page()
st.title("Learn DEC step by step", help=teach.LEARN_INTRO)

job = learn.step_job()
speed = learn.controls(job)

job_id = st.session_state.get("step_job_id")
if job_id is None:
    st.info(teach.LEARN_START_HINT)
else:
    learn.follow(job_id, active=job is not None and job.active,
                 playing=bool(job and job.playing), speed=speed)

st.divider()
with st.container(border=True):
    learn.target_switches(job)

with st.expander("Kernel explorer: α, the power and f_j, without training",
                 icon=":material/tune:"):
    learn.kernel_explorer()

if shown("explain"):
    learn.formulas(job)
