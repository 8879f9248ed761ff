"""Train's settings panel: every pretraining and DEC setting, with its help text.

The widgets are bound to ``st.session_state['train']`` (:func:`explorer.session.widgets.bind`);
their help texts are :data:`explorer.text.teach.SETTING_HELP` (which quotes the
defaults), the variants and the method switch come from :mod:`dec_core.presets`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from dec_core.augment import is_square_image
from dec_core.presets import (
    METHOD_OPTIMIZER,
    VARIANT_KEYS,
    VARIANTS,
    apply_variant,
    switch_method,
    variant_of,
)
from explorer.session.state import train_defaults
from explorer.session.widgets import bind, set_setting
from explorer.text.teach import (
    AUTOENCODER_CHOICES,
    METHOD_LABELS,
    SETTING_HELP,
    VARIANT_CUSTOM,
    tol_help,
    variant_help,
)

if TYPE_CHECKING:  # the page imports no TensorFlow, nor this at run time
    from dec_core.datasets import Dataset

H = SETTING_HELP  # each widget's help, by its setting's key


def settings(dataset: Dataset | None, *, hidden: bool = False) -> None:
    """Every pretraining and DEC setting, bound to ``st.session_state['train']``.

    Parameters
    ----------
    dataset : Dataset or None
        The current data (None when they cannot load): the help texts quote its
        size, and DEC-DA is offered for square images only.
    hidden : bool, default=False
        Keep the widgets but hide them (projector mode while a run trains): a widget
        left out loses its state, and its callback then fires on a key that is gone.
    """
    with st.container(key="train_settings_box"):
        with st.expander("Settings", expanded=False):
            left, right = st.columns(2)
            with left:
                _pretraining_settings()
            with right:
                _clustering_settings(dataset)
            st.button("Reset to defaults", on_click=_reset)
    if hidden:
        st.html("<style>.st-key-train_settings_box { display: none; }</style>")


def _reset() -> None:
    """Reset: the current data set's defaults (dec_core.presets)."""
    for key, value in train_defaults(st.session_state["data"]["name"]).items():
        set_setting("train", key, value)


def _switch_method() -> None:
    """The method radio changed: the clustering optimiser follows (presets.METHOD_OPTIMIZER)."""
    new = switch_method(st.session_state["train"], st.session_state["train.method"])
    for key in ("method", *METHOD_OPTIMIZER[new["method"]]):
        set_setting("train", key, new[key])


def _switch_variant() -> None:
    """The variant box changed: its settings (presets.VARIANTS) replace the variant keys."""
    name = st.session_state["train_variant"]
    if name in VARIANTS:
        new = apply_variant(st.session_state["train"], name)
        for key in VARIANT_KEYS:
            set_setting("train", key, new[key])


def _pretraining_settings() -> None:
    """The left column: the autoencoder and how it is pretrained."""
    st.markdown("**Pretraining** (the autoencoder)")
    st.radio("Autoencoder", ["shipped", "live"], key=bind("train", "autoencoder"),
             horizontal=True, format_func=AUTOENCODER_CHOICES.get, help=H["autoencoder"])
    st.radio("Scheme", ["end_to_end", "layerwise"], key=bind("train", "pretrain"),
             horizontal=True, format_func=lambda s: s.replace("_", " "), help=H["pretrain"])
    st.number_input("Epochs", 0, 2000, key=bind("train", "pretrain_epochs"),
                    help=H["pretrain_epochs"])
    st.number_input("Step budget", 1, 10**8, step=1000, key=bind("train", "pretrain_steps"),
                    help=H["pretrain_steps"])
    if (st.session_state["train"]["pretrain"] == "layerwise"
            or st.session_state.get("train.pretrain") == "layerwise"):
        st.number_input("Epochs per layer", 0, 1000, key=bind("train", "layer_epochs"),
                        help=H["layer_epochs"])
    st.select_slider("Batch size", [16, 32, 64, 128, 256, 512, 1024],
                     key=bind("train", "pretrain_batch_size"), help=H["pretrain_batch_size"])
    st.selectbox("Optimizer", ["adam", "sgd"], key=bind("train", "pretrain_optimizer"),
                 help=H["pretrain_optimizer"])
    st.number_input("Learning rate", 1e-6, 10.0, key=bind("train", "pretrain_lr"),
                    format="%.5f", help=H["pretrain_lr"])
    st.radio("Learning-rate schedule", ["cosine", "constant"], horizontal=True,
             key=bind("train", "pretrain_schedule"), help=H["pretrain_schedule"])
    st.slider("Input noise", 0.0, 1.0, key=bind("train", "pretrain_noise"), step=0.05,
              help=H["pretrain_noise"])


def _clustering_settings(dataset: Dataset | None) -> None:
    """The right column: DEC's (or IDEC's) objective, variant, stop rule and optimiser."""
    st.markdown("**Clustering** (DEC self-training)")
    st.radio("Objective", ["dec", "idec"], key=bind("train", "method"),
             horizontal=True, format_func=METHOD_LABELS.get, on_change=_switch_method,
             help=H["method"])
    if st.session_state.get("train.method", st.session_state["train"]["method"]) == "idec":
        st.number_input("γ (IDEC)", 0.001, 10.0, key=bind("train", "gamma"),
                        step=0.05, format="%.3f", help=H["gamma"])
    _variant_settings(dataset is not None and is_square_image(dataset.n_features))
    st.number_input("Update interval", 1, 5000, key=bind("train", "update_interval"),
                    help=H["update_interval"])
    st.number_input("Tolerance (tol)", 0.0, 1.0, key=bind("train", "tol"), format="%.4f",
                    help=tol_help(dataset.n_samples if dataset else None))
    st.number_input("Max iterations", 0, 200000, key=bind("train", "max_iter"),
                    help=H["max_iter"])
    st.select_slider("DEC batch size", [32, 64, 128, 256, 512, 1024],
                     key=bind("train", "batch_size"), help=H["batch_size"])
    st.number_input("DEC learning rate", 1e-6, 1.0, key=bind("train", "learning_rate"),
                    format="%.4f", help=H["learning_rate"])
    st.number_input("Seed", 0, 10**6, key=bind("train", "seed"), help=H["seed"])


def _variant_settings(square: bool) -> None:
    """The accuracy variant: one box, then the few settings it changes.

    ``square``: the rows are square images, which DEC-DA's augmentation needs.
    """
    current = variant_of(st.session_state["train"]) or "custom"
    options = [v for v in VARIANTS if square or not VARIANTS[v]["settings"].get("augment")]
    if current not in options:
        options.append(current)
    st.session_state["train_variant"] = current  # follows the settings (a loaded run, Reset)
    st.selectbox(
        "Variant", options, key="train_variant", on_change=_switch_variant,
        format_func=lambda v: VARIANTS[v]["label"] if v in VARIANTS else "custom settings",
        help=variant_help(square))
    what = VARIANTS[current]["help"] if current in VARIANTS else VARIANT_CUSTOM
    st.caption(f"What runs: {what}")
    train = st.session_state["train"]
    if square and (float(train["augment"]) > 0 or current == "custom"):
        st.slider("Augmentation strength", 0.0, 2.0, step=0.25, key=bind("train", "augment"),
                  help=H["augment"])
    if train["centroid_init"] != "kmeans" or current == "custom":
        st.radio("Centroid start", ["kmeans", "manifold"], horizontal=True,
                 key=bind("train", "centroid_init"),
                 format_func={"kmeans": "k-means (paper)",
                              "manifold": "manifold (UMAP + GMM)"}.get,
                 help=H["centroid_init"])
    if int(train["n_restarts"]) > 1 or current == "custom":
        st.number_input("Restarts", 1, 10, key=bind("train", "n_restarts"),
                        help=H["n_restarts"])
        st.selectbox("Restart criterion", ["kl", "silhouette", "inertia"],
                     key=bind("train", "restart_criterion"),
                     format_func={"kl": "lowest final KL(P‖Q)",
                                  "silhouette": "highest silhouette in z",
                                  "inertia": "lowest relative inertia in z"}.get,
                     help=H["restart_criterion"])
