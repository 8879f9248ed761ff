"""Shipped pretrained autoencoders: build, store, verify and find them.

A shipped autoencoder is two files in the assets folder (:data:`ASSETS`: ``assets/`` in
the repository, ``dec_core/assets/`` in an installed wheel):

* ``<name>.npz``: the weights as plain float32 arrays ``w0, w1, ...`` and the
  recorded per-epoch loss (read with ``allow_pickle=False``: never a pickle);
* ``<name>.json``: what they are: the network and every pretraining setting
  (``config``), the sha256 of the training data (its float32 bytes), the
  sha256 of the ``.npz`` file, the weight shapes, the loss curve, the
  TensorFlow / Keras / NumPy versions and the seconds it took.

:func:`find` hands one out only when the data's hash and every setting that
shapes pretraining (see :data:`PRETRAIN_KEYS`) equal the recorded ones; a
file that does not match its own record is refused with a warning.

Build (or rebuild) the shipped digits autoencoder with the default settings::

    python -m dec_core.pretrained build

and check the shipped files against their records::

    python -m dec_core.pretrained check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np


def assets_dir() -> Path:
    """The folder of the shipped files (autoencoders, the app's icon).

    An installed wheel carries them as package data of ``dec_core.assets``
    (pyproject.toml maps the repository's ``assets/`` there), found with
    :mod:`importlib.resources`; a source checkout (or an editable install)
    reads ``assets/`` beside ``dec_core/``.
    """
    packaged = resources.files(__package__) / "assets"
    if isinstance(packaged, Path) and packaged.is_dir():  # a wheel on the file system
        return packaged
    return Path(__file__).resolve().parents[1] / "assets"


ASSETS = assets_dir()
FORMAT = 1

# Estimator parameters that shape pretraining (the rest act after it).
# ``momentum`` counts only with SGD; ``layer_epochs`` and ``dropout`` only
# with layer-wise pretraining.
PRETRAIN_KEYS = (
    "dims", "init", "random_state", "pretrain", "pretrain_epochs", "layer_epochs",
    "pretrain_batch_size", "pretrain_optimizer", "pretrain_lr", "momentum", "dropout",
    "pretrain_noise", "pretrain_schedule", "augment_shift", "augment", "n_restarts",
)
# Keys left out of a record while at their default, so the shipped records, which do not
# name them, still match: augment 0 (no warp), n_restarts 1 (one fit).
_LATER_DEFAULTS = {"augment": 0.0, "n_restarts": 1}

# The built-in default: digits with the default network and settings.
DEFAULT_NAME = "digits"


class PretrainedFileError(ValueError):
    """A shipped file is missing, unreadable, or does not match its record."""


@dataclass
class Shipped:
    """A verified pretrained autoencoder.

    Attributes
    ----------
    weights : list of ndarray
        In ``keras.Model.get_weights()`` order of :func:`~dec_core.autoencoder.build_autoencoder`
        with ``config["dims"]`` (kernel, bias per Dense layer).
    history : list of dict
        The recorded pretraining curve, one row per epoch:
        ``{"epoch": int, "stage": str, "loss": float}``.
    config : dict
        The pretraining settings (the keys of :data:`PRETRAIN_KEYS`).
    record : dict
        The whole JSON record (data hash, versions, seconds, ...).
    path : Path
        The ``.npz`` file.
    """

    weights: list[np.ndarray]
    history: list[dict]
    config: dict
    record: dict = field(repr=False)
    path: Path | None = None

    def autoencoder(self):
        """A Keras autoencoder holding these weights, for ``DEC.fit(..., autoencoder=)``."""
        from .autoencoder import build_autoencoder

        model, _ = build_autoencoder(self.config["dims"], init=self.config["init"])
        model.set_weights(self.weights)
        return model


# --------------------------------------------------------------------- hashes and settings
def data_sha256(x) -> str:
    """sha256 of ``x`` as C-ordered float32 bytes (what ``DEC.fit`` trains on)."""
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    h = hashlib.sha256()
    h.update(f"float32{arr.shape}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pretrain_settings(params, n_features: int | None = None, *, defaults: bool = True) -> dict:
    """The settings of ``params`` that shape pretraining, normalised for comparison.

    Parameters
    ----------
    params : mapping or DEC
        Estimator parameters (``DEC.get_params()`` or a subset of them: a
        missing key means the estimator's default).
    n_features : int, optional
        Fills ``dims`` when ``params`` leave it out (the estimator's default
        hidden sizes).
    defaults : bool, default=True
        Fill missing keys with the estimator's defaults (this imports
        TensorFlow). With False, missing keys are left out: a quick look that
        a process without TensorFlow can afford (the app's server).

    Returns
    -------
    dict
        ``{key: value}`` for the keys of :data:`PRETRAIN_KEYS`; settings
        that have no effect under the others (SGD momentum with Adam, the
        layer-wise ones end to end) are left out.
    """
    if hasattr(params, "get_params"):
        params = params.get_params()
    if defaults:
        from .estimator import DEC, DEFAULT_HIDDEN

        full = {**DEC().get_params(), **dict(params)}
        if full["dims"] is None and n_features is not None:
            full["dims"] = [int(n_features), *DEFAULT_HIDDEN]
    else:
        full = dict(params)
    out = {k: full[k] for k in PRETRAIN_KEYS if k in full}
    if "dims" in out:
        out["dims"] = None if out["dims"] is None else [int(v) for v in out["dims"]]
    for key in ("pretrain_epochs", "layer_epochs", "pretrain_batch_size", "augment_shift"):
        if key in out:
            out[key] = int(out[key])
    for key in ("pretrain_lr", "momentum", "dropout", "pretrain_noise"):
        if key in out:
            out[key] = float(out[key])
    if out.get("random_state") is not None:
        out["random_state"] = int(out["random_state"])
    if "augment" in out:
        out["augment"] = float(out["augment"])
    if "n_restarts" in out:
        out["n_restarts"] = int(out["n_restarts"])
    for key, default in _LATER_DEFAULTS.items():
        if key in out and out[key] == default:
            out.pop(key)
    if out.get("pretrain_optimizer", "sgd") != "sgd":
        out.pop("momentum", None)
    if out.get("pretrain", "layerwise") != "layerwise":
        out.pop("layer_epochs", None)
        out.pop("dropout", None)
    return out


# --------------------------------------------------------------------- load and find
def _paths(name_or_path) -> tuple[Path, Path]:
    p = Path(name_or_path)
    if p.suffix in (".npz", ".json"):
        p = p.with_suffix("")
    elif p.parent == Path(".") and not p.exists():
        p = ASSETS / p.name
    return p.with_suffix(".npz"), p.with_suffix(".json")


def load(name_or_path=DEFAULT_NAME) -> Shipped:
    """Read and verify a shipped autoencoder.

    Parameters
    ----------
    name_or_path : str or Path, default="digits"
        A name in ``assets/`` or a path to the ``.npz`` / ``.json`` pair.

    Raises
    ------
    PretrainedFileError
        A file is missing or unreadable, the ``.npz`` bytes differ from the
        recorded hash, or the arrays do not fit the recorded network.
    """
    npz_path, json_path = _paths(name_or_path)
    for p in (npz_path, json_path):
        if not p.is_file():
            raise PretrainedFileError(f"No shipped autoencoder file at {p}.")
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PretrainedFileError(f"Cannot read {json_path}: {err}") from err
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise PretrainedFileError(
            f"{json_path} is not a format-{FORMAT} pretrained-autoencoder record.")
    digest = _file_sha256(npz_path)
    if digest != record.get("weights_sha256"):
        raise PretrainedFileError(
            f"{npz_path} does not match its record {json_path.name} (sha256 {digest[:12]}..., "
            f"recorded {str(record.get('weights_sha256'))[:12]}...): the file was changed or "
            f"belongs to another build. Rebuild it with `python -m dec_core.pretrained build`.")
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            n = int(npz["n_weights"])
            weights = [np.asarray(npz[f"w{i}"], dtype=np.float32) for i in range(n)]
            losses = np.asarray(npz["loss"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as err:
        raise PretrainedFileError(f"Cannot read the arrays of {npz_path}: {err}") from err
    config = record.get("config") or {}
    shapes = [list(w.shape) for w in weights]
    if shapes != record.get("weight_shapes") or shapes != _expected_shapes(config.get("dims")):
        raise PretrainedFileError(
            f"{npz_path} holds weights of shapes {shapes}, which do not fit dims="
            f"{config.get('dims')} of its record.")
    if not all(np.all(np.isfinite(w)) for w in weights):
        raise PretrainedFileError(f"{npz_path} holds NaN or inf weights.")
    rows = record.get("history") or []
    if len(rows) != len(losses) or not np.allclose([r["loss"] for r in rows], losses):
        raise PretrainedFileError(f"The loss curve of {npz_path} differs from its record.")
    return Shipped(weights=weights, history=rows, config=config, record=record, path=npz_path)


def _expected_shapes(dims) -> list[list[int]]:
    if not dims or len(dims) < 2:
        return []
    dims = [int(v) for v in dims]
    pairs = list(zip(dims[:-1], dims[1:]))
    pairs += [(b, a) for a, b in reversed(pairs)]
    return [s for a, b in pairs for s in ([a, b], [b])]


def find(x, params, name: str = DEFAULT_NAME) -> Shipped | None:
    """The shipped autoencoder for this data and these settings, or None.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
        The data exactly as ``DEC.fit`` gets it.
    params : mapping or DEC
        Estimator parameters (see :func:`pretrain_settings`).
    name : str, default="digits"
        Which shipped file to compare with.

    Returns
    -------
    Shipped or None
        None when the data's hash or any setting in :data:`PRETRAIN_KEYS`
        differs from the record, or when no file is shipped. A file that
        fails verification is refused with a ``UserWarning`` saying why,
        and None is returned.
    """
    npz_path, json_path = _paths(name)
    if not json_path.is_file():
        return None
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        recorded = record["config"]
        recorded_hash = record["data_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        warnings.warn(f"Ignoring the shipped autoencoder {json_path}: unreadable record ({err}).",
                      UserWarning, stacklevel=2)
        return None
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != 2 or _differing_keys(pretrain_settings(params, arr.shape[1]), recorded):
        return None
    if _budget_cuts(params, arr.shape[0]):  # the record ran every epoch
        return None
    if data_sha256(arr) != recorded_hash:
        return None
    try:
        return load(npz_path)
    except PretrainedFileError as err:
        warnings.warn(f"Ignoring the shipped autoencoder: {err}", UserWarning, stacklevel=2)
        return None


def _budget_cuts(params, n_samples: int) -> bool:
    """Whether ``pretrain_steps`` stops pretraining before its epochs end on ``n_samples`` rows.

    A budget that does not bite changes nothing, so it is not one of the
    recorded :data:`PRETRAIN_KEYS`; one that bites makes another autoencoder.
    """
    from .cost import pretrain_plan

    if hasattr(params, "get_params"):
        params = params.get_params()
    budget = dict(params).get("pretrain_steps")
    if budget is None:
        return False
    full = {"pretrain_epochs": 50, "pretrain_batch_size": 256, "layer_epochs": 25, **dict(params)}
    stages = [int(full["pretrain_epochs"])]
    if full.get("pretrain") == "layerwise":
        stages.append(int(full["layer_epochs"]))
    for epochs in stages:
        per_epoch, total, _ = pretrain_plan(n_samples, int(full["pretrain_batch_size"]), epochs,
                                            int(budget))
        if total < epochs * per_epoch:
            return True
    return False


def _same(value, other) -> bool:
    if isinstance(value, float) and isinstance(other, (int, float)):
        return math.isclose(value, float(other), rel_tol=1e-9, abs_tol=0.0)
    return value == other


def _differing_keys(settings: dict, recorded: dict, *, partial: bool = False) -> list[str]:
    """Keys whose values differ (or that only one side has; with ``partial``, keys
    missing from ``settings`` are not compared), in :data:`PRETRAIN_KEYS` order."""
    keys = [k for k in PRETRAIN_KEYS if k in settings or (k in recorded and not partial)]
    return [k for k in keys
            if k not in settings or k not in recorded or not _same(settings[k], recorded[k])]


def mismatch(x, params, name: str = DEFAULT_NAME, *, defaults: bool = True) -> list[dict] | None:
    """Why :func:`find` would not hand out the shipped autoencoder for this data and settings.

    The same comparison as :func:`find` (the settings first, then the data's
    shape and hash), written out for people; the file itself is not verified.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
        The data exactly as ``DEC.fit`` gets it.
    params : mapping
        Estimator parameters (see :func:`pretrain_settings`).
    name : str, default="digits"
    defaults : bool, default=True
        See :func:`pretrain_settings`: with False, settings missing from
        ``params`` are not compared, and TensorFlow is not imported.

    Returns
    -------
    list of dict or None
        None when no such file is shipped (or its record is unreadable);
        ``[]`` when everything matches; else one dict per difference,
        ``{"key": ..., "value": ..., "recorded": ...}``, in
        :data:`PRETRAIN_KEYS` order, with ``key="data"`` (values: the
        shapes) when the data differ.

    Examples
    --------
    >>> x, params = default_params()  # doctest: +SKIP
    >>> mismatch(x, {**params, "pretrain_noise": 0.1})  # doctest: +SKIP
    [{'key': 'pretrain_noise', 'value': 0.1, 'recorded': 0.4}]
    """
    _, json_path = _paths(name)
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        recorded = dict(record["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    arr = np.asarray(x, dtype=np.float32)
    n_features = arr.shape[1] if arr.ndim == 2 else None
    settings = pretrain_settings(params, n_features, defaults=defaults)
    out = [{"key": k, "value": settings.get(k), "recorded": recorded.get(k)}
           for k in _differing_keys(settings, recorded, partial=not defaults)]
    if not out and arr.ndim == 2 and _budget_cuts(params, arr.shape[0]):
        # the record ran every epoch; a step budget that stops pretraining earlier does not
        out.append({"key": "pretrain_steps", "value": dict(params).get("pretrain_steps"),
                    "recorded": None})
    shape = list(arr.shape)
    if shape != list(record.get("data_shape") or shape) or (
            not out and data_sha256(arr) != record.get("data_sha256")):
        out.append({"key": "data", "value": shape, "recorded": record.get("data_shape")})
    return out


# --------------------------------------------------------------------- build
def default_params() -> tuple[object, dict]:
    """The built-in default: digits data and the DEC parameters of its preset.

    Returns ``(x, params)`` with ``params`` as ``DEC(**params)`` takes them
    (``dims`` in full, ``random_state=0``, the app's default seed).
    """
    from .datasets import load_dataset

    data = load_dataset("digits")
    from .presets import estimator_params, preset_for

    params = estimator_params(preset_for("digits"), data.n_features, data.n_classes)
    params["random_state"] = 0
    return data.x, params


def build(x, params: Mapping, name: str = DEFAULT_NAME, out_dir: Path | None = None,
          log=None) -> Shipped:
    """Pretrain an autoencoder exactly as ``DEC(**params).fit(x)`` would and ship it.

    Pretraining runs through ``DEC.fit`` itself (stopped right after
    pretraining), so the shipped weights are the ones a live run with the
    same seed would start k-means from.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
    params : mapping
        ``DEC`` parameters; ``random_state`` should be set.
    name : str, default="digits"
    out_dir : Path, optional
        Default ``assets/``.
    log : callable, optional
        ``log(text)`` for progress.

    Returns
    -------
    Shipped
        The written files, read back and verified.
    """
    import keras
    import tensorflow as tf

    from .autoencoder import use_mixed_precision
    from .callbacks import Callback
    from .estimator import DEC

    log = log or (lambda text: None)
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    settings = pretrain_settings(params, x.shape[1])
    if settings["random_state"] is None:
        raise ValueError("build needs params['random_state'] (an int) for reproducible weights.")

    class Capture(Callback):
        weights: list | None = None

        def on_pretrain_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % 20 == 0 or epoch == 0:
                log(f"[pretrain] epoch {epoch + 1}/{logs['epochs']} loss={logs['loss']:.5f}")

        def on_pretrain_end(self, logs=None):
            self.weights = self.model.autoencoder_.get_weights()
            self.seconds = float(logs["seconds"])

        def should_stop(self):
            return self.weights is not None

    cap = Capture()
    est = DEC(**{**dict(params), "dims": settings["dims"]})
    est.fit(x, callbacks=[cap])
    if cap.weights is None:
        raise RuntimeError("Pretraining did not finish; nothing was written.")
    hist = est.history_["pretrain"]
    rows = [{"epoch": int(e), "stage": str(s), "loss": float(v)}
            for e, s, v in zip(hist["epoch"], hist["stage"], hist["loss"])]
    weights = [np.asarray(w, dtype=np.float32) for w in cap.weights]

    out_dir = Path(out_dir) if out_dir is not None else ASSETS
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_path, json_path = out_dir / f"{name}.npz", out_dir / f"{name}.json"
    tmp = npz_path.with_name(npz_path.name + ".tmp.npz")
    np.savez_compressed(tmp, n_weights=np.int64(len(weights)),
                        loss=np.asarray([r["loss"] for r in rows], np.float64),
                        **{f"w{i}": w for i, w in enumerate(weights)})
    record = {
        "format": FORMAT,
        "name": name,
        "what": "DEC autoencoder after pretraining, before k-means and DEC",
        "config": settings,
        "data_sha256": data_sha256(x),
        "data_shape": list(x.shape),
        "weights_sha256": _file_sha256(tmp),
        "weight_shapes": [list(w.shape) for w in weights],
        "n_params": int(sum(w.size for w in weights)),
        "history": rows,
        "final_loss": rows[-1]["loss"] if rows else None,
        "seconds": round(cap.seconds, 2),
        "mixed_precision": bool(use_mixed_precision()),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python -m dec_core.pretrained build",
    }
    tmp_json = json_path.with_name(json_path.name + ".tmp")
    tmp_json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(npz_path)
    tmp_json.replace(json_path)
    log(f"[pretrained] wrote {npz_path} and {json_path} ({cap.seconds:.1f} s pretraining)")
    return load(npz_path)


# --------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """``python -m dec_core.pretrained {build,check}``."""
    parser = argparse.ArgumentParser(prog="python -m dec_core.pretrained", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="pretrain the default digits autoencoder and write assets/")
    b.add_argument("--out-dir", type=Path, default=ASSETS)
    b.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check", help="verify a shipped file and check it against the defaults")
    c.add_argument("--path", default=str(ASSETS / f"{DEFAULT_NAME}.npz"))
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    x, params = default_params()
    if args.command == "build":
        params["random_state"] = args.seed
        shipped = build(x, params, out_dir=args.out_dir, log=log)
    else:
        shipped = load(args.path)
        differ = mismatch(x, params, shipped.path)
        log(f"[pretrained] {shipped.path}: verified; matches the current defaults: {not differ}"
            + (f" (differs in {', '.join(d['key'] for d in differ)})" if differ else ""))
    print(json.dumps({k: shipped.record[k] for k in
                      ("config", "data_sha256", "weights_sha256", "final_loss", "seconds",
                       "versions")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
