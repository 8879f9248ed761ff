"""The Model page's panels: the layer-size editor, the cost metrics, the diagram, k and alpha.

The hidden sizes are typed as text (``"500, 500, 2000, 10"``): the text follows
the setting when it changes elsewhere (a preset, a link, a loaded run), unless it
holds a bad entry the user is fixing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dec_core import cost
from dec_core.presets import IDEC_GAMMA, default_n_clusters, method_of
from explorer.analysis import k_sweep
from explorer.charts import model as model_charts
from explorer.jobs.resources import check_n_clusters
from explorer.session.page import current_dataset
from explorer.session.state import MODEL_PRESETS, dec_params
from explorer.session.widgets import bind, set_setting, store
from explorer.text import teach

TEXT = "model_hidden_text"  # the hidden sizes' text input
ERROR = "model_error"  # the last bad entry's message ("" when the text is valid)


def dataset_or_stop():
    """The session's data set; without one (a bad spec) say why and stop the page."""
    try:
        return current_dataset()
    except Exception as err:  # ValueError for bad specs; never a traceback here
        st.error(teach.model_no_data_text(err), icon=":material/error:")
        st.info(teach.MODEL_NO_DATA_HINT, icon=":material/dataset:")
        st.stop()


def _apply_text(d: int) -> None:
    """Validate the typed sizes; keep the last valid ones on a bad entry."""
    try:
        hidden = model_charts.parse_hidden(st.session_state[TEXT], d)
    except ValueError as err:
        st.session_state[ERROR] = str(err)
        return
    st.session_state[ERROR] = ""
    set_setting("model", "hidden", hidden)


def _preset(hidden) -> None:
    set_setting("model", "hidden", list(hidden))
    st.session_state[TEXT] = model_charts.hidden_text(hidden)
    st.session_state[ERROR] = ""


def sync_hidden_text(hidden: list[int]) -> None:
    """Set the text input to ``hidden`` unless it holds a bad entry the user is fixing."""
    if TEXT not in st.session_state:
        st.session_state[TEXT] = model_charts.hidden_text(hidden)
        st.session_state[ERROR] = ""
    elif not st.session_state.get(ERROR) and \
            model_charts.hidden_tokens(st.session_state[TEXT]) != [str(h) for h in hidden]:
        st.session_state[TEXT] = model_charts.hidden_text(hidden)


def layer_editor(model: dict, d: int) -> None:
    """The preset buttons and the hidden sizes' text input, with its error."""
    st.subheader("Layer sizes")
    cols = st.columns(len(MODEL_PRESETS))
    for col, (name, hidden) in zip(cols, MODEL_PRESETS.items()):
        col.button(name, on_click=_preset, args=(hidden,), width="stretch",
                   type="primary" if list(hidden) == list(model["hidden"]) else "secondary",
                   help=teach.preset_help(name, model_charts.hidden_text(hidden)))
    st.text_input(f"Hidden sizes after the input width d = {d}", key=TEXT, on_change=_apply_text,
                  args=(d,), help=teach.HIDDEN_SIZES_HELP)
    if st.session_state.get(ERROR):
        st.error(teach.hidden_error_text(st.session_state[ERROR],
                                         model_charts.hidden_text(model["hidden"])),
                 icon=":material/error:")


def cost_metrics(ds, model: dict, train: dict, dims: list[int]) -> None:
    """Parameters, FLOPs and the time estimate; a bad Train setting stops the page."""
    gflops = cost.machine_gflops()  # measured once per server process (functools.cache)
    batch = int(train["pretrain_batch_size"])  # the session's train section holds every key
    try:
        params = dec_params(model, train, dims[0], ds.n_classes)
        est = cost.estimate(ds.n_samples, params, gflops=gflops)
    except ValueError as err:  # a bad setting on the Train page; the page there says which
        st.error(str(err), icon=":material/error:")
        st.stop()
    c = st.columns(4)
    c[0].metric("Parameters", model_charts.human_count(model_charts.param_count(dims)),
                help=teach.PARAMETERS_HELP)
    c[1].metric("FLOPs per sample", model_charts.human_count(model_charts.flops_per_sample(dims)),
                help=teach.FLOPS_HELP)
    c[2].metric("Est. time per epoch",
                model_charts.human_seconds(est.pretrain_step_seconds * est.steps_per_epoch),
                help=teach.epoch_time_help(est, batch))
    c[3].metric("Est. pretraining", model_charts.human_seconds(est.pretrain_seconds),
                help=teach.pretrain_time_help(est, train))
    st.caption(teach.model_cost_caption(dims, ds.n_samples, batch, gflops))


def diagram(dims: list[int], model: dict, train: dict, n_classes: int | None) -> None:
    """The autoencoder's graph with the clustering head, and the layer table."""
    method = method_of(train)
    st.graphviz_chart(model_charts.autoencoder_dot(
        dims, default_n_clusters(model["n_clusters"], n_classes), model["alpha"],
        method=method), width="stretch")
    st.caption(teach.DIAGRAM_CAPTION
               + teach.clustering_phase_text(method, train.get("gamma") or IDEC_GAMMA))
    with st.expander("Layer by layer"):
        st.dataframe(pd.DataFrame(model_charts.layer_table(dims)), hide_index=True,
                     width="stretch")


def clustering(ds, model: dict) -> None:
    """k (where it comes from, what it allows) and alpha."""
    left, right = st.columns(2)
    n_labels = ds.n_classes
    left.number_input("Number of clusters k (0 = number of labels)", 0, max(2, ds.n_samples),
                      key=bind("model", "n_clusters"), help=teach.n_clusters_help(n_labels))
    k = default_n_clusters(store("model", "n_clusters"), n_labels)
    # where k comes from, worded as on Train, with the Data page's sweep if run
    sweep = k_sweep.current(st.session_state, k_sweep.session_key(st.session_state, ds))
    left.caption("DEC will look for " + teach.header_clusters(
        int(model["n_clusters"]), n_labels, sweep, bold=True) + ".")
    try:
        check_n_clusters(k, ds.n_samples)
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
    else:
        if teach.acc_ceiling_text(ds.y, k):
            left.caption(":material/lightbulb: " + teach.acc_ceiling_text(ds.y, k))
    right.number_input("alpha (Student's t degrees of freedom)", 0.01, 100.0,
                       key=bind("model", "alpha"), step=0.5, help=teach.ALPHA_HELP)
    store("model", "alpha")
    right.caption(teach.ALPHA_PAPER_NOTE)
