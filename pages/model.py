"""Model: the autoencoder's layer sizes, what they cost, and the clustering head."""

import streamlit as st

from explorer.panels import model as model_panel
from explorer.session.page import init_page
from explorer.session.widgets import shown
from explorer.text import teach

init_page()
st.title("Model")
st.caption(teach.MODEL_INTRO)

ds = model_panel.dataset_or_stop()  # the input width d comes from the data
model, train = st.session_state["model"], st.session_state["train"]
model_panel.sync_hidden_text(model["hidden"])

if shown("model_editor"):
    model_panel.layer_editor(model, ds.n_features)

dims = [ds.n_features, *model["hidden"]]
model_panel.cost_metrics(ds, model, train, dims)
model_panel.diagram(dims, model, train, ds.n_classes)

st.subheader("Clustering")
model_panel.clustering(ds, model)
