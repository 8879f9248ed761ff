"""Saved runs: a plain folder per trained model, written atomically.

A run folder holds::

    config.json      estimator parameters, dims, dataset info, dec_core version
    history.json     history_, timings_, stop_reason_, final scores
    labels.npy       (n,) int64 cluster of each training sample
    labels.csv       the same as "index,cluster[,true_label]"
    kmeans_labels.npy
    embedding.npy    (n, e) float32, when the data was given
    proba.npy        (n, k) float32 soft assignments q, when the data was given
    arrays/*.npy     optional extra arrays: e.g. ``snapshots`` (embedding of
                     tracked rows per update) and ``centroids`` (updates x k x
                     embedding size, the centroids at every target update; its
                     last frame is the model's ``cluster_centers_``)
    y_true.npy       (n,) true labels, when given
    model.keras      the Keras model x -> (q, x_hat) with its ClusteringLayer
    manifest.json    written last: file names and sizes; a folder without a
                     valid manifest is incomplete

The folder is first written under a hidden temporary name beside its target
and then renamed into place, so a crash leaves either the old run or the new
one, never a half-written one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .presets import IDEC_GAMMA, legacy_method

MANIFEST = "manifest.json"
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]+")


def sanitize_run_name(name: str, max_length: int = 80) -> str:
    """A safe folder name: letters, digits, ``. _ -``; no path parts.

    ``"../../etc/passwd"`` becomes ``"etc_passwd"``; an empty result raises.

    Raises
    ------
    ValueError
        If nothing usable is left of ``name``.
    """
    base = str(name).replace("\\", "/").split("/")
    cleaned = "_".join(p for p in base if p not in ("", ".", ".."))
    cleaned = _NAME_OK.sub("_", cleaned).strip("._-")[:max_length]
    if not cleaned:
        raise ValueError(f"Run name {name!r} has no usable characters; use letters and digits.")
    return cleaned


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{uuid.uuid4().hex[:8]}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def _dump_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, default=_json_default, allow_nan=True)
        fh.flush()
        os.fsync(fh.fileno())


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def estimator_config(estimator) -> dict:
    """JSON-ready parameters of a DEC (``strategy`` is not saved)."""
    params = estimator.get_params()
    params.pop("strategy", None)
    if params.get("dims") is not None:
        params["dims"] = [int(v) for v in params["dims"]]
    return params


def upgrade_params(params: dict) -> dict:
    """Parameters of a run saved before ``method`` existed, in today's terms.

    :func:`dec_core.presets.legacy_method` says which method they meant
    (``gamma`` 0 or absent: DEC, ``gamma > 0``: IDEC with that ``gamma``);
    a DEC run then gets the default ``gamma``
    (:data:`dec_core.presets.IDEC_GAMMA`), so the parameters are complete.

    Parameters
    ----------
    params : dict
        Estimator parameters as saved in ``config.json``.

    Returns
    -------
    dict
        A new dict; ``params`` itself is not changed.
    """
    if "method" in params:
        return dict(params)
    params = legacy_method({**params, "gamma": params.get("gamma") or 0.0})
    params.setdefault("gamma", IDEC_GAMMA)
    return params


def save_run(
    path: str | os.PathLike,
    estimator,
    X=None,
    y=None,
    *,
    dataset: dict | None = None,
    extra: dict | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Save a fitted DEC as a run folder, atomically.

    Parameters
    ----------
    path : path-like
        The run folder; an existing run there is replaced as a whole.
    estimator : DEC
        A fitted estimator.
    X : array-like of shape (n_samples, n_features), optional
        The training data; its embedding is saved.
    y : array-like of shape (n_samples,), optional
        True labels, saved beside the clusters (and scores computed).
    dataset : dict, optional
        Dataset description (name, options, image_shape), stored in the config.
    extra : dict, optional
        Anything else JSON-ready, stored in the config under ``"extra"``.
    arrays : dict of str to ndarray, optional
        More numeric arrays (e.g. embedding snapshots), each saved as
        ``arrays/<name>.npy``; names are sanitised.

    Returns
    -------
    Path
        The run folder.
    """
    from . import __version__
    from .metrics import clustering_scores

    estimator._check_fitted()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{_TMP_PREFIX}{path.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        labels = np.asarray(estimator.labels_, dtype=np.int64)
        config = {
            "params": estimator_config(estimator),
            "dims": list(estimator.dims_),
            "n_features_in": int(estimator.n_features_in_),
            "n_samples": int(labels.shape[0]),
            "dataset": dataset or {},
            "extra": extra or {},
            "dec_core_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        scores = {}
        if y is not None:
            y = np.asarray(y).ravel()
            scores = clustering_scores(y, labels)
        history = {
            "history": estimator.history_,
            "timings": estimator.timings_,
            "stop_reason": estimator.stop_reason_,
            "n_iter": int(estimator.n_iter_),
            "scores": scores,
        }
        _dump_json(tmp / "config.json", config)
        _dump_json(tmp / "history.json", history)
        _save_npy(tmp / "labels.npy", labels)
        _save_npy(tmp / "kmeans_labels.npy", estimator.kmeans_labels_)
        rows = ["index,cluster" + (",true_label" if y is not None else "")]
        for i, c in enumerate(labels):
            rows.append(f"{i},{c}" + (f",{y[i]}" if y is not None else ""))
        (tmp / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        if X is not None:
            _save_npy(tmp / "embedding.npy", estimator.transform(X).astype(np.float32))
            _save_npy(tmp / "proba.npy", estimator.predict_proba(X).astype(np.float32))
        if arrays:
            (tmp / "arrays").mkdir()
            for name, value in arrays.items():
                _save_npy(tmp / "arrays" / f"{sanitize_run_name(name)}.npy", value)
        if y is not None:
            _save_npy(tmp / "y_true.npy", y)
        estimator.model_.save(tmp / "model.keras")
        files = {
            p.relative_to(tmp).as_posix(): p.stat().st_size
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        _dump_json(tmp / MANIFEST, {"files": files, "format": 1})
        _fsync_dir(tmp)
        _swap_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _swap_into_place(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path``, moving any old run aside first."""
    old = None
    if path.exists():
        old = path.parent / f"{_OLD_PREFIX}{path.name}-{uuid.uuid4().hex[:8]}"
        os.replace(path, old)
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover_runs(root: str | os.PathLike) -> list[Path]:
    """Put back runs whose save was killed between its two renames.

    :func:`_swap_into_place` moves the old run aside, then renames the new one
    into place. A crash between the two leaves no folder under the run's name;
    this renames the old run back (or, if it is gone, a complete new one), so
    the outcome is the old state or the new one. Returns the folders restored.
    """
    root = Path(root)
    restored: list[Path] = []
    if not root.is_dir():
        return restored
    # newest candidates first; an ".old-" copy is a finished earlier state
    for prefix in (_OLD_PREFIX, _TMP_PREFIX):
        for p in sorted(root.glob(prefix + "*"), key=lambda q: q.stat().st_mtime, reverse=True):
            name = p.name[len(prefix):-9] if re.search(r"-[0-9a-f]{8}$", p.name) else ""
            if not name or not p.is_dir():
                continue
            target = root / name
            if target.exists() or check_run(p):
                continue
            try:
                os.replace(p, target)
            except OSError:
                continue
            _fsync_dir(root)
            restored.append(target)
    return restored


def check_run(path: str | os.PathLike) -> str:
    """Why the run folder is incomplete, or ``""`` when it is whole."""
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.is_file():
        return "no manifest.json (the save did not finish)"
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError, OSError) as err:
        return f"unreadable manifest.json ({err})"
    for name, size in files.items():
        f = path / name
        if not f.is_file():
            return f"missing {name}"
        if f.stat().st_size != size:
            return f"{name} is {f.stat().st_size} bytes, expected {size}"
    return ""


@dataclass
class Run:
    """A loaded run: the fitted estimator and what was saved beside it."""

    path: Path
    estimator: object
    config: dict
    history: dict
    labels: np.ndarray
    kmeans_labels: np.ndarray | None = None
    embedding: np.ndarray | None = None
    proba: np.ndarray | None = None
    y_true: np.ndarray | None = None
    scores: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)


def _load_npy(path: Path):
    return np.load(path, allow_pickle=False) if path.is_file() else None


def read_config(path: str | os.PathLike) -> dict:
    """A run folder's ``config.json``, its parameters read through :func:`upgrade_params`.

    Parameters
    ----------
    path : path-like
        The run folder.

    Returns
    -------
    dict
        The saved config: ``params``, ``dataset``, ``n_samples``, ``created``,
        ``extra`` (the app's settings under ``extra["app"]``), ...

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If it is not JSON.
    """
    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    if isinstance(config.get("params"), dict):
        config["params"] = upgrade_params(config["params"])
    return config


def load_run(path: str | os.PathLike, *, with_model: bool = True) -> Run:
    """Load a run folder saved by :func:`save_run`.

    The estimator predicts exactly as it did when saved. Runs saved before
    the ``method`` parameter existed are read through :func:`upgrade_params`
    (``config["params"]`` shows the upgraded parameters).

    Parameters
    ----------
    path : path-like
        The run folder.
    with_model : bool, default=True
        Load the Keras model and rebuild the estimator. With False, only the
        arrays and JSON are read (fast, no TensorFlow) and ``estimator`` is None.

    Raises
    ------
    ValueError
        If the folder is not a complete run.
    """
    path = Path(path)
    if not path.exists():
        recover_runs(path.parent)
    problem = check_run(path)
    if problem:
        raise ValueError(f"{path} is not a complete run: {problem}.")
    config = read_config(path)
    history = json.loads((path / "history.json").read_text(encoding="utf-8"))
    labels = np.load(path / "labels.npy", allow_pickle=False)
    kmeans = _load_npy(path / "kmeans_labels.npy")
    est = _load_estimator(path, config, history, labels, kmeans) if with_model else None
    return Run(
        path=path,
        estimator=est,
        config=config,
        history=history,
        labels=labels,
        kmeans_labels=kmeans,
        embedding=_load_npy(path / "embedding.npy"),
        proba=_load_npy(path / "proba.npy"),
        arrays={f.stem: _load_npy(f) for f in sorted((path / "arrays").glob("*.npy"))},
        y_true=_load_npy(path / "y_true.npy"),
        scores=history.get("scores", {}),
    )


def _load_estimator(path: Path, config: dict, history: dict, labels, kmeans):
    """Rebuild a fitted DEC from ``model.keras`` (``safe_mode=True``: no code runs)."""
    import keras

    from .estimator import DEC
    from .layers import ClusteringLayer
    from .stopping import StopRecord

    model = keras.saving.load_model(
        path / "model.keras", custom_objects={"ClusteringLayer": ClusteringLayer}, safe_mode=True
    )
    est = DEC(**config["params"])
    est.model_ = model
    est.encoder_ = keras.Model(model.input, model.get_layer("embedding").output)
    est.autoencoder_ = keras.Model(model.input, model.get_layer("reconstruction").output)
    est.clustering_layer_ = model.get_layer("clustering")
    est.cluster_centers_ = est.clustering_layer_.get_weights()[0].copy()
    est.dims_ = list(config["dims"])
    est.n_features_in_ = int(config["n_features_in"])
    est.history_ = history["history"]
    est.timings_ = history["timings"]
    est.stop_reason_ = history["stop_reason"]
    est.stop_record_ = StopRecord.from_dict(est.history_.get("stop"))  # None: saved without one
    est.n_iter_ = int(history["n_iter"])
    est.labels_ = labels
    est.kmeans_labels_ = kmeans
    return est


@dataclass
class RunInfo:
    """One entry of :func:`list_runs`."""

    name: str
    path: Path
    complete: bool
    problem: str = ""
    created: str = ""
    dataset: str = ""
    n_samples: int = 0
    scores: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # the estimator's, read by upgrade_params
    extra: dict = field(default_factory=dict)  # what the saver stored (save_run's ``extra``)


def list_runs(root: str | os.PathLike) -> list[RunInfo]:
    """All run folders under ``root``, newest first; incomplete ones flagged.

    Temporary folders of a save in progress are skipped.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    recover_runs(root)
    out = []
    for p in root.iterdir():
        if not p.is_dir() or p.name.startswith((_TMP_PREFIX, _OLD_PREFIX, ".")):
            continue
        problem = check_run(p)
        info = RunInfo(name=p.name, path=p, complete=not problem, problem=problem)
        if not problem:
            try:
                config = read_config(p)
                history = json.loads((p / "history.json").read_text(encoding="utf-8"))
                info.created = config.get("created", "")
                info.dataset = str(config.get("dataset", {}).get("name", ""))
                info.n_samples = int(config.get("n_samples", 0))
                info.scores = history.get("scores", {})
                params = config.get("params")
                info.params = params if isinstance(params, dict) else {}
                extra = config.get("extra")
                info.extra = extra if isinstance(extra, dict) else {}
            except (ValueError, OSError, TypeError, AttributeError) as err:
                info.complete, info.problem = False, f"unreadable JSON ({err})"
        out.append(info)
    out.sort(key=lambda r: (r.created, r.name), reverse=True)
    return out
