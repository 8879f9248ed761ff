"""Model: the autoencoder's layer sizes, what they cost, and the clustering head."""

import pandas as pd
import streamlit as st

from dec_core import cost
from dec_core.presets import IDEC_GAMMA, method_of
from explorer.analysis import k_sweep
from explorer.charts import model as model_charts
from explorer.session.page import current_dataset, init_page
from explorer.session.state import MODEL_PRESETS, dec_params
from explorer.session.widgets import bind, set_setting, shown, store
from explorer.text import teach

init_page()
st.title("Model")
st.caption(teach.MODEL_INTRO)

try:
    ds = current_dataset()
except Exception as err:  # ValueError for bad specs; never a traceback here
    st.error(f"The data set cannot be loaded, so the input width d is unknown: {err}",
             icon=":material/error:")
    st.info("Pick a data set that loads on the Data page.", icon=":material/dataset:")
    st.stop()
d = ds.n_features
model = st.session_state["model"]
TEXT = "model_hidden_text"  # the text input's key


def _apply_text():
    """Validate the typed sizes; keep the last valid ones on a bad entry."""
    try:
        hidden = model_charts.parse_hidden(st.session_state[TEXT], d)
    except ValueError as err:
        st.session_state["model_error"] = str(err)
        return
    st.session_state["model_error"] = ""
    set_setting("model", "hidden", hidden)


def _preset(hidden):
    set_setting("model", "hidden", list(hidden))
    st.session_state[TEXT] = model_charts.hidden_text(hidden)
    st.session_state["model_error"] = ""


# The text follows the setting when it was changed elsewhere (a preset, a link, a loaded
# run), unless it holds a bad entry the user is fixing.
if TEXT not in st.session_state:
    st.session_state[TEXT] = model_charts.hidden_text(model["hidden"])
    st.session_state["model_error"] = ""
elif not st.session_state.get("model_error") and \
        model_charts.hidden_tokens(st.session_state[TEXT]) != [str(h) for h in model["hidden"]]:
    st.session_state[TEXT] = model_charts.hidden_text(model["hidden"])

if shown("model_editor"):
    st.subheader("Layer sizes")
    cols = st.columns(len(MODEL_PRESETS))
    for col, (name, hidden) in zip(cols, MODEL_PRESETS.items()):
        col.button(name, on_click=_preset, args=(hidden,), width="stretch",
                   type="primary" if list(hidden) == list(model["hidden"]) else "secondary",
                   help=teach.preset_help(name, model_charts.hidden_text(hidden)))
    st.text_input(f"Hidden sizes after the input width d = {d}", key=TEXT, on_change=_apply_text,
                  help=teach.HIDDEN_SIZES_HELP)
    if st.session_state.get("model_error"):
        st.error(f"{st.session_state['model_error']} The last valid sizes stay in use: "
                 f"{model_charts.hidden_text(model['hidden'])}.", icon=":material/error:")

dims = [d, *model["hidden"]]
train = st.session_state["train"]
gflops = st.cache_resource(cost.machine_gflops, show_spinner="Measuring this machine…")()
batch = int(train["pretrain_batch_size"])  # the session's train section holds every key
try:
    params = dec_params(model, train, d, ds.n_classes)
    est = cost.estimate(ds.n_samples, params, gflops=gflops)
except ValueError as err:  # a bad setting on the Train page; the page there says which
    st.error(str(err), icon=":material/error:")
    st.stop()
c = st.columns(4)
c[0].metric("Parameters", model_charts.human_count(model_charts.param_count(dims)),
            help="Weights and biases of the encoder and the decoder (the clustering layer "
                 "adds k x embedding size centroids).")
c[1].metric("FLOPs per sample", model_charts.human_count(model_charts.flops_per_sample(dims)),
            help="One forward pass through encoder and decoder, 2 FLOPs per weight. "
                 "A training step costs about 3x.")
c[2].metric("Est. time per epoch", model_charts.human_seconds(est.pretrain_step_seconds
                                                    * est.steps_per_epoch),
            help=f"{est.steps_per_epoch:,} steps of {batch} samples at "
                 f"{est.pretrain_step_seconds * 1e3:.2f} ms each: see the note below.")
c[3].metric("Est. pretraining", model_charts.human_seconds(est.pretrain_seconds),
            help=f"{est.pretrain_steps:,} gradient steps: {est.pretrain_epochs} epochs (set on "
                 "the Train page)" + (f", stopped by the step budget of "
                                      f"{int(train['pretrain_steps']):,} after "
                                      f"{est.pretrain_epochs_run}" if est.capped else "")
                 + ". The Train page shows the whole run's estimate before Start.")
st.caption(teach.model_cost_caption(dims, ds.n_samples, batch, gflops))

method = method_of(train)
st.graphviz_chart(model_charts.autoencoder_dot(dims, model["n_clusters"] or (ds.n_classes or 10),
                                     model["alpha"], method=method), width="stretch")
st.caption(teach.DIAGRAM_CAPTION
           + teach.clustering_phase_text(method, train.get("gamma") or IDEC_GAMMA))
with st.expander("Layer by layer"):
    st.dataframe(pd.DataFrame(model_charts.layer_table(dims)), hide_index=True, width="stretch")

st.subheader("Clustering")
left, right = st.columns(2)
n_labels = ds.n_classes
left.number_input("Number of clusters k (0 = number of labels)", 0, max(2, ds.n_samples),
                  key=bind("model", "n_clusters"),
                  help="k, the number of centroids, usually 2-50. 0 uses the number of true "
                       f"labels ({n_labels or 'none here, so 10'}). At most the number of "
                       "samples.")
k = store("model", "n_clusters") or (n_labels or 10)
# where k comes from, worded as on Train (explorer.text.teach), with the Data page's sweep if run
left.caption("DEC will look for " + teach.header_clusters(
    int(model["n_clusters"]), n_labels,
    k_sweep.current(st.session_state, k_sweep.session_key(st.session_state, ds)), bold=True)
    + ".")
if k > ds.n_samples:
    st.error(f"n_clusters={k} is more than the {ds.n_samples} samples.", icon=":material/error:")
elif teach.acc_ceiling_text(ds.y, k):
    left.caption(":material/lightbulb: " + teach.acc_ceiling_text(ds.y, k))
right.number_input("alpha (Student's t degrees of freedom)", 0.01, 100.0,
                   key=bind("model", "alpha"), step=0.5,
                   help=teach.ALPHA_HELP)
store("model", "alpha")
right.caption("The paper keeps α = 1 and does not tune it.")
