"""Model: the autoencoder's layer sizes, what they cost, and the clustering head."""

import re

import pandas as pd
import streamlit as st

from dec_core import cost
from dec_core.presets import method_of
from explorer.analysis import k_sweep
from explorer.charts import model as mi
from explorer.session.page import current_dataset, init_page
from explorer.session.state import MODEL_PRESETS, dec_params
from explorer.session.widgets import bind, set_setting, shown, store
from explorer.text import teach

init_page()
st.title("Model")
st.caption("A symmetric dense autoencoder d → hidden → embedding z → hidden → d, with ReLU "
           "inside and linear embedding and output layers; then DEC's clustering layer on z.")

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
PRESET_HELP = {
    "Fast": "quick to train on a CPU; a good default for teaching demos.",
    "DEC paper": "the paper's network (Xie et al., 2016); slow on a CPU for big data.",
    "Tiny": "one small hidden layer; a first look in seconds.",
}


def _text(hidden) -> str:
    return ",".join(str(int(h)) for h in hidden)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[,;\s]+", str(text).strip()) if t]


def _apply_text():
    """Validate the typed sizes; keep the last valid ones on a bad entry."""
    try:
        hidden = mi.parse_hidden(st.session_state[TEXT], d)
    except ValueError as err:
        st.session_state["model_error"] = str(err)
        return
    st.session_state["model_error"] = ""
    set_setting("model", "hidden", hidden)


def _preset(hidden):
    set_setting("model", "hidden", list(hidden))
    st.session_state[TEXT] = _text(hidden)
    st.session_state["model_error"] = ""


# The text follows the setting when it was changed elsewhere (a preset, a link, a loaded
# run), unless it holds a bad entry the user is fixing.
if TEXT not in st.session_state:
    st.session_state[TEXT] = _text(model["hidden"])
    st.session_state["model_error"] = ""
elif not st.session_state.get("model_error") and \
        _tokens(st.session_state[TEXT]) != [str(h) for h in model["hidden"]]:
    st.session_state[TEXT] = _text(model["hidden"])

if shown("model_editor"):
    st.subheader("Layer sizes")
    cols = st.columns(len(MODEL_PRESETS))
    for col, (name, hidden) in zip(cols, MODEL_PRESETS.items()):
        col.button(name, on_click=_preset, args=(hidden,), width="stretch",
                   type="primary" if list(hidden) == list(model["hidden"]) else "secondary",
                   help=f"Hidden sizes {_text(hidden)}: "
                        + next((v for k, v in PRESET_HELP.items() if name.startswith(k)), ""))
    st.text_input(f"Hidden sizes after the input width d = {d}", key=TEXT, on_change=_apply_text,
                  help="Comma-separated layer widths from the first hidden layer to the "
                       "embedding, e.g. 500,500,2000,10; the decoder mirrors them. Usually 1-4 "
                       "hidden layers of 64-2000 units and an embedding of 2-20 (10 in the "
                       "paper). Press Enter to apply.")
    if st.session_state.get("model_error"):
        st.error(f"{st.session_state['model_error']} The last valid sizes stay in use: "
                 f"{_text(model['hidden'])}.", icon=":material/error:")

dims = [d, *model["hidden"]]
train = st.session_state["train"]
gflops = st.cache_resource(cost.machine_gflops, show_spinner="Measuring this machine…")()
batch = int(train.get("pretrain_batch_size", 64))
try:
    params = dec_params(model, train, d, ds.n_classes)
    est = cost.estimate(ds.n_samples, params, gflops=gflops)
except ValueError as err:  # a bad setting on the Train page; the page there says which
    st.error(str(err), icon=":material/error:")
    st.stop()
c = st.columns(4)
c[0].metric("Parameters", mi.human_count(mi.param_count(dims)),
            help="Weights and biases of the encoder and the decoder (the clustering layer "
                 "adds k x embedding size centroids).")
c[1].metric("FLOPs per sample", mi.human_count(mi.flops_per_sample(dims)),
            help="One forward pass through encoder and decoder, 2 FLOPs per weight. "
                 "A training step costs about 3x.")
c[2].metric("Est. time per epoch", mi.human_seconds(est.pretrain_step_seconds
                                                    * est.steps_per_epoch),
            help=f"{est.steps_per_epoch:,} steps of {batch} samples at "
                 f"{est.pretrain_step_seconds * 1e3:.2f} ms each: see the note below.")
c[3].metric("Est. pretraining", mi.human_seconds(est.pretrain_seconds),
            help=f"{est.pretrain_steps:,} gradient steps: {est.pretrain_epochs} epochs (set on "
                 "the Train page)" + (f", stopped by the step budget of "
                                      f"{int(train['pretrain_steps']):,} after "
                                      f"{est.pretrain_epochs_run}" if est.capped else "")
                 + ". The Train page shows the whole run's estimate before Start.")
st.caption(
    f"Training costs ≈ 3 x forward = {mi.human_count(mi.training_flops_per_sample(dims))} FLOPs "
    f"per sample. **Estimates**, for {ds.n_samples:,} samples in batches of {batch}: this "
    f"machine multiplies float32 matrices at {gflops:.0f} GFLOP/s (NumPy, measured once); "
    f"a step costs its FLOPs at {cost.EFFICIENCY:.0%} of that rate plus about "
    f"{(cost.STEP_OVERHEAD_S + cost.LAYER_OVERHEAD_S * 2 * (len(dims) - 1)) * 1e3:.1f} ms of "
    "framework overhead (dec_core.cost). Expect the real time within a factor of about 1.5 "
    "(a busy server is slower).")

method = method_of(train)
st.graphviz_chart(mi.autoencoder_dot(dims, model["n_clusters"] or (ds.n_classes or 10),
                                     model["alpha"], method=method), width="stretch")
st.caption("Encoder in blue, the embedding z in red, decoder in green; box heights follow the "
           "layer widths. " + mi.clustering_phase_text(method, train.get("gamma") or 0.1))
with st.expander("Layer by layer"):
    st.dataframe(pd.DataFrame(mi.layer_table(dims)), hide_index=True, width="stretch")

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
                   help="The shape of the soft assignment q_ij ∝ (1 + ||z_i - μ_j||² / α)^"
                        "(-(α+1)/2). 1, the paper's choice, gives heavy tails; a large alpha "
                        "approaches a Gaussian kernel. Usually 1 (range 0.1-10).")
store("model", "alpha")
right.caption("The paper keeps α = 1 and does not tune it.")
