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
  (``explorer.compare.n2d``).
"""

from __future__ import annotations

import numpy as np

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
    from sklearn.cluster import KMeans

    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(x.shape[0], -1)
    n_clusters = int(n_clusters)
    if not 1 <= n_clusters <= x.shape[0]:
        raise ValueError(
            f"n_clusters={n_clusters} must be between 1 and the {x.shape[0]} samples."
        )
    seed = None if random_state is None else int(random_state)
    km = KMeans(n_clusters=n_clusters, n_init=KMEANS_N_INIT, random_state=seed)
    return km.fit_predict(x).astype(np.int64)
