"""Datasets for DEC: built-in sets, Keras-layout MNIST files and user files.

Every loader returns a :class:`Dataset` with ``x`` as float32 of shape
``(n_samples, n_features)``. Nothing here touches the network unless a Keras
loader is asked for and no local file is found, and nothing is ever unpickled.

Examples
--------
>>> from dec_core.datasets import load_dataset
>>> ds = load_dataset("digits", n_samples=500, random_state=0)
>>> ds.x.shape, ds.image_shape
((500, 64), (8, 8))
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .augment import image_side, is_square_image
from .readers import load_keras_npz, read_csv, read_npy, read_npz

DATA_DIR_ENV = "DEC_DATA_DIR"
"""Environment variable naming a folder with ``mnist.npz`` / ``fashion_mnist.npz``."""

MAX_LABELS = 256
"""The most distinct labels a user file may carry (more is almost surely not a label)."""

MAX_CELLS = 200_000_000
"""The most values (rows x columns) a user file may declare (800 MB as float32)."""

SCALINGS = ("auto", "minmax", "standard", "none")

SYNTHETIC_NOISE: dict[str, float] = {"blobs": 1.0, "moons": 0.08, "circles": 0.05,
                                     "imbalanced_blobs": 1.0}
"""The default noise of each synthetic set: the blobs' std, the jitter of moons / circles."""

SYNTHETIC_POINTS: dict[str, int] = {"blobs": 1500, "moons": 1000, "circles": 1000,
                                    "imbalanced_blobs": 1050}
"""Points generated when ``n_samples`` is not given."""

# The imbalanced teaching set: two big blobs and a small one between them, a tenth of
# their size, at fixed centres (a seed moves the points, never the picture). Chosen by
# scripts/fj_imbalance.py, which measures DEC on it with and without the division by
# the cluster size f_j in its target (the figures: its entry in dec_core/presets.py KINDS).
IMBALANCED_CENTERS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (6.0, 0.0), (3.0, 3.5))
"""Centres of ``imbalanced_blobs``'s blobs, in the order of their labels."""

IMBALANCED_SHARES: tuple[int, ...] = (10, 10, 1)
"""Relative sizes of ``imbalanced_blobs``'s blobs (10 : 10 : 1; 500, 500, 50 by default)."""

IMBALANCED_CLASSES: list[str] = ["big A", "big B", "small"]
"""Class names of ``imbalanced_blobs``, index-aligned with its labels."""


def imbalanced_sizes(n: int) -> list[int]:
    """The blob sizes of ``imbalanced_blobs`` with ``n`` points: shares 10 : 10 : 1, total n.

    Parameters
    ----------
    n : int
        Points in all, at least 3 (one a blob).

    Returns
    -------
    list of int

    Examples
    --------
    >>> imbalanced_sizes(1050)
    [500, 500, 50]
    """
    n = int(n)
    if n < len(IMBALANCED_SHARES):
        raise ValueError(f"imbalanced_blobs: {n} points; at least {len(IMBALANCED_SHARES)} "
                         "are needed, one a blob.")
    total = sum(IMBALANCED_SHARES)
    sizes = [max(1, round(n * s / total)) for s in IMBALANCED_SHARES]
    sizes[0] += n - sum(sizes)  # rounding's remainder goes to the first big blob
    return sizes


@dataclass
class Dataset:
    """A data set ready for DEC.

    Attributes
    ----------
    x : ndarray of shape (n_samples, n_features), float32
        The scaled features; images are flattened row-major.
    y : ndarray of shape (n_samples,), int64, or None
        True labels when known, as 0..n_classes-1.
    name : str
        Short name, e.g. ``"digits"``.
    image_shape : tuple of int or None
        ``(height, width)`` when each row is an image, else None.
    class_names : list of str or None
        The original label values, index-aligned with ``y``.
    description : str
        One line for people.
    indices : ndarray of int or None
        Row indices into the full source when subsampled.
    """

    x: np.ndarray
    y: np.ndarray | None
    name: str
    image_shape: tuple[int, int] | None = None
    class_names: list[str] | None = None
    description: str = ""
    indices: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int | None:
        return None if self.y is None else int(len(np.unique(self.y)))

    def class_name(self, c: int) -> str:
        """The original label of class index ``c`` (see :func:`class_name`)."""
        return class_name(self.class_names, c)


def class_name(names, c) -> str:
    """The original label of class index ``c``: ``names[c]`` when known, else ``str(c)``.

    Parameters
    ----------
    names : sequence of str or None
        Class names, index-aligned with the class codes (``Dataset.class_names``).
    c : int
        A class index.

    Returns
    -------
    str
    """
    try:
        i = int(c)
    except (TypeError, ValueError):
        return str(c)
    return str(names[i]) if names is not None and 0 <= i < len(names) else str(c)


# ----------------------------------------------------------------------------
# helpers


def _encode_labels(y) -> tuple[np.ndarray, list[str]]:
    """Map arbitrary label values to 0..k-1; returns (codes int64, names)."""
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.reshape(-1)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError("Labels contain NaN or inf values.")
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
    values, codes = np.unique(y, return_inverse=True)
    if len(values) > MAX_LABELS:
        raise ValueError(
            f"The label column has {len(values):,} distinct values; at most {MAX_LABELS} are "
            "allowed. Is it really a label column? Choose label_column='none' if not."
        )
    return codes.astype(np.int64), [str(v) for v in values]


def _check_x(x: np.ndarray, source: str) -> np.ndarray:
    """Check a feature matrix for shape, dtype and finiteness; return float32 2-D."""
    if x.dtype == object or x.dtype.kind not in "biuf":
        raise ValueError(
            f"{source}: the data has dtype {x.dtype}; numeric values are required."
        )
    if x.ndim == 1:
        raise ValueError(
            f"{source}: the array is 1-D with shape {x.shape}; expected rows of samples, "
            "shape (n_samples, n_features) or (n_samples, height, width)."
        )
    if x.ndim > 3:
        raise ValueError(
            f"{source}: the array has {x.ndim} dimensions, shape {x.shape}; expected 2 "
            "(samples x features) or 3 (samples x height x width)."
        )
    if x.shape[0] < 2:
        raise ValueError(f"{source}: {x.shape[0]} sample(s); at least 2 are needed to cluster.")
    if int(np.prod(x.shape[1:])) < 1:
        raise ValueError(f"{source}: the samples have no features (shape {x.shape}).")
    x = x.reshape(x.shape[0], -1)
    # a float64 sum is finite exactly when every value is (no n x d mask for good data)
    if x.dtype.kind == "f" and not np.isfinite(np.sum(x, dtype=np.float64)):
        bad = ~np.isfinite(x)
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])
            raise ValueError(
                f"{source}: {int(bad.sum())} NaN or inf value(s), in {len(rows)} row(s) "
                f"(first at row {int(rows[0])}). Remove or impute them first."
            )
    return x.astype(np.float32, copy=False)


def _column_mean_std(x: np.ndarray, block: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and std (float64), a block of rows at a time (no n x d temporary)."""
    n = x.shape[0]
    total = np.zeros(x.shape[1], dtype=np.float64)
    for i in range(0, n, block):
        total += x[i:i + block].sum(axis=0, dtype=np.float64)
    mean = total / n
    sq = np.zeros_like(mean)
    for i in range(0, n, block):
        d = x[i:i + block] - mean
        sq += np.einsum("ij,ij->j", d, d)
    return mean, np.sqrt(sq / n)


def _scale(x: np.ndarray, scale: str, is_image: bool, raw_max: float | None = None,
           copy: bool = True) -> np.ndarray:
    """Scale ``x`` (float32); in place when ``copy=False`` and it is float32 already."""
    if scale not in SCALINGS:
        raise ValueError(f"scale must be one of {SCALINGS}, got {scale!r}.")
    if scale == "auto":
        scale = "minmax" if is_image else "standard"
    x = np.array(x, dtype=np.float32, copy=True) if copy else np.asarray(x, dtype=np.float32)
    if scale == "minmax":
        if is_image:
            # pixels: one range for all features, so images keep their contrast
            lo = 0.0 if raw_max is not None else float(x.min())
            hi = float(raw_max) if raw_max is not None else float(x.max())
            x -= lo
            if hi - lo > 0:
                x /= hi - lo
        else:
            lo, hi = x.min(axis=0), x.max(axis=0)
            x -= lo
            x /= np.where(hi - lo > 0, hi - lo, 1.0)
    elif scale == "standard":
        mean, std = _column_mean_std(x)
        x -= mean.astype(np.float32)
        x /= np.where(std > 0, std, 1.0).astype(np.float32)
    return x


def stratified_subsample(n_total: int, n_samples: int | None, y: np.ndarray | None,
                         random_state: int | None = 0) -> np.ndarray | None:
    """Indices of a seeded (stratified, when ``y`` is given) subsample, sorted.

    Returns None when no subsampling is needed.
    """
    if n_samples is None or n_samples >= n_total:
        return None
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}.")
    rng = np.random.default_rng(random_state)
    if y is None:
        return np.sort(rng.choice(n_total, size=int(n_samples), replace=False))
    classes, counts = np.unique(y, return_counts=True)
    # Largest-remainder allocation keeps class shares and the exact total.
    quota = counts * (n_samples / n_total)
    take = np.floor(quota).astype(int)
    rest = int(n_samples - take.sum())
    order = np.argsort(-(quota - take), kind="stable")
    take[order[:rest]] += 1
    take = np.minimum(take, counts)
    picked = []
    for cls, k in zip(classes, take):
        members = np.flatnonzero(y == cls)
        picked.append(rng.choice(members, size=int(k), replace=False))
    return np.sort(np.concatenate(picked))


def _finish(x, y, *, name, image_shape, scale, n_samples, random_state, class_names=None,
            description="", raw_max=None, owned=False) -> Dataset:
    x = np.asarray(x)
    x = x.reshape(x.shape[0], -1)
    y_codes = None
    if y is not None:
        y_codes, names = _encode_labels(y)
        class_names = class_names or names
        if len(y_codes) != x.shape[0]:
            raise ValueError(
                f"{name}: {x.shape[0]} samples but {len(y_codes)} labels; they must match."
            )
    idx = stratified_subsample(x.shape[0], n_samples, y_codes, random_state)
    if idx is not None:
        x = x[idx]
        if y_codes is not None:
            y_codes = y_codes[idx]
    # every loader hands over a fresh array, so scaling may work in place
    x = _scale(x, scale, image_shape is not None, raw_max, copy=not owned)
    return Dataset(x=x, y=y_codes, name=name, image_shape=image_shape,
                   class_names=class_names, description=description, indices=idx)


# ----------------------------------------------------------------------------
# built-in sets


def _load_digits(**_) -> tuple:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data.astype(np.float32), d.target, (8, 8), 16.0,
            "scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes)")


def _find_keras_file(kind: str, path) -> Path | None:
    if path is not None:
        p = Path(path).expanduser()
        if p.is_dir():
            p = p / f"{kind}.npz"
        if not p.is_file():
            raise ValueError(f"{kind}: no file at {p}.")
        return p
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        p = Path(data_dir).expanduser() / f"{kind}.npz"
        if p.is_file():
            return p
    return None


def _keras_set(kind: str, title: str):
    def load(path=None, **_):
        local = _find_keras_file(kind, path)
        if local is not None:
            x, y = load_keras_npz(local, source=str(local))
        else:
            try:
                import keras

                loader = getattr(keras.datasets, kind)
                (xa, ya), (xb, yb) = loader.load_data()
            except Exception as err:  # no network, no cache
                raise ValueError(
                    f"{kind}: could not download it ({type(err).__name__}: {err}). Offline, "
                    f"pass path= to a Keras-layout .npz or set {DATA_DIR_ENV} to a folder "
                    f"holding {kind}.npz."
                ) from err
            x, y = np.concatenate([xa, xb]), np.concatenate([ya, yb])
        if x.ndim != 3:
            raise ValueError(f"{kind}: expected images of shape (n, h, w), got {x.shape}.")
        return (x, y, tuple(int(s) for s in x.shape[1:]), 255.0,
                f"{title} ({x.shape[0]:,} images {x.shape[1]}x{x.shape[2]}, 10 classes)")

    return load


def _synthetic(kind: str):
    def load(n_samples=None, random_state=0, noise=None, n_clusters=None, n_features=2, **_):
        from sklearn import datasets as skd

        n = int(n_samples) if n_samples else SYNTHETIC_POINTS[kind]
        noise = SYNTHETIC_NOISE[kind] if noise is None else float(noise)
        if kind == "blobs":
            k = int(n_clusters or 5)
            x, y = skd.make_blobs(n_samples=n, n_features=int(n_features), centers=k,
                                  cluster_std=noise,
                                  random_state=random_state)
            text = f"{k} Gaussian blobs in {int(n_features)}-d (convex clusters)"
        elif kind == "imbalanced_blobs":
            sizes = imbalanced_sizes(n)
            x, y = skd.make_blobs(n_samples=sizes, centers=np.array(IMBALANCED_CENTERS),
                                  cluster_std=noise, random_state=random_state)
            text = (f"two big Gaussian blobs and a small one between them, "
                    f"{sizes[0]:,} : {sizes[1]:,} : {sizes[2]:,} points (imbalanced clusters)")
        elif kind == "moons":
            x, y = skd.make_moons(n_samples=n, noise=noise,
                                  random_state=random_state)
            text = "two interleaved half moons (non-convex clusters)"
        else:
            x, y = skd.make_circles(n_samples=n, noise=noise,
                                    factor=0.5, random_state=random_state)
            text = "two concentric circles (non-convex clusters)"
        return x.astype(np.float32), y, None, None, text

    return load


# name -> loader returning (x raw, y raw or None, image_shape, pixel max, description)
_LOADERS: dict[str, Callable] = {
    "digits": _load_digits,
    "mnist": _keras_set("mnist", "MNIST handwritten digits"),
    "fashion_mnist": _keras_set("fashion_mnist", "Fashion-MNIST clothing images"),
    "blobs": _synthetic("blobs"),
    "moons": _synthetic("moons"),
    "circles": _synthetic("circles"),
    "imbalanced_blobs": _synthetic("imbalanced_blobs"),
}
DATASETS: tuple[str, ...] = (*_LOADERS, "file")
"""Names accepted by :func:`load_dataset`."""

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


# ----------------------------------------------------------------------------
# user files


def _load_csv(raw: bytes, source: str, label_column, max_cells: int):
    x, y, _ = read_csv(raw, source, label_column, max_cells=max_cells)
    if y is not None:
        try:
            y = y.astype(np.float64)  # numeric labels sort as numbers
        except ValueError:
            pass
    return x, y


def _read_user_file(path=None, data: bytes | None = None, filename: str | None = None,
                    label_column="auto", max_cells: int = MAX_CELLS):
    if data is None:
        if path is None:
            raise ValueError("dataset 'file' needs path= or data= (the file's bytes).")
        p = Path(path).expanduser()
        if not p.is_file():
            raise ValueError(f"No file at {p}.")
        size = p.stat().st_size
        if size > MAX_CELLS * 4:
            raise ValueError(f"{p.name}: {size:,} bytes is too large to load.")
        data = p.read_bytes()
        filename = filename or p.name
    filename = filename or "upload"
    source = filename
    if len(data) == 0:
        raise ValueError(f"{source}: the file is empty.")
    ext = Path(filename).suffix.lower()
    if ext == ".npy":
        x, y = read_npy(data, source, max_cells), None
    elif ext == ".npz":
        x, y = read_npz(data, source, max_cells)
    elif ext in (".csv", ".txt", ".tsv", ""):
        x, y = _load_csv(data, source, label_column, max_cells)
    else:
        raise ValueError(f"{source}: unsupported file type {ext!r}; use .csv, .npy or .npz.")
    x = np.asarray(x)
    image_shape = None
    if x.ndim == 3:
        image_shape = (int(x.shape[1]), int(x.shape[2]))
    x = _check_x(x, source)
    if y is not None:
        y = np.asarray(y)
        if y.dtype == object or y.dtype.kind not in "biufU":
            raise ValueError(f"{source}: labels have dtype {y.dtype}; expected numbers or text.")
        if y.reshape(-1).shape[0] != x.shape[0]:
            raise ValueError(
                f"{source}: {x.shape[0]} samples but {y.reshape(-1).shape[0]} labels."
            )
    # square pixel rows in [0, 255] or [0, 1] are images, e.g. a flattened MNIST
    if image_shape is None and x.shape[1] >= 16 and is_square_image(x.shape[1]):
        if x.min() >= 0 and x.max() <= 255:
            side = image_side(x.shape[1])
            image_shape = (side, side)
    raw_max = None
    if image_shape is not None:
        raw_max = 255.0 if x.max() > 1 else 1.0
    return x, y, image_shape, raw_max, f"user file {filename} ({x.shape[0]:,} x {x.shape[1]})"


# ----------------------------------------------------------------------------
# the entry point


def load_dataset(
    name: str = "digits",
    *,
    n_samples: int | None = None,
    scale: str = "auto",
    random_state: int | None = 0,
    path: str | os.PathLike | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    label_column: str | int | None = "auto",
    max_cells: int | None = None,
    **options,
) -> Dataset:
    """Load a data set by name, subsample it and scale it.

    Parameters
    ----------
    name : str, default="digits"
        One of :data:`DATASETS`: ``digits``, ``mnist``, ``fashion_mnist``, ``blobs``,
        ``moons``, ``circles``, ``imbalanced_blobs`` or ``file``.
    n_samples : int, optional
        Keep a seeded subsample of this size, stratified by label when labels exist.
        For synthetic sets, the number of points generated.
    scale : {"auto", "minmax", "standard", "none"}, default="auto"
        ``auto`` maps pixels to [0, 1] and standardises tabular data.
    random_state : int or None, default=0
        Seed for subsampling and synthetic data.
    path : path-like, optional
        For ``mnist`` / ``fashion_mnist``: a Keras-layout ``.npz`` (or a folder holding
        ``mnist.npz``); otherwise the ``DEC_DATA_DIR`` environment variable is searched,
        then the Keras downloader. For ``file``: a ``.csv``, ``.npy`` or ``.npz``.
    data, filename : bytes, str, optional
        For ``file``: the file's bytes (an upload) and its name, which gives the type.
    label_column : "auto", "none", int or str, default="auto"
        For CSV files: which column holds labels. ``auto`` takes a column named
        label / y / target / class, or a last column of text.
    max_cells : int, optional
        For ``file``: refuse a file with more values than this before reading
        it (for a CSV its shape is estimated from the line count); default
        :data:`MAX_CELLS`.
    **options
        Extra options for synthetic sets: ``noise`` (all), ``n_clusters`` and
        ``n_features`` (``blobs``).

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        With a message naming the problem, for unknown names and bad files.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    if scale not in SCALINGS:
        raise ValueError(f"scale must be one of {SCALINGS}, got {scale!r}.")
    if n_samples is not None and (isinstance(n_samples, bool) or int(n_samples) != n_samples
                                  or n_samples < 2):
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}.")
    class_names = None
    if name == "file":
        x, y, image_shape, raw_max, text = _read_user_file(
            path, data, filename, label_column, MAX_CELLS if max_cells is None else int(max_cells))
        label = Path(filename or (path and str(path)) or "upload").name
    elif name in SYNTHETIC_NOISE:
        x, y, image_shape, raw_max, text = _LOADERS[name](
            n_samples=n_samples, random_state=random_state, **options)
        n_samples = None  # generated at that size already
        label = name
        if name == "imbalanced_blobs":
            class_names = list(IMBALANCED_CLASSES)
    else:
        x, y, image_shape, raw_max, text = _LOADERS[name](path=path)
        label = name
        if name == "fashion_mnist":
            class_names = FASHION_CLASSES
    return _finish(x, y, name=label, image_shape=image_shape, scale=scale,
                   n_samples=n_samples, random_state=random_state, class_names=class_names,
                   description=text, raw_max=raw_max, owned=True)
