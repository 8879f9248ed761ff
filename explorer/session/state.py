"""The app's session state: names, defaults and the config they make.

Three flat dicts hold every setting, so they map one to one onto URL query
parameters and onto the CLI's JSON config:

``st.session_state["data"]``   the data set spec (see :data:`DATA_DEFAULTS`)
``st.session_state["model"]``  layer sizes, clusters, alpha (:data:`MODEL_DEFAULTS`)
``st.session_state["train"]``  pretraining and DEC settings (:data:`TRAIN_DEFAULTS`)

Other keys:

``upload``     ``{"name": str, "bytes": bytes}`` of the last good upload
``owner``      this browser's owner token (kept in a cookie, never in the URL)
``job_id``     the id of the job this session started or follows (from the URL's
               ``job=`` after a refresh, or a second tab's: ``explorer.session.submit.attach_job``)
``run_path``   the run folder the Explore page shows

This module never imports streamlit: pages pass ``st.session_state`` in.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping

from dec_core.datasets import SYNTHETIC_NOISE
from dec_core.presets import IMAGES, TABULAR, estimator_params, legacy_method, preset_for

DATA_DEFAULTS: dict = {
    "name": "digits",      # one of dec_core.datasets.DATASETS
    "n_samples": 0,        # 0 = all
    "scale": "auto",
    "seed": 0,
    "label_column": "auto",  # CSV uploads
    "noise": None,         # synthetic sets: None = dec_core.datasets.SYNTHETIC_NOISE
}


def _dims_name(title: str, hidden: list[int]) -> str:
    return f"{title} (d-{'-'.join(str(h) for h in hidden)})"


MODEL_PRESETS: dict[str, list[int]] = {
    _dims_name("Fast", preset_for("digits")["dims"]): preset_for("digits")["dims"],
    _dims_name("DEC paper", IMAGES["dims"]): list(IMAGES["dims"]),
    _dims_name("Small", TABULAR["dims"]): list(TABULAR["dims"]),
    "Tiny (d-64-10)": [64, 10],
}


def model_defaults(dataset: str = "digits") -> dict:
    """The model section's defaults for a data set (from :func:`dec_core.presets.preset_for`)."""
    preset = preset_for(dataset)
    return {
        "hidden": preset["dims"],  # sizes after the input width d
        "n_clusters": 0,           # 0 = the number of labels (10 if none)
        "alpha": preset["alpha"],
    }


def train_defaults(dataset: str = "digits") -> dict:
    """The train section's defaults for a data set: its preset's DEC keys and ``seed``."""
    preset = preset_for(dataset)
    train = {k: v for k, v in preset.items() if k not in ("dims", "alpha")}
    train["seed"] = 0
    # "shipped": start from the pretrained autoencoder in assets/ when the data and every
    # pretraining setting match its record (dec_core.pretrained), else pretrain live.
    # The default, so a class sees the default demo finish in seconds; the recorded curve
    # is drawn as recorded. "live": always pretrain now.
    train["autoencoder"] = "shipped"
    return train


MODEL_DEFAULTS: dict = model_defaults(DATA_DEFAULTS["name"])
TRAIN_DEFAULTS: dict = train_defaults(DATA_DEFAULTS["name"])

SECTIONS = {"data": DATA_DEFAULTS, "model": MODEL_DEFAULTS, "train": TRAIN_DEFAULTS}


def session_upload(state: Mapping, data: Mapping | None = None) -> dict | None:
    """The session's uploaded file (``{"name", "bytes"}``) when ``data`` names a file, else None.

    Parameters
    ----------
    state : Mapping
        The session state (``st.session_state`` or a plain dict).
    data : Mapping, optional
        A data spec; default the session's own (``state["data"]``). A run's or job's spec
        names the file its data came from, which is the session's last upload.
    """
    data = state["data"] if data is None else data
    return state.get("upload") if data.get("name") == "file" else None


def missing_upload(state: Mapping, data: Mapping | None = None) -> bool:
    """True when ``data`` names a file and the session holds no upload to read it from.

    Parameters
    ----------
    state : Mapping
        The session state (``st.session_state`` or a plain dict).
    data : Mapping, optional
        A data spec; default the session's own (``state["data"]``).
    """
    data = state["data"] if data is None else data
    return data.get("name") == "file" and not state.get("upload")


def ensure_defaults(state: MutableMapping) -> None:
    """Fill missing sections (and missing keys in them) with the defaults.

    Train settings from before ``method`` (a loaded old run) are read by
    :func:`dec_core.presets.legacy_method`: ``gamma > 0`` meant IDEC.
    """
    for section, defaults in SECTIONS.items():
        current = state.get(section)
        if not isinstance(current, dict):
            state[section] = copy.deepcopy(defaults)
        else:
            if section == "train" and "method" not in current:
                legacy = legacy_method(current)
                current.clear()
                current.update(legacy)
            for key, value in defaults.items():
                current.setdefault(key, copy.deepcopy(value))


def preset_changes(model: dict, train: dict, old: str, new: str) -> list[tuple[str, str, object]]:
    """Settings that follow a change of data set from ``old`` to ``new``.

    A setting still at ``old``'s preset value moves to ``new``'s (e.g. from
    digits to MNIST: the paper's network and larger batches); one the user
    changed stays.

    Returns
    -------
    list of (section, key, value)
    """
    before = {"model": model_defaults(old), "train": train_defaults(old)}
    after = {"model": model_defaults(new), "train": train_defaults(new)}
    changes = []
    for section, current in (("model", model), ("train", train)):
        for key, value in after[section].items():
            if current.get(key) == before[section].get(key) and current.get(key) != value:
                changes.append((section, key, copy.deepcopy(value)))
    return changes


def dataset_changes(state: MutableMapping, new: str) -> list[tuple[str, str, object]]:
    """What choosing data set ``new`` changes, from the Data page's selectbox or a link.

    The noise level becomes ``new``'s own, and model and train settings still at
    the current data set's preset move to ``new``'s (:func:`preset_changes`).

    Returns
    -------
    list of (section, key, value)
    """
    old = state["data"]["name"]
    if new == old:
        return []
    return [("data", "noise", SYNTHETIC_NOISE.get(new)),
            *preset_changes(state["model"], state["train"], old, new)]


def link_changes(state: MutableMapping, found: dict) -> list[tuple[str, str, object]]:
    """What a link's settings (:func:`from_query`) change in a session's ``state``.

    A link that names a data set gets that data set's preset first, exactly as
    choosing it in the selectbox does (:func:`dataset_changes`); then every
    setting the link carries is applied, so a link that sets model or train keys
    keeps them. :func:`to_query` writes the settings that differ from the data
    set's own preset, so a link reopens the experiment it was copied from.

    Returns
    -------
    list of (section, key, value), in the order to apply them
    """
    new = found.get("data", {}).get("name", state["data"]["name"])
    changes = dataset_changes(state, new)
    changes += [(section, key, value) for section, values in found.items()
                for key, value in values.items()]
    return changes


def label_column(data: Mapping):
    """The data spec's label column: ``"auto"``, ``"none"``, a name, or a column index.

    A column index from a link or a widget arrives as text; it is read as an int.
    """
    column = data.get("label_column", "auto")
    if isinstance(column, str) and column.lstrip("-").isdigit():
        column = int(column)
    return column


def noise_reset(data: Mapping, top: float) -> float | None:
    """The synthetic set's default noise when ``data``'s is unset or outside ``[0, top]``.

    None when the current noise stands. A new data set starts from its own noise
    level (:data:`dec_core.datasets.SYNTHETIC_NOISE`).
    """
    noise = data.get("noise")
    if noise is None or not 0 <= float(noise) <= top:
        return SYNTHETIC_NOISE[data["name"]]
    return None


def dataset_options(data: dict, data_dir: str | None = None) -> dict:
    """Keyword arguments for :func:`dec_core.datasets.load_dataset` (no upload bytes)."""
    opts: dict = {"n_samples": int(data["n_samples"]) or None, "scale": data["scale"],
                  "random_state": int(data["seed"])}
    if data["name"] in ("mnist", "fashion_mnist") and data_dir:
        opts["path"] = data_dir
    if data["name"] == "file":
        opts["label_column"] = label_column(data)
    if data["name"] in SYNTHETIC_NOISE and data.get("noise") is not None:
        opts["noise"] = float(data["noise"])
    return opts


def dec_params(model: dict, train: dict, n_features: int, n_labels: int | None) -> dict:
    """Keyword arguments for :class:`dec_core.DEC` from the model and train sections.

    Built by :func:`dec_core.presets.estimator_params`, as the CLI builds them;
    ``n_clusters = 0`` means the number of true labels (10 without labels).
    """
    config = {k: v for k, v in train.items() if k != "seed"}
    config.update(dims=[int(h) for h in model["hidden"]], alpha=float(model["alpha"]),
                  n_clusters=int(model["n_clusters"]))
    params = estimator_params(config, n_features, n_labels)
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
    if data["name"] == "file":
        config["label_column"] = label_column(data)
    if data["name"] in SYNTHETIC_NOISE and data.get("noise") is not None:
        config["noise"] = float(data["noise"])
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
    """The settings that differ from the defaults, as query parameters.

    Model and train settings are compared with the data set's own preset (the
    one a link to that data set starts from, see :func:`link_changes`).
    """
    name = (state.get("data") or {}).get("name", DATA_DEFAULTS["name"])
    sections = {"data": DATA_DEFAULTS, "model": model_defaults(name), "train": train_defaults(name)}
    out = {}
    for section, defaults in sections.items():
        current = state.get(section) or {}
        for key, default in defaults.items():
            value = current.get(key, default)
            if value != default:
                out[f"{section}.{key}"] = _encode(value)
    if "train.gamma" in out:  # so that the link never reads as one from before `method`
        out["train.method"] = _encode((state.get("train") or {}).get("method", "dec"))
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
    # A link from before `method` (to_query writes method beside any gamma).
    found["train"] = legacy_method(found["train"])
    return found, problems
