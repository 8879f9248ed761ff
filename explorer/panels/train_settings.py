"""Train's settings panel: every pretraining and DEC setting, with its help text.

The widgets are bound to ``st.session_state['train']`` (:func:`explorer.session.widgets.bind`);
the defaults their help quotes come from :data:`explorer.session.state.TRAIN_DEFAULTS`,
the variants and the method switch from :mod:`dec_core.presets`.
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
from explorer.charts import train as charts
from explorer.session.state import TRAIN_DEFAULTS, train_defaults
from explorer.session.widgets import bind, set_setting
from explorer.text import teach

if TYPE_CHECKING:  # the page imports no TensorFlow, nor this at run time
    from dec_core.datasets import Dataset

D = TRAIN_DEFAULTS  # defaults quoted in help texts come from here, never typed in
AUTOENCODER_CHOICES = {"shipped": "use the shipped pretrained autoencoder (skip to DEC)",
                       "live": "pretrain live"}
METHODS = {"dec": f"DEC: L = {charts.KL}", "idec": f"IDEC: {charts.IDEC_FORMULA}"}


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
             horizontal=True, format_func=AUTOENCODER_CHOICES.get,
             help="The shipped autoencoder (assets/digits.npz, built by `python -m "
                  "dec_core.pretrained build`) was pretrained on the built-in digits "
                  "with the default network and pretraining settings and seed 0: it "
                  "is used only when all of them match, and its recorded loss curve "
                  "is drawn. Otherwise, or with 'pretrain live', pretraining runs now. "
                  f"Default: {AUTOENCODER_CHOICES[D['autoencoder']]}.")
    st.radio("Scheme", ["end_to_end", "layerwise"], key=bind("train", "pretrain"),
             horizontal=True, format_func=lambda s: s.replace("_", " "),
             help="End to end trains the whole autoencoder at once (DEC-keras). Layer-wise "
                  "trains one denoising layer pair at a time with dropout 0.2, then "
                  "fine-tunes (the paper's way; slower).")
    st.number_input("Epochs", 0, 2000, key=bind("train", "pretrain_epochs"),
                    help="Passes over the data for end-to-end (fine-tuning) training. "
                         f"Default {D['pretrain_epochs']}; 0 skips pretraining.")
    st.number_input("Step budget", 1, 10**8, step=1000, key=bind("train", "pretrain_steps"),
                    help="The most gradient steps (batches) pretraining runs: the epochs "
                         "stop once this many batches ran, so big data stays bounded. "
                         f"Default {D['pretrain_steps']:,}; the estimate below Start "
                         "says what it costs.")
    if (st.session_state["train"]["pretrain"] == "layerwise"
            or st.session_state.get("train.pretrain") == "layerwise"):
        st.number_input("Epochs per layer", 0, 1000, key=bind("train", "layer_epochs"),
                        help="Greedy layer-wise epochs for each layer pair. "
                             f"Default {D['layer_epochs']}.")
    st.select_slider("Batch size", [16, 32, 64, 128, 256, 512, 1024],
                     key=bind("train", "pretrain_batch_size"),
                     help="Samples per gradient step. Default "
                          f"{D['pretrain_batch_size']}; MNIST-sized data likes 256.")
    st.selectbox("Optimizer", ["adam", "sgd"], key=bind("train", "pretrain_optimizer"),
                 help="Adam needs little tuning; SGD with momentum 0.9 is the "
                      "reference's choice (lr ~1 with its init). Default "
                      f"{D['pretrain_optimizer']}.")
    st.number_input("Learning rate", 1e-6, 10.0, key=bind("train", "pretrain_lr"),
                    format="%.5f", help=f"Default {D['pretrain_lr']:g} (Adam). Adam: "
                                        "1e-4 to 3e-3. SGD: 0.01 to 1.")
    st.radio("Learning-rate schedule", ["cosine", "constant"], horizontal=True,
             key=bind("train", "pretrain_schedule"),
             help="cosine decays the learning rate to 0 over the epochs (steadier end "
                  "points); constant keeps it fixed (the reference's choice). Default "
                  f"{D['pretrain_schedule']}.")
    st.slider("Input noise", 0.0, 1.0, key=bind("train", "pretrain_noise"), step=0.05,
              help="Std of Gaussian noise added to inputs while pretraining (a denoising "
                   f"autoencoder). Default {D['pretrain_noise']:g}, tuned on digits "
                   "(docs/benchmarks.md); 0 trains a plain autoencoder.")


def _clustering_settings(dataset: Dataset | None) -> None:
    """The right column: DEC's (or IDEC's) objective, variant, stop rule and optimiser."""
    st.markdown("**Clustering** (DEC self-training)")
    st.radio("Objective", ["dec", "idec"], key=bind("train", "method"),
             horizontal=True, format_func=METHODS.get, on_change=_switch_method,
             help=f"DEC drops the decoder and minimises {charts.KL}. IDEC (Guo et "
                  f"al. 2017) keeps it and minimises {charts.IDEC_FORMULA}, where "
                  "L_r is the reconstruction's mean squared error, so the "
                  f"embedding keeps the data's local structure. Default "
                  f"{METHODS[D['method']]}.")
    if st.session_state.get("train.method", st.session_state["train"]["method"]) == "idec":
        st.number_input("γ (IDEC)", 0.001, 10.0, key=bind("train", "gamma"),
                        step=0.05, format="%.3f",
                        help="Coefficient of the clustering loss in "
                             f"{charts.IDEC_FORMULA}; the reconstruction loss has "
                             f"weight 1. The IDEC paper uses 0.1 (default "
                             f"{D['gamma']:g}).")
    _variant_settings(dataset is not None and is_square_image(dataset.n_features))
    st.number_input("Update interval", 1, 5000, key=bind("train", "update_interval"),
                    help="Batches between recomputing the target P on all data. The paper "
                         f"uses 140 for MNIST; default {D['update_interval']}.")
    st.number_input("Tolerance (tol)", 0.0, 1.0, key=bind("train", "tol"), format="%.4f",
                    help="Stop when fewer than this share of points change cluster "
                         "between two target updates. Default "
                         f"{teach.tol_text(D['tol'], dataset.n_samples if dataset else None)}.")
    st.number_input("Max iterations", 0, 200000, key=bind("train", "max_iter"),
                    help="Upper bound on DEC batches; tol usually stops earlier. "
                         f"Default {D['max_iter']:,}.")
    st.select_slider("DEC batch size", [32, 64, 128, 256, 512, 1024],
                     key=bind("train", "batch_size"),
                     help=f"Samples per DEC step. Default {D['batch_size']}; the paper "
                          "uses 256 for MNIST.")
    st.number_input("DEC learning rate", 1e-6, 1.0, key=bind("train", "learning_rate"),
                    format="%.4f",
                    help="SGD of the clustering phase. DEC: the paper's "
                         f"{METHOD_OPTIMIZER['dec']['learning_rate']:g} with momentum "
                         f"{METHOD_OPTIMIZER['dec']['momentum']:g}; IDEC: "
                         f"{METHOD_OPTIMIZER['idec']['learning_rate']:g} with momentum "
                         f"{METHOD_OPTIMIZER['idec']['momentum']:g} (its authors' "
                         "setting, docs/benchmarks.md), set when you pick IDEC.")
    st.number_input("Seed", 0, 10**6, key=bind("train", "seed"),
                    help="Random seed for weights, shuffling and k-means.")


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
        help="What each adds (measured on digits and 10k MNIST in docs/benchmarks.md): "
             + " ".join(f"**{spec['label']}**: {spec['help']}" for spec in VARIANTS.values())
             + (" DEC-DA needs square images (8x8, 28x28)." if not square else "")
             + " Default: DEC, the paper's method.")
    what = VARIANTS[current]["help"] if current in VARIANTS else (
        "your own combination of the settings below.")
    st.caption(f"What runs: {what}")
    train = st.session_state["train"]
    if square and (float(train["augment"]) > 0 or current == "custom"):
        st.slider("Augmentation strength", 0.0, 2.0, step=0.25, key=bind("train", "augment"),
                  help="DEC-DA (Guo et al. 2018): 1 means random rotations in ±10°, scales in "
                       "[0.9, 1.1] and sub-pixel shifts of up to 10% of the side, in "
                       "pretraining and clustering; ranges scale linearly; 0 is off.")
    if train["centroid_init"] != "kmeans" or current == "custom":
        st.radio("Centroid start", ["kmeans", "manifold"], horizontal=True,
                 key=bind("train", "centroid_init"),
                 format_func={"kmeans": "k-means (paper)",
                              "manifold": "manifold (UMAP + GMM)"}.get,
                 help="k-means in the embedding (the paper), or N2D's clusters: UMAP of the "
                      "embedding to k dimensions and a Gaussian mixture there; each centroid "
                      "is its cluster's mean in the embedding. The first UMAP of a worker "
                      "compiles code (~20 s).")
    if int(train["n_restarts"]) > 1 or current == "custom":
        st.number_input("Restarts", 1, 10, key=bind("train", "n_restarts"),
                        help="Whole fits with different seeds (this many times the time); "
                             "the kept one is chosen without labels by the criterion.")
        st.selectbox("Restart criterion", ["kl", "silhouette", "inertia"],
                     key=bind("train", "restart_criterion"),
                     format_func={"kl": "lowest final KL(P‖Q)",
                                  "silhouette": "highest silhouette in z",
                                  "inertia": "lowest relative inertia in z"}.get,
                     help="How the kept restart is chosen (labels are never used).")
