"""Model: the autoencoder's layer sizes, what they cost, and the clustering head."""

import streamlit as st

from dec_core.estimator import check_dims
from explorer import model_info as mi
from explorer.state import MODEL_PRESETS
from explorer.ui import bind, current_dataset, init_page, set_setting, shown, store

init_page()
st.title("Model")
st.caption("A symmetric dense autoencoder d → hidden → embedding → hidden → d, with ReLU "
           "inside and linear embedding and output layers; then a clustering layer on the "
           "embedding.")

try:
    ds = current_dataset()
except ValueError as err:
    st.error(f"The data set cannot be loaded: {err}")
    st.stop()
d = ds.n_features
model = st.session_state["model"]


def _apply_text():
    text = st.session_state["model_hidden_text"]
    try:
        hidden = [int(v) for v in text.replace(",", " ").split()]
    except ValueError:
        st.session_state["model_error"] = (
            f"Layer sizes must be whole numbers separated by commas, got {text!r}.")
        return
    try:
        check_dims([d, *hidden], d)
        if not hidden:
            raise ValueError("Give at least the embedding size, e.g. 10.")
    except ValueError as err:
        st.session_state["model_error"] = str(err)
        return
    st.session_state["model_error"] = ""
    st.session_state["model"]["hidden"] = hidden


def _preset(hidden):
    set_setting("model", "hidden", list(hidden))
    st.session_state["model_hidden_text"] = ",".join(map(str, hidden))
    st.session_state["model_error"] = ""


if shown("model_editor"):
    st.subheader("Layer sizes")
    cols = st.columns(len(MODEL_PRESETS))
    for col, (name, hidden) in zip(cols, MODEL_PRESETS.items()):
        col.button(name, on_click=_preset, args=(hidden,), width="stretch",
                   help=f"Hidden sizes {hidden}: " + (
                       "the paper's network; slow on a CPU for big data." if "paper" in name
                       else "quick to train; good for teaching demos." if "Fast" in name
                       else "tiny; for a first look in seconds."))
    if "model_hidden_text" not in st.session_state:
        st.session_state["model_hidden_text"] = ",".join(map(str, model["hidden"]))
    st.text_input(f"Hidden sizes after the input width d = {d}", key="model_hidden_text",
                  on_change=_apply_text,
                  help="Comma-separated layer widths from the first hidden layer to the "
                       "embedding, e.g. 500,500,2000,10. The decoder mirrors them. Usually "
                       "2-4 layers of 64-2000 units and an embedding of 2-20.")
    if st.session_state.get("model_error"):
        st.error(st.session_state["model_error"] + " The last valid sizes are kept: "
                 + ",".join(map(str, model["hidden"])))

dims = [d, *model["hidden"]]
train = st.session_state["train"]
gflops = st.cache_resource(mi.matmul_gflops, show_spinner="Measuring this machine…")()
per_epoch = mi.seconds_per_epoch(dims, ds.n_samples, gflops)
c = st.columns(4)
c[0].metric("Parameters", mi.human_count(mi.param_count(dims)),
            help="Weights and biases of encoder and decoder.")
c[1].metric("FLOPs per sample", mi.human_count(mi.flops_per_sample(dims)),
            help="One forward pass; a training step costs about 3x.")
c[2].metric("Est. seconds / epoch", f"{per_epoch:.2f}",
            help=f"An estimate: {ds.n_samples:,} samples x 3 forward passes at half of this "
                 f"machine's measured {gflops:.0f} GFLOP/s float32 matmul rate.")
c[3].metric("Est. pretraining", f"{per_epoch * int(train['pretrain_epochs']):.0f} s",
            help=f"{train['pretrain_epochs']} epochs (Train page) at the estimate per epoch.")
st.graphviz_chart(mi.autoencoder_dot(dims), width="stretch")
st.caption("Encoder in blue, the embedding z in red, decoder in green; box heights follow "
           "the layer widths.")

st.subheader("Clustering")
left, right = st.columns(2)
n_labels = ds.n_classes
left.number_input("Number of clusters (0 = number of labels)", 0, max(2, ds.n_samples),
                  key=bind("model", "n_clusters"),
                  help="k, the number of centroids. 0 uses the number of true labels "
                       f"({n_labels or 'none here, so 10'}). Must not exceed the samples.")
k = store("model", "n_clusters") or (n_labels or 10)
left.caption(f"DEC will look for **{k}** clusters.")
if k > ds.n_samples:
    st.error(f"n_clusters={k} is more than the {ds.n_samples} samples.")
right.number_input("alpha (Student's t degrees of freedom)", 0.01, 100.0,
                   key=bind("model", "alpha"), step=0.5,
                   help="Shape of the soft assignment q. 1 (the paper's choice) gives heavy "
                        "tails; larger alpha approaches a Gaussian kernel. Usually 1.")
store("model", "alpha")
