"""Default settings per kind of data: the one place every default lives.

The CLI (``python -m dec_core run``), the benchmarks and the app
(``explorer/session/state.py``) all start from :func:`preset_for`, so the same data
gives the same settings, and the same result, everywhere.

A preset is a flat dict of config keys (the CLI's JSON config, the app's
``train`` section plus ``dims``). ``dims`` holds the *hidden* sizes after
the input width; :func:`full_dims` adds the width. Kinds of data:

``digits``     scikit-learn's 8x8 digits (1,797 images)
``images``     MNIST-like 28x28 images (mnist, fashion_mnist): tens of thousands
``synthetic``  the generated 2-D sets (blobs, moons, circles, imbalanced_blobs)
``tabular``    user files (CSV / NPY / NPZ)

Examples
--------
>>> from dec_core.presets import preset_for, full_dims
>>> preset_for("file")["dims"]
[64, 64, 128, 10]
>>> full_dims([256, 256, 512, 10], 64)
[64, 256, 256, 512, 10]
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

# Config keys that are parameters of dec_core.DEC (the rest of a config
# describes the data or the run: dataset, n_samples, seed, scale, ...).
DEC_KEYS: tuple[str, ...] = (
    "n_clusters", "alpha", "target_power", "normalize_frequency", "method", "gamma",
    "pretrain", "pretrain_epochs", "pretrain_steps", "layer_epochs", "pretrain_batch_size",
    "pretrain_optimizer", "pretrain_lr", "pretrain_noise", "pretrain_schedule",
    "augment_shift", "init", "dropout",
    "batch_size", "optimizer", "learning_rate", "momentum", "update_interval", "update_budget",
    "tol", "max_iter", "n_init",
    "augment", "centroid_init", "start_target_updates", "n_restarts", "restart_criterion",
)

# The clustering phase's optimiser for each method (docs/benchmarks.md, "DEC vs IDEC").
# DEC: the paper's SGD(0.01, momentum 0.9). IDEC: gamma = 0.1 scales the clustering
# gradient down tenfold, so DEC's SGD barely moves the clusters (digits ACC 0.832, the
# k-means start was 0.827); the IDEC authors' SGD(0.1, momentum 0.99) (their USPS and
# Reuters setting) trained best on digits (0.853) and mnist-quick (0.776, = DEC).
METHOD_OPTIMIZER: dict[str, dict] = {
    "dec": {"optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9},
    "idec": {"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.99},
}

# The pretraining budget of every kind, in gradient steps: the epochs stop once this many
# batches ran, so a default run's cost is bounded whatever the data size (the paper
# counted 50,000 steps of layer-wise pretraining, not epochs). 20,000 leaves every tuned
# preset as it was (digits 200 x 29 = 5,800 steps; MNIST-10k 60 x 40 = 2,400; all of
# MNIST 60 x 274 = 16,440; the tabular sets <= 3,200) and cuts a 1,000,000-row CSV from
# 200 epochs of 15,625 steps (about 2.5 hours on 2 cores) to 1.3 epochs (about 25 s;
# ACC 0.99 on 4 blobs, docs/engine.md "What a run costs"). dec_core.cost estimates the time.
PRETRAIN_STEPS = 20_000

# The DEC phase's budget, in rows embedded by all target updates together. max_iter already
# bounds the batches; each target update embeds every row, so on big data the updates cost
# the most (a 1,000,000-row CSV: 50 updates of about 1 s on 2 cores, 3,000 batches in 4 s).
# When n * max_iter / update_interval passes the budget, the interval widens to fit
# (dec_core.cost.dec_update_interval). 10,000,000 leaves every tuned preset as it was
# (digits 1,797 x 3,000 / 60 = 0.09 M; MNIST-10k 10,000 x 20,000 / 40 = 5 M; the tabular
# sets < 0.2 M) and gives a 1,000,000-row CSV 10 updates, every 300 batches. All of MNIST
# (70,000) gets 140, DEC-keras's MNIST interval.
DEC_UPDATE_BUDGET = 10_000_000

IDEC_GAMMA = 0.1
"""IDEC's coefficient of the clustering loss, ``L = L_r + gamma * KL(P || Q)``: the paper's 0.1
(Guo et al. 2017), the estimator's default and every preset's."""

# Settings every kind shares.
COMMON: dict = {
    "pretrain_steps": PRETRAIN_STEPS,
    "update_budget": DEC_UPDATE_BUDGET,
    "alpha": 1.0,              # degrees of freedom of the Student's t kernel, as in the paper
    "target_power": 2.0,       # p_ij ∝ q_ij^2 / f_j: the paper's square
    "normalize_frequency": True,  # ... and its division by the soft cluster size f_j
    "method": "dec",           # plain DEC; "idec" keeps the decoder (Guo et al. 2017)
    "gamma": IDEC_GAMMA,       # IDEC: coefficient of the clustering loss
    "pretrain": "end_to_end",
    "layer_epochs": 25,        # per layer, only with pretrain="layerwise"
    "pretrain_optimizer": "adam",
    "pretrain_schedule": "cosine",
    "augment": 0.0,            # DEC-DA's affine augmentation, off (VARIANTS["dec-da"])
    "centroid_init": "kmeans",  # the paper's start; "manifold" is N2D's (VARIANTS)
    "n_restarts": 1,           # one fit; more are chosen without labels (VARIANTS)
    "start_target_updates": 0,  # the paper: P is the sharpened Q from the first update
    "restart_criterion": "kl",
    **METHOD_OPTIMIZER["dec"],
}

# The accuracy variants (docs/benchmarks.md, "Accuracy variants"):
# name -> (settings they change from the preset, one sentence saying what they add).
# The app's Train page, the CLI (`run --variant`), the bench (`--variant`) and the
# Compare page all read this table. "dec" is the paper's DEC, the default.
VARIANTS: dict[str, dict] = {
    "dec": {
        "label": "DEC",
        "settings": {},
        "help": "The paper's DEC: k-means in the pretrained embedding places the centroids, "
                "then self-training on KL(P‖Q).",
    },
    "dec-da": {
        "label": "DEC-DA (augmented)",
        "settings": {"augment": 1.0},
        "help": "DEC with data augmentation (Guo et al. 2018): the autoencoder and the "
                "clustering train on randomly rotated (±10°), scaled (0.9-1.1) and sub-pixel "
                "shifted images, so the embedding ignores small deformations.",
    },
    "dec-manifold": {
        "label": "DEC, manifold start",
        "settings": {"centroid_init": "manifold", "start_target_updates": 5},
        "help": "DEC started from N2D's clusters (UMAP of the embedding + a Gaussian mixture) "
                "instead of k-means: the centroids are those clusters' means, and for the "
                "first 5 target updates P is those clusters themselves, so the encoder first "
                "makes them compact in z; then DEC refines as usual.",
    },
    "dec-restarts": {
        "label": "DEC, 3 restarts (lowest KL)",
        "settings": {"n_restarts": 3, "restart_criterion": "kl"},
        "help": "Three whole DEC fits with different seeds; the one with the lowest final "
                "KL(P‖Q) is kept, chosen without labels (3x the time).",
    },
    "dec-da-manifold": {
        "label": "DEC-DA (light), manifold start",
        "settings": {"augment": 0.25, "centroid_init": "manifold", "start_target_updates": 5},
        "help": "Both, with a quarter of DEC-DA's ranges (±2.5°, scales 0.975-1.025, shifts "
                "of 2.5% of the side), which suits 8x8 digits: augmented pretraining and "
                "clustering, started from N2D's clusters.",
    },
}
"""Accuracy variants: ``{name: {"label", "settings", "help"}}``."""

VARIANT_KEYS: tuple[str, ...] = ("augment", "centroid_init", "start_target_updates",
                                 "n_restarts", "restart_criterion")
"""The settings the variants change (each a DEC parameter, default in :data:`COMMON`)."""


def apply_variant(config: dict, variant: str) -> dict:
    """``config`` with a variant's settings (a copy); ValueError for an unknown name.

    Every key of :data:`VARIANT_KEYS` the variant does not set is reset to
    its default, so switching from one variant to another leaves nothing behind.

    >>> apply_variant({"augment": 0.0, "tol": 0.1}, "dec-da")["augment"]
    1.0
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    return {**copy.deepcopy(config), **{k: COMMON[k] for k in VARIANT_KEYS},
            **copy.deepcopy(VARIANTS[variant]["settings"])}


def variant_of(params: dict | None) -> str | None:
    """The variant name whose settings ``params`` hold (the most specific), or None.

    Parameters
    ----------
    params : mapping or None
        Estimator parameters or the app's train settings; missing variant keys
        count as their defaults (:data:`COMMON`).
    """
    params = dict(params or {})
    keys = VARIANT_KEYS
    have = {k: params.get(k, COMMON[k]) for k in keys}
    for name, spec in VARIANTS.items():
        want = {**{k: COMMON[k] for k in keys}, **spec["settings"]}
        if all(have[k] == want[k] for k in keys):
            return name
    return None

# The tuned digits preset (docs/benchmarks.md), measured on 2 cores:
# a denoising autoencoder (Gaussian input noise 0.4) pretrained for 200 epochs
# of small batches with Adam and a cosine learning-rate decay, then DEC with
# batch 64, a target update every 60 batches and tol 1e-4 (DEC keeps
# improving well past tol 1e-3 on 1,797 samples). Change digits values here:
# the app's defaults and the `digits` benchmark follow.
DIGITS: dict = {
    **COMMON,
    "dims": [256, 256, 512, 10],
    "pretrain_epochs": 200,
    "pretrain_batch_size": 64,
    "pretrain_lr": 0.002,
    "pretrain_noise": 0.4,
    "batch_size": 64,
    "update_interval": 60,
    "tol": 0.0001,
    "max_iter": 3000,
}

# MNIST-like images (70,000 x 784): the paper's network, and the mnist-quick
# benchmark's schedule (a few minutes of pretraining on 2 cores for 10,000
# samples; ACC 0.77 there). Larger batches than digits: 64 would be ~1,100
# steps an epoch on the full set.
IMAGES: dict = {
    **COMMON,
    "dims": [500, 500, 2000, 10],
    "pretrain_epochs": 60,
    "pretrain_batch_size": 256,
    "pretrain_lr": 0.001,
    "pretrain_noise": 0.2,
    "batch_size": 256,
    "update_interval": 40,
    "tol": 0.001,
    "max_iter": 20000,
}

# Small tabular data (a CSV of a few hundred to a few thousand rows,
# standardised columns): the digits schedule (its own copy) on a smaller
# network with less input noise. Mean ACC over seeds 0-2 (2 cores, 2026-11-23), this preset vs
# the former CLI default (64-64-128-10, 50 epochs, batch 256, no noise,
# tol 1e-3) vs the digits preset:
#   breast cancer (569 x 30)  0.914 / 0.858 / 0.915
#   wine (178 x 13)           0.961 / 0.929 / 0.964
#   iris (150 x 4)            0.864 / 0.873 / 0.811
#   8-d blobs (600 x 8)       1.000 / 1.000 / 1.000
# and half the digits preset's time.
TABULAR: dict = {
    **COMMON,
    "dims": [64, 64, 128, 10],
    "pretrain_epochs": 200,
    "pretrain_batch_size": 64,
    "pretrain_lr": 0.002,
    "pretrain_noise": 0.1,
    "batch_size": 64,
    "update_interval": 60,
    "tol": 0.0001,
    "max_iter": 3000,
}

# The 2-D teaching sets are small tables too. Mean ACC, seeds 0-2, this preset
# vs the former CLI default vs the digits preset: blobs 0.938 / 0.946 / 0.925,
# moons 0.862 / 0.884 / 0.863 (moons and circles are non-convex: DEC's
# k-means-like clusters struggle on purpose).
SYNTHETIC: dict = dict(TABULAR)

PRESETS: dict[str, dict] = {
    "digits": DIGITS,
    "images": IMAGES,
    "synthetic": SYNTHETIC,
    "tabular": TABULAR,
}
"""Kind of data -> its defaults."""

KINDS: dict[str, str] = {
    "digits": "digits",
    "mnist": "images",
    "fashion_mnist": "images",
    "blobs": "synthetic",
    "moons": "synthetic",
    "circles": "synthetic",
    # two blobs of 500 points and one of 50 between them (dec_core.datasets), on the
    # synthetic preset. scripts/fj_imbalance.py, seeds 0-2, one autoencoder and one k-means
    # start per seed (2-core CPU, 2026-12-06): k-means gives the small blob a cluster of
    # 158 / 141 / 112 points (ACC 0.896 / 0.910 / 0.937); DEC with the paper's / f_j grows it
    # to 273 / 340 / 196 (ACC 0.787 / 0.723 / 0.859; the small class's recall 1.00, the
    # cluster's precision 0.18 / 0.15 / 0.26); without / f_j it shrinks to 46 / 50 / 48
    # (ACC 0.994 / 0.994 / 0.992; recall 0.92 / 0.96 / 0.94, precision 1.00 / 0.96 / 0.98).
    # Dividing by f_j pulls the clusters towards equal sizes, so here the small one grows.
    "imbalanced_blobs": "synthetic",
    "file": "tabular",
}
"""Data set name (:data:`dec_core.datasets.DATASETS`) -> kind of data."""


def kind_of(dataset: str) -> str:
    """The kind of data a data set name stands for (``tabular`` when unknown)."""
    return KINDS.get(dataset, "tabular")


def preset_for(dataset: str) -> dict:
    """A fresh copy of the defaults for a data set name.

    Parameters
    ----------
    dataset : str
        ``digits``, ``mnist``, ``fashion_mnist``, ``blobs``, ``moons``,
        ``circles``, ``imbalanced_blobs`` or ``file``.

    Returns
    -------
    dict
        Every default config key (``dims`` as hidden sizes), safe to change.
    """
    return copy.deepcopy(PRESETS[kind_of(dataset)])


def full_dims(hidden: Sequence[int], n_features: int) -> list[int]:
    """The autoencoder's layer sizes: the input width, then the hidden sizes.

    Parameters
    ----------
    hidden : sequence of int
        Sizes after the input, ending with the embedding size, e.g. ``[500, 500, 2000, 10]``.
    n_features : int
        The data's width d.

    Returns
    -------
    list of int
        ``[n_features, *hidden]``.
    """
    return [int(n_features), *(int(h) for h in hidden)]


def default_n_clusters(n_clusters: int | None, n_labels: int | None) -> int:
    """``n_clusters`` when set (> 0), else the number of true labels, else 10.

    This is one of the two places labels are used: the other is scoring.
    """
    if n_clusters:
        return int(n_clusters)
    return int(n_labels or 10)


def estimator_params(config: dict, n_features: int, n_labels: int | None) -> dict:
    """Keyword arguments for :class:`dec_core.DEC` from a config (not ``random_state``).

    Parameters
    ----------
    config : dict
        A resolved config: the DEC keys of :data:`DEC_KEYS` that it holds, and
        ``dims`` as hidden sizes.
    n_features : int
        The data's width.
    n_labels : int or None
        The number of distinct true labels, the default ``n_clusters``.

    Returns
    -------
    dict
    """
    params = {k: config[k] for k in DEC_KEYS if k in config}
    params["n_clusters"] = default_n_clusters(config.get("n_clusters"), n_labels)
    params["dims"] = full_dims(config["dims"], n_features)
    return params


def legacy_method(config: dict) -> dict:
    """Read a config saved before ``method`` existed (a copy is returned).

    Then ``gamma`` weighted a reconstruction term: ``gamma == 0`` meant plain
    DEC and ``gamma > 0`` meant IDEC. The old weighting cannot be reproduced,
    so ``gamma > 0`` loads as ``method="idec"`` with that gamma, and
    ``gamma == 0`` as ``method="dec"`` with the default gamma.
    """
    config = dict(config)
    if "method" in config or "gamma" not in config:
        return config
    try:
        gamma = float(config["gamma"])
    except (TypeError, ValueError):
        return config
    if gamma > 0:
        config["method"] = "idec"
    else:
        config["method"] = "dec"
        del config["gamma"]
    return config


def switch_method(train: dict, method: str) -> dict:
    """Settings for ``method``, with the clustering optimiser following the method.

    Each optimiser setting still at the old method's default (see
    :data:`METHOD_OPTIMIZER`) moves to the new method's; one the user changed
    stays. A copy is returned.

    Parameters
    ----------
    train : dict
        Settings holding ``method`` and, optionally, the optimiser keys.
    method : {"dec", "idec"}

    Returns
    -------
    dict
    """
    out = dict(train)
    old = METHOD_OPTIMIZER.get(out.get("method", "dec"), {})
    for key, value in METHOD_OPTIMIZER[method].items():
        if key not in out or out[key] == old.get(key):
            out[key] = value
    out["method"] = method
    return out


def method_of(params: dict | None) -> str:
    """``"dec"`` or ``"idec"``: the method a run's settings describe.

    Parameters
    ----------
    params : mapping or None
        Estimator parameters (``run.config["params"]``) or the app's train
        settings (``extra["app"]["train"]``). Settings saved before
        ``method`` existed mean plain DEC when ``gamma`` is 0 or missing,
        and IDEC when ``gamma > 0``.

    Returns
    -------
    str
    """
    method = legacy_method(dict(params or {})).get("method", "dec")
    return str(method) if method in ("dec", "idec") else "dec"
