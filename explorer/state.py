"""The app's session state: names, defaults and the config they make.

Three flat dicts hold every setting, so they map one to one onto URL query
parameters and onto the CLI's JSON config:

``st.session_state["data"]``   the data set spec (see :data:`DATA_DEFAULTS`)
``st.session_state["model"]``  layer sizes, clusters, alpha (:data:`MODEL_DEFAULTS`)
``st.session_state["train"]``  pretraining and DEC settings (:data:`TRAIN_DEFAULTS`)

Other keys:

``upload``     ``{"name": str, "bytes": bytes}`` of the last good upload
``owner``      this browser's owner token (also in the URL as ``?owner=``)
``job_id``     the id of the job this session last started
``run_path``   the run folder the Explore page shows

This module never imports streamlit: pages pass ``st.session_state`` in.
"""

from __future__ import annotations

import copy
from collections.abc import MutableMapping

DATA_DEFAULTS: dict = {
    "name": "digits",      # one of dec_core.datasets.DATASETS
    "n_samples": 0,        # 0 = all
    "scale": "auto",
    "seed": 0,
    "label_column": "auto",  # CSV uploads
    "noise": None,         # synthetic sets
}

MODEL_PRESETS: dict[str, list[int]] = {
    "Fast (d-256-256-512-10)": [256, 256, 512, 10],
    "DEC paper (d-500-500-2000-10)": [500, 500, 2000, 10],
    "Tiny (d-64-10)": [64, 10],
}

MODEL_DEFAULTS: dict = {
    "hidden": [256, 256, 512, 10],  # sizes after the input width d
    "n_clusters": 0,                 # 0 = the number of labels (10 if none)
    "alpha": 1.0,
}

TRAIN_DEFAULTS: dict = {
    # pretraining (the tuned digits defaults of dec_core.cli.PRESETS, see docs/benchmarks.md)
    "pretrain": "end_to_end",
    "pretrain_epochs": 200,
    "layer_epochs": 25,
    "pretrain_batch_size": 64,
    "pretrain_optimizer": "adam",
    "pretrain_lr": 0.002,
    "pretrain_schedule": "cosine",
    "pretrain_noise": 0.4,
    # DEC
    "batch_size": 64,
    "optimizer": "sgd",
    "learning_rate": 0.01,
    "update_interval": 60,
    "tol": 0.0001,
    "max_iter": 3000,
    "gamma": 0.0,
    "seed": 0,
}

SECTIONS = {"data": DATA_DEFAULTS, "model": MODEL_DEFAULTS, "train": TRAIN_DEFAULTS}

# Settings that change the pretrained autoencoder; the rest only affect DEC,
# so changing them reuses the cached autoencoder.
PRETRAIN_KEYS = ("pretrain", "pretrain_epochs", "layer_epochs", "pretrain_batch_size",
                 "pretrain_optimizer", "pretrain_lr", "pretrain_schedule", "pretrain_noise",
                 "seed")


def ensure_defaults(state: MutableMapping) -> None:
    """Fill missing sections (and missing keys in them) with the defaults."""
    for section, defaults in SECTIONS.items():
        current = state.get(section)
        if not isinstance(current, dict):
            state[section] = copy.deepcopy(defaults)
        else:
            for key, value in defaults.items():
                current.setdefault(key, copy.deepcopy(value))


def dataset_options(data: dict, data_dir: str | None = None) -> dict:
    """Keyword arguments for :func:`dec_core.datasets.load_dataset` (no upload bytes)."""
    opts: dict = {"n_samples": int(data["n_samples"]) or None, "scale": data["scale"],
                  "random_state": int(data["seed"])}
    if data["name"] in ("mnist", "fashion_mnist") and data_dir:
        opts["path"] = data_dir
    if data["name"] == "file":
        column = data.get("label_column", "auto")
        # a column index from a link or a widget arrives as text
        if isinstance(column, str) and column.lstrip("-").isdigit():
            column = int(column)
        opts["label_column"] = column
    if data["name"] in ("blobs", "moons", "circles") and data.get("noise") is not None:
        opts["noise"] = float(data["noise"])
    return opts


def dec_params(model: dict, train: dict, n_features: int, n_labels: int | None) -> dict:
    """Keyword arguments for :class:`dec_core.DEC` from the model and train sections."""
    params = {k: v for k, v in train.items() if k != "seed"}
    params["dims"] = [int(n_features), *[int(h) for h in model["hidden"]]]
    params["n_clusters"] = int(model["n_clusters"]) or (n_labels or 10)
    params["alpha"] = float(model["alpha"])
    params["random_state"] = int(train["seed"])
    return params


def cli_config(data: dict, model: dict, train: dict) -> dict:
    """The JSON config ``python -m dec_core run --config`` accepts."""
    config = {k: v for k, v in train.items() if k != "seed"}
    config.update({
        "dataset": data["name"],
        "seed": int(train["seed"]),
        "dims": [int(h) for h in model["hidden"]],
        "alpha": float(model["alpha"]),
        "scale": data["scale"],
        "data_seed": int(data["seed"]),
    })
    if int(data["n_samples"]):
        config["n_samples"] = int(data["n_samples"])
    if int(model["n_clusters"]):
        config["n_clusters"] = int(model["n_clusters"])
    return config


# ---------------------------------------------------------------------------
# settings <-> URL query parameters ("train.tol=0.001", "model.hidden=500,500,2000,10")


def _encode(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(text: str, default):
    if isinstance(default, bool):
        if text not in ("0", "1", "true", "false"):
            raise ValueError(text)
        return text in ("1", "true")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float) or default is None:
        if default is None and text in ("", "None", "none"):
            return None
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(text)
        return value
    if isinstance(default, list):
        return [int(v) for v in text.split(",") if v.strip()]
    return text


def to_query(state) -> dict[str, str]:
    """The settings that differ from the defaults, as query parameters."""
    out = {}
    for section, defaults in SECTIONS.items():
        current = state.get(section) or {}
        for key, default in defaults.items():
            value = current.get(key, default)
            if value != default:
                out[f"{section}.{key}"] = _encode(value)
    return out


def from_query(params) -> tuple[dict, list[str]]:
    """Settings found in query parameters, and messages about bad ones.

    Returns ``({"data": {...}, "model": {...}, "train": {...}}, problems)``;
    unknown parameters are ignored, and bad values are reported and skipped.
    """
    found: dict = {section: {} for section in SECTIONS}
    problems: list[str] = []
    for name in list(params.keys()):
        section, _, key = str(name).partition(".")
        if section not in SECTIONS or key not in SECTIONS[section]:
            continue
        text = params[name]
        if isinstance(text, list):
            text = text[-1] if text else ""
        try:
            found[section][key] = _decode(str(text), SECTIONS[section][key])
        except ValueError:
            problems.append(f"Ignored the link's setting {name}={text!r}: not a valid value.")
    return found, problems
