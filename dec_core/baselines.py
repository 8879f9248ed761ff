"""The baselines DEC is compared with, defined once.

Every place that shows "k-means on raw data" (the training job's saved
scores, the Explore page's table, the Compare page) computes it with
:func:`kmeans_raw_labels`, so the same run shows the same figures everywhere,
and names each method with :data:`NAMES`.

* ``kmeans_raw``: k-means on the raw features, :data:`KMEANS_N_INIT` restarts.
* ``ae_kmeans``: the same k-means on the pretrained autoencoder's embedding,
  which is DEC's starting point (``DEC.kmeans_labels_``).
* ``dec`` / ``idec``: the self-trained models themselves.
* ``n2d``: UMAP of the pretrained embedding, then a Gaussian mixture
  (:func:`n2d_labels`).

The manifold start of DEC (``DEC(centroid_init="manifold")``) is N2D's
clustering turned into centroids (:func:`manifold_start`), so both use the
one definition of N2D here.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

UMAP_NOISE = (
    ".*n_jobs value.*",  # "n_jobs value 1 overridden to 1 by setting random_state"
    ".*k >= N.*",  # spectral init on very few rows falls back to random
    ".*precomputed_knn.*",  # a reducer on precomputed neighbours cannot transform
)
"""Messages UMAP prints on every seeded fit here, saying nothing about the data."""


def quiet_umap_warnings() -> None:
    """Hide :data:`UMAP_NOISE` for the whole process, once.

    Installed filters, not ``warnings.catch_warnings()``: that context manager swaps
    the process's one warnings state and is not thread-safe, so a UMAP fit in one
    thread (the app's page tasks) could swallow or misroute warnings another thread
    was recording meanwhile (a ``pytest.warns`` around a DEC fit once saw none).
    """
    for message in UMAP_NOISE:
        warnings.filterwarnings("ignore", message=message)


quiet_umap_warnings()

_UMAP_IMPORT = threading.Lock()


def import_umap() -> ModuleType:
    """``import umap``, without TensorFlow where TensorFlow is not loaded yet.

    umap-learn's ``__init__`` imports ``umap.parametric_umap``, and with it
    TensorFlow and Keras, whenever they are installed: 2 s and a few hundred MB.
    In the app's server that costs far more than the import. Once ``keras`` is in
    ``sys.modules``, Streamlit calls ``keras.backend.clear_session()`` (a full
    ``gc.collect()`` over TensorFlow's objects) after every script run of every
    session (``streamlit.runtime.scriptrunner.script_runner._clean_problem_modules``);
    one Explore visit made every later live-chart tick pay it.

    A process without TensorFlow (the server) therefore imports umap with
    ``umap.parametric_umap`` answered as missing, which is umap's own fallback:
    ``umap.ParametricUMAP`` then raises when used. A process that has TensorFlow
    already (a training worker, a notebook that built a DEC) gets the whole package.

    The first import in a process also turns on numba's on-disk cache for umap's
    compiled functions (:func:`_cache_umap_jit`). On a fresh install that cache is
    empty, and the import compiles for ~13 CPU seconds, a first fit ~9 more; each
    process that starts at the same time (test workers, parallel CLI runs) would
    compile it all again. So the import holds a lock shared by the processes of
    this install (:func:`_compile_lock`), and an import that compiled also runs
    :func:`compile_umap` before it lets go: the processes waiting behind it then
    load everything from the cache (~2 s).

    Returns
    -------
    module
        The ``umap`` package.
    """
    global _UMAP_READY
    with _UMAP_IMPORT:
        if _UMAP_READY:
            return sys.modules["umap"]
        with _compile_lock():
            cpu = time.thread_time()  # numba compiles in the importing thread
            hide = "tensorflow" not in sys.modules and "umap.parametric_umap" not in sys.modules
            if hide:
                sys.modules["umap.parametric_umap"] = None  # `from .parametric_umap` -> ImportError
            try:
                import umap
            finally:
                if hide and sys.modules.get("umap.parametric_umap", 0) is None:
                    del sys.modules["umap.parametric_umap"]  # an explicit import later still works
            _cache_umap_jit()
            if time.thread_time() - cpu > COLD_IMPORT_CPU_S:
                try:  # this process compiled: the first fit's code too, once
                    compile_umap(umap)
                except Exception as err:  # a head start only: umap itself is imported
                    warnings.warn(f"compiling UMAP ahead of time failed: {err}", stacklevel=2)
        _UMAP_READY = True
        return umap


_UMAP_READY = False  # imported and its JIT cache on (umap may be in sys.modules before that)

COLD_IMPORT_CPU_S = 5.0
"""CPU seconds above which umap's import must have compiled its numba code (the
2-core machine: ~13 s on a fresh install, ~2 s from numba's cache)."""

COMPILE_LOCK_TIMEOUT_S = 600.0
"""The longest a process waits for another's first compile: ~30 CPU s, which on the
2-core machine took 77 s of wall time with four busy loops beside it; a waiter that
gives up compiles all of it again, so the wait only guards against a stopped holder."""


@contextlib.contextmanager
def _compile_lock(timeout: float = COMPILE_LOCK_TIMEOUT_S) -> Iterator[bool]:
    """Hold an exclusive lock that all processes using this install of umap share.

    ``fcntl.flock`` on a file in the temporary folder, named after where umap is
    installed (so another virtual environment has its own); the system releases it
    when the holder ends, however it ends. A holder that is stopped or stuck does not
    hold the others for ever: after ``timeout`` seconds they go on without it. Where
    there is no ``fcntl`` (Windows) or no writable temporary folder, there is no lock
    and each process compiles its own. Not re-entrant (one lock per open file).

    Yields
    ------
    bool
        Whether the lock is held.
    """
    handle = None
    try:
        import fcntl

        spec = importlib.util.find_spec("umap")
        key = hashlib.sha1(str(spec.origin if spec else "").encode()).hexdigest()[:12]
        handle = open(Path(tempfile.gettempdir()) / f"dec_core-umap-{key}.lock", "a")
        end = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > end:
                    handle.close()
                    handle = None
                    break
                time.sleep(0.05)
    except (ImportError, OSError, ValueError):  # ValueError: a umap without __spec__
        if handle is not None:
            handle.close()
        handle = None
    try:
        yield handle is not None
    finally:
        if handle is not None:
            handle.close()  # and with it the lock


def compile_umap(umap: ModuleType | None = None, n_components: int = 2) -> None:
    """Fit and transform 80 random points, so that umap's numba code is compiled (and cached).

    The code a seeded fit and a ``transform`` of float32 data run, as the app's
    UMAP views and N2D do; the shape of the data does not matter to numba.
    """
    umap = umap or import_umap()
    z = np.random.default_rng(0).normal(size=(80, 4)).astype(np.float32)
    reducer = umap.UMAP(n_components=max(2, int(n_components)), n_neighbors=10, min_dist=0.0,
                        random_state=0).fit(z[:60])  # seeded: UMAP_NOISE is filtered
    reducer.transform(z[60:])


def _cache_umap_jit() -> int:
    """Turn on numba's on-disk cache (``cache=True``) for umap's compiled functions.

    umap-learn compiles its graph and layout code with numba in every new process
    and caches almost none of it: 5 s of CPU before the first UMAP fit of a fresh
    process, 6 s more before the first ``transform`` (the 2-core machine). Every
    server start paid it on its first Explore or Compare visit, and every process of
    the test suite that draws a UMAP. ``Dispatcher.enable_caching`` is what numba's
    ``cache=True`` calls; from then on numba stores the machine code next to umap's
    sources (or in ``NUMBA_CACHE_DIR``, or the user's cache folder) and loads it in
    later processes: about 1 s in all. The code is the same, so are the results.

    Left out: a function that two dispatchers compile differently (umap's layout
    epoch, once serial and once parallel), because numba's cache index does not tell
    their compile options apart; and any function numba finds no writable place for.

    Returns
    -------
    int
        How many functions were given the cache.
    """
    from collections import Counter

    from numba.core.registry import CPUDispatcher

    dispatchers = {}
    for name, module in list(sys.modules.items()):
        if module is not None and name.split(".")[0] in ("umap", "pynndescent"):
            for value in list(vars(module).values()):
                if isinstance(value, CPUDispatcher):
                    dispatchers[id(value)] = value
    per_function = Counter(id(disp.py_func) for disp in dispatchers.values())
    cached = 0
    for disp in dispatchers.values():
        own = getattr(disp.py_func, "__module__", "").split(".")[0] in ("umap", "pynndescent")
        if not own or per_function[id(disp.py_func)] > 1 or type(disp._cache).__name__ != "NullCache":
            continue
        try:
            disp.enable_caching()
        except RuntimeError:  # "no locator available": nowhere writable to keep it
            continue
        cached += 1
    return cached


KMEANS_N_INIT = 10
"""Restarts of k-means on raw data; the lowest inertia wins (scikit-learn's classic default)."""

NAMES: dict[str, str] = {
    "kmeans_raw": "k-means on raw data",
    "ae_kmeans": "autoencoder + k-means",
    "dec": "DEC",
    "idec": "IDEC",
    "n2d": "N2D (UMAP + GMM)",
}
"""Display name of each method key, the same on every page and in every table."""


def kmeans_raw_labels(x, n_clusters: int, random_state: int | None = 0) -> np.ndarray:
    """k-means on the raw features: the "k-means on raw data" baseline.

    Parameters
    ----------
    x : array-like of shape (n_samples, ...)
        The data as the autoencoder sees it; flattened to 2-D and cast to
        float32, so the same data gives the same clusters wherever it comes from.
    n_clusters : int
        Number of clusters (a Python or numpy integer).
    random_state : int or None, default=0
        Seed of k-means (the run's seed, so the result is reproducible).

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64
        Cluster ids in ``0 .. n_clusters - 1``.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> labels = kmeans_raw_labels(x, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    from .kmeans import fit_kmeans

    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(x.shape[0], -1)
    n_clusters = int(n_clusters)
    if not 1 <= n_clusters <= x.shape[0]:
        raise ValueError(
            f"n_clusters={n_clusters} must be between 1 and the {x.shape[0]} samples."
        )
    seed = None if random_state is None else int(random_state)
    return fit_kmeans(x, n_clusters, n_init=KMEANS_N_INIT, random_state=seed).labels_.astype(
        np.int64)


N2D_NEIGHBORS = 20
"""UMAP's neighbourhood size in N2D (McConville et al., 2020)."""

N2D_MAX_FIT = 10_000
"""Rows N2D's UMAP is fitted on at most, so its fit stays bounded on large data; the other rows
are placed with ``transform``."""


def n2d_labels(embedding, k: int, seed: int | None = 0, max_fit: int = N2D_MAX_FIT,
               n_neighbors: int = N2D_NEIGHBORS) -> np.ndarray:
    """N2D: UMAP of an embedding to ``k`` dimensions, then a Gaussian mixture.

    McConville et al. (2020), "N2D: (Not Too) Deep Clustering via Clustering
    the Local Manifold of an Autoencoded Embedding": UMAP with
    ``n_components = k``, ``n_neighbors = 20`` and ``min_dist = 0`` learns the
    local manifold of the pretrained autoencoder's embedding, and a GMM with
    full covariances clusters it.

    Parameters
    ----------
    embedding : ndarray of shape (n, e)
        The pretrained autoencoder's embedding.
    k : int
        Number of clusters (and of UMAP dimensions).
    seed : int, default=0
        ``random_state`` of UMAP, the sample and the GMM (None means 0).
    max_fit : int, default=N2D_MAX_FIT
        UMAP is fitted on at most this many random rows (10,000); the other
        rows are placed with ``transform``. 0: every row.
    n_neighbors : int, default=20
        UMAP's neighbourhood size (capped at ``n - 1``).

    Returns
    -------
    ndarray of shape (n,), dtype int64
        Cluster ids in ``0 .. k-1``.
    """

    from sklearn.mixture import GaussianMixture
    from sklearn.neighbors import NearestNeighbors

    z = np.asarray(embedding, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"The embedding must be 2-D (n, e); received shape {z.shape}.")
    n, k = z.shape[0], int(k)
    seed = 0 if seed is None else int(seed)
    if n < max(k, 3):
        raise ValueError(f"N2D needs at least {max(k, 3)} points; received {n}.")
    rng = np.random.default_rng(seed)
    fit_rows = (np.arange(n) if max_fit <= 0 or n <= max_fit
                else np.sort(rng.choice(n, size=int(max_fit), replace=False)))
    n_neighbors = max(2, min(int(n_neighbors), len(fit_rows) - 1))
    rest = np.setdiff1d(np.arange(n), fit_rows)
    extra = {}
    if not rest.size:
        # no transform needed: exact neighbours from scikit-learn (faster than
        # UMAP's approximate search on a few thousand rows, and deterministic)
        dist, idx = NearestNeighbors(n_neighbors=n_neighbors).fit(z).kneighbors(z)
        extra["precomputed_knn"] = (idx.astype(np.int32), dist.astype(np.float32), None)
    reducer = import_umap().UMAP(n_components=k, n_neighbors=n_neighbors, min_dist=0.0,
                                 random_state=seed,
                                 init="spectral" if len(fit_rows) > k + 1 else "random",
                                 **extra)
    fitted = reducer.fit_transform(z[fit_rows])  # UMAP_NOISE is hidden (quiet_umap_warnings)
    manifold = np.empty((n, k), dtype=np.float64)
    manifold[fit_rows] = fitted
    if rest.size:
        manifold[rest] = reducer.transform(z[rest])
    gmm = GaussianMixture(n_components=k, covariance_type="full", random_state=seed)
    return gmm.fit(manifold[fit_rows]).predict(manifold).astype(np.int64)


def cluster_means(z, labels, k: int) -> np.ndarray:
    """The mean of ``z`` over each cluster's members: (k, e) float32.

    An empty cluster (a mixture can leave one) takes the point farthest from
    its own cluster's mean, so every centroid sits on the data.
    """
    z = np.asarray(z, dtype=np.float64)
    labels = np.asarray(labels)
    centers = np.zeros((int(k), z.shape[1]))
    filled = np.zeros(int(k), dtype=bool)
    for j in range(int(k)):
        members = labels == j
        if members.any():
            centers[j] = z[members].mean(axis=0)
            filled[j] = True
    if not filled.all():
        own = centers[labels] if filled.any() else np.zeros_like(z)
        far = np.argsort(-np.sum((z - own) ** 2, axis=1))
        for j, i in zip(np.flatnonzero(~filled), far):
            centers[j] = z[i]
    return centers.astype(np.float32)


def manifold_start(z, k: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """DEC's manifold start: N2D's clusters of the embedding, as centroids in ``z``.

    UMAP to ``k`` dimensions and a Gaussian mixture there (:func:`n2d_labels`)
    find the clusters; each centroid is the mean of its cluster's members in
    the embedding ``z`` itself (DEC's centroids live in ``z``, not in the UMAP).

    Parameters
    ----------
    z : ndarray of shape (n, e)
        The pretrained embedding.
    k : int
        Number of clusters.
    seed : int or None, default=0

    Returns
    -------
    centers : ndarray of shape (k, e), float32
    labels : ndarray of shape (n,), int64
        N2D's labels (the start's clustering).
    """
    labels = n2d_labels(z, k, seed)
    return cluster_means(z, labels, k), labels
