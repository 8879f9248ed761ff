"""2-D / 3-D projections of DEC embeddings for the Explore page (no streamlit here).

* :func:`sample_indices`: a fixed random subsample of rows for big data.
* :func:`project`: UMAP or PCA of an embedding.
* :func:`sampled_pca`: the PCA map of a subsample, the map drawn first.
* :func:`axis_ranges`: fixed axes over every frame of an animation.

The snapshots of every DEC update share one frame fitted at the k-means start:
:func:`explorer.live_map.frame.frame_snapshots`, the live map's.

UMAP's first call in a process loads its numba code (about 1 s; 5-13 s to compile
it the first time after an install, see dec_core.baselines.import_umap); PCA is
instant. UMAP gets its neighbours from
scikit-learn (:func:`knn`): on fewer than 4,096 points UMAP would otherwise
compute all n² distances through a Python callback (twice the CPU, and it holds
the GIL the server needs), and on more it would compile NN-descent first.
"""

from __future__ import annotations

import numpy as np

from dec_core.baselines import import_umap, quiet_umap_warnings

quiet_umap_warnings()  # UMAP's seeded-fit noise, hidden thread-safely (no catch_warnings)

METHODS = ("umap", "pca")


def sample_indices(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a random subsample of at most ``max_points`` rows.

    Parameters
    ----------
    n : int
        Number of rows.
    max_points : int
        Largest sample; all rows when ``n <= max_points`` (or ``max_points <= 0``).
    seed : int, default=0
        Seed of the draw: the same arguments give the same rows.

    Returns
    -------
    ndarray of shape (min(n, max_points),), dtype int64
    """
    n = int(n)
    if max_points <= 0 or n <= max_points:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=int(max_points), replace=False)).astype(np.int64)


def _pad(coords: np.ndarray, n_components: int) -> np.ndarray:
    """Zero columns up to ``n_components`` (an embedding narrower than asked)."""
    if coords.shape[1] >= n_components:
        return coords[:, :n_components]
    out = np.zeros((coords.shape[0], n_components), dtype=coords.dtype)
    out[:, : coords.shape[1]] = coords
    return out


def _pca(x: np.ndarray, n_components: int):
    from sklearn.decomposition import PCA

    k = max(1, min(n_components, x.shape[0], x.shape[1]))
    return PCA(n_components=k, random_state=0).fit(x)


def knn(x: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact Euclidean nearest neighbours of every row, itself first, for UMAP.

    Parameters
    ----------
    x : ndarray of shape (n, e)
    n_neighbors : int
        Neighbours per row, the row itself included (UMAP's convention).

    Returns
    -------
    indices : ndarray of shape (n, n_neighbors), dtype int32
    distances : ndarray of shape (n, n_neighbors), dtype float32
        Pass ``(indices, distances, None)`` as UMAP's ``precomputed_knn``.
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(x, dtype=np.float32)
    dist, idx = NearestNeighbors(n_neighbors=int(n_neighbors)).fit(x).kneighbors(x)
    return idx.astype(np.int32), dist.astype(np.float32)


def _umap(x: np.ndarray, n_components: int, seed: int):
    """UMAP for the rows of ``x``, its neighbours from :func:`knn` (so it cannot
    ``transform`` new points; nothing here asks it to)."""
    n_neighbors = max(2, min(15, x.shape[0] - 1))
    return import_umap().UMAP(n_components=n_components, random_state=seed,
                              n_neighbors=n_neighbors, min_dist=0.1,
                              precomputed_knn=(*knn(x, n_neighbors), None))


def project(embedding: np.ndarray, method: str = "umap", n_components: int = 2,
            seed: int = 0) -> np.ndarray:
    """Project an embedding to 2-D or 3-D.

    Parameters
    ----------
    embedding : ndarray of shape (n, e)
        The points.
    method : {"umap", "pca"}, default="umap"
        UMAP (``n_neighbors=15, min_dist=0.1``) or PCA. UMAP falls back to PCA
        for fewer than 5 points.
    n_components : {2, 3}, default=2
        Output dimensions.
    seed : int, default=0
        UMAP's ``random_state``.

    Returns
    -------
    ndarray of shape (n, n_components), dtype float32
    """
    x = np.asarray(embedding, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"The embedding must be 2-D (n, e); received shape {x.shape}.")
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; received {method!r}.")
    n_components = int(n_components)
    if x.shape[0] == 0:
        return np.zeros((0, n_components), dtype=np.float32)
    if method == "umap" and x.shape[0] >= 5:
        coords = _umap(x, n_components, seed).fit_transform(x)
    else:
        coords = _pca(x, n_components).transform(x)
    return _pad(np.asarray(coords, dtype=np.float32), n_components)


def sampled_pca(z: np.ndarray, max_points: int, n_components: int = 2,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded subsample's rows and their PCA map.

    Parameters
    ----------
    z : ndarray of shape (n, e)
        The embedding.
    max_points : int
        Largest sample (:func:`sample_indices`).
    n_components : int, default=2
    seed : int, default=0

    Returns
    -------
    idx : ndarray of shape (m,), dtype int64
    coords : ndarray of shape (m, n_components), float32
    """
    idx = sample_indices(z.shape[0], max_points, seed)
    return idx, project(z[idx], "pca", n_components, seed)


def axis_ranges(coords: np.ndarray, pad: float = 0.05) -> list[list[float]]:
    """``[[lo, hi], ...]`` per coordinate over all points, widened by ``pad``.

    Parameters
    ----------
    coords : ndarray of shape (..., d)
    pad : float, default=0.05
        Share of the span added on each side.

    Returns
    -------
    list of d ``[lo, hi]`` pairs
    """
    c = np.asarray(coords, dtype=np.float64).reshape(-1, np.shape(coords)[-1])
    out = []
    for j in range(c.shape[1]):
        col = c[:, j][np.isfinite(c[:, j])]
        lo, hi = (float(col.min()), float(col.max())) if col.size else (0.0, 1.0)
        span = hi - lo or 1.0
        out.append([lo - pad * span, hi + pad * span])
    return out
