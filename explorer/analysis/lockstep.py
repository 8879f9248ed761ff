"""Two runs in lockstep: which pairs share their start, and pairs a lesson compares.

Two runs can play side by side, update by update, in one frame only if they
start from the same place: the same data, network, seed and autoencoder give
the same embedding and the same k-means centroids at update 0, and from there
only the DEC settings (the target's switches, α, the optimiser, the stop rule)
make them differ. :func:`refusal` says in words why a pair does not qualify;
:data:`PAIRS` holds the one-click pairs of the Lockstep page.

No streamlit here: the page passes the runs' app configs (``{"data", "model",
"train"}``, :mod:`explorer.session.state`) and their replay frames (:mod:`explorer.live_map.replay`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from dec_core.runs import read_config
from explorer.session.state import SECTIONS, dec_params
from explorer.text.teach import lockstep_refusal

FREE: dict[str, frozenset[str]] = {
    "data": frozenset(),
    "model": frozenset({"alpha"}),
    "train": frozenset({"target_power", "normalize_frequency", "method", "gamma",
                        "learning_rate", "momentum", "optimizer", "tol", "max_iter",
                        "batch_size", "update_interval", "update_budget"}),
}
"""Settings two runs in lockstep may differ in: they act after the k-means start."""

START_ATOL = 1e-4
"""Largest difference of the update-0 map (points and centroids) of a pair that starts
alike (float32 rounding of the same numbers)."""

PAIRS: dict[str, dict] = {
    "power": {"label": "power 2 vs 1", "section": "train", "key": "target_power",
              "values": (2.0, 1.0),
              "help": "The paper's squared target against no sharpening at all (p = q)."},
    "fj": {"label": "/f_j on vs off", "section": "train", "key": "normalize_frequency",
           "values": (True, False),
           "help": "With and without the division by the soft cluster size f_j."},
    "alpha": {"label": "α = 1 vs 10", "section": "model", "key": "alpha",
              "values": (1.0, 10.0),
              "help": "The Student's t kernel's degrees of freedom: a heavy tail (1, the "
                      "paper's) against a nearly Gaussian one (10)."},
}
"""The pairs a lesson compares, started in one click: one setting, two values, the rest
as the current settings."""


def _label(section: str, key: str) -> str:
    return f"{section}.{key}"


def differences(a: Mapping, b: Mapping) -> tuple[list[str], list[str]]:
    """The settings in which two app configs differ: ``(free, fixed)``.

    ``fixed`` are the ones that change the start (``"train.seed"``); ``free``
    the ones lockstep compares (``"model.alpha"``). Keys one config lacks are
    read from the app's defaults.
    """
    free, fixed = [], []
    for section, defaults in SECTIONS.items():
        sa, sb = dict(a.get(section) or {}), dict(b.get(section) or {})
        for key in sorted(set(sa) | set(sb) | set(defaults)):
            va, vb = sa.get(key, defaults.get(key)), sb.get(key, defaults.get(key))
            if va != vb:
                (free if key in FREE.get(section, ()) else fixed).append(_label(section, key))
    return free, fixed


def refusal(a: Mapping | None, b: Mapping | None, frames_a: Sequence[Mapping] = (),
            frames_b: Sequence[Mapping] = ()) -> str | None:
    """Why two runs cannot play in lockstep, in words; None when they can.

    Parameters
    ----------
    a, b : mapping or None
        The runs' app configs; None for a run saved without them.
    frames_a, frames_b : sequence of dict
        Their replay frames so far; when both have update 0, its points and
        centroids must agree (the same k-means start, checked, not assumed).
    """
    if a is None or b is None:
        return lockstep_refusal("no_settings")
    free, fixed = differences(a, b)
    if fixed:
        return lockstep_refusal("start", fixed)
    if frames_a and frames_b:
        za, zb = frames_a[0], frames_b[0]
        same = (np.shape(za["xy"]) == np.shape(zb["xy"])
                and np.shape(za["centers_xy"]) == np.shape(zb["centers_xy"])
                and np.allclose(za["xy"], zb["xy"], atol=START_ATOL)
                and np.allclose(za["centers_xy"], zb["centers_xy"], atol=START_ATOL))
        if not same:
            return lockstep_refusal("kmeans")
    if not free:
        return lockstep_refusal("same")
    return None


def pair_configs(config: Mapping, pair: str) -> list[dict]:
    """The two app configs of a :data:`PAIRS` entry, from ``config`` (deep copies)."""
    spec = PAIRS[pair]
    out = []
    for value in spec["values"]:
        cfg = copy.deepcopy(dict(config))
        cfg[spec["section"]] = {**cfg[spec["section"]], spec["key"]: value}
        out.append(cfg)
    return out


def app_config(run_dir) -> dict | None:
    """A saved run's app config (``config.json``'s ``extra.app``), or None without one."""
    try:
        config = read_config(run_dir)
    except (OSError, ValueError):
        return None
    return (config.get("extra") or {}).get("app")


def params_of(config: Mapping, dataset: Mapping | None = None) -> dict:
    """The estimator parameters of an app config (:func:`explorer.session.state.dec_params`),
    for naming a run by what differs (:func:`explorer.analysis.runs.run_settings`)."""
    dataset = dataset or {}
    return dec_params(config["model"], config["train"], int(dataset.get("n_features") or 0),
                      dataset.get("n_classes"))
