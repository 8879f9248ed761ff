"""Restarts chosen without labels: ``DEC(n_restarts=R, restart_criterion=...)``.

DEC's outcome on a seed is chaotic: on digits one seed in five reaches 0.91+
while the others merge two classes (docs/benchmarks.md). Running several whole
fits and keeping one helps only if something *unsupervised* tells the good
ones apart. The criteria, each computed on a finished fit:

``kl``          the final ``KL(P || Q)`` over all samples, lower is better: how
                far the soft assignments are from their sharpened target, i.e.
                how confident the model is of its clusters;
``silhouette``  the silhouette of the final labels in the final embedding
                (on at most :data:`SILHOUETTE_ROWS` rows), higher is better;
``inertia``     the relative inertia: the within-cluster sum of squares about
                the centroids over the total sum of squares about the mean, in
                the final embedding (scale-free, so comparable between fits
                whose embeddings differ), lower is better.

The bench records all three for every restart next to its ACC, so their
correlation with accuracy can be measured (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

RESTART_CRITERIA: dict[str, str] = {"kl": "min", "silhouette": "max", "inertia": "min"}
"""Criterion -> whether its lowest (``min``) or highest (``max``) value wins."""

SILHOUETTE_ROWS = 3000
"""Rows the silhouette is computed on (a fixed random sample above that)."""

SEED_STRIDE = 7919
"""Restart ``r`` uses seed ``random_state + r * SEED_STRIDE`` (restart 0 is the plain fit)."""


def restart_seeds(random_state: int | None, n_restarts: int) -> list[int | None]:
    """The seed of each restart; restart 0 keeps ``random_state`` itself.

    >>> restart_seeds(3, 3)
    [3, 7922, 15841]
    >>> restart_seeds(None, 2)
    [None, None]
    """
    if random_state is None:
        return [None] * int(n_restarts)
    return [int(random_state) + r * SEED_STRIDE for r in range(int(n_restarts))]


def kl_criterion(q: np.ndarray) -> float:
    """Mean over samples of ``KL(P || Q)``, ``P`` the target of ``q``: (n, k) -> float."""
    from .target import target_distribution

    q = np.clip(np.asarray(q, dtype=np.float64), 1e-12, 1.0)
    p = np.clip(target_distribution(q), 1e-12, 1.0)
    return float(np.mean(np.sum(p * np.log(p / q), axis=1)))


def relative_inertia(z: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    """Within-cluster sum of squares about ``centers`` over the total about the mean."""
    z = np.asarray(z, dtype=np.float64)
    within = float(np.sum((z - np.asarray(centers, dtype=np.float64)[labels]) ** 2))
    total = float(np.sum((z - z.mean(axis=0)) ** 2))
    return within / total if total > 0 else 0.0


def silhouette(z: np.ndarray, labels: np.ndarray, seed: int = 0) -> float:
    """Silhouette of ``labels`` in ``z`` (-1 for a single cluster, where it is undefined)."""
    from sklearn.metrics import silhouette_score

    labels = np.asarray(labels)
    if np.unique(labels).size < 2:
        return -1.0
    n = labels.shape[0]
    rows = None if n <= SILHOUETTE_ROWS else SILHOUETTE_ROWS
    return float(silhouette_score(z, labels, sample_size=rows, random_state=seed))


def restart_criteria(est, X) -> dict[str, float]:
    """The three criteria of a fitted :class:`dec_core.DEC` on its training data ``X``."""
    z, q = est._forward(X)
    labels = q.argmax(axis=1)
    return {
        "kl": kl_criterion(q),
        "silhouette": silhouette(z, labels),
        "inertia": relative_inertia(z, labels, est.cluster_centers_),
    }


def run_restarts(fit_one: Callable, seeds: Sequence[int | None], X: np.ndarray,
                 y: np.ndarray | None, criterion: str) -> tuple[object, list[dict]]:
    """Fit once per seed and keep the fit ``criterion`` chooses.

    Parameters
    ----------
    fit_one : callable
        ``fit_one(seed) -> DEC``: one whole fit with that seed.
    seeds : sequence of int or None
        One per restart (:func:`restart_seeds`).
    X : ndarray of shape (n_samples, n_features)
        The training data, float32, for the criteria.
    y : ndarray of shape (n_samples,) or None
        True labels: each row also gets ACC / NMI / ARI (never used to choose).
    criterion : {"kl", "silhouette", "inertia"}

    Returns
    -------
    chosen : dec_core.DEC
        The fit the criterion keeps.
    rows : list of dict
        Per restart: ``restart``, ``seed``, the three criteria, ``seconds``,
        ``chosen`` and, with ``y``, the scores. A stop request ends the
        restarts early, so there may be fewer rows than seeds.
    """
    from .metrics import clustering_scores

    fits, rows = [], []
    for r, seed in enumerate(seeds):
        est = fit_one(seed)
        row = {"restart": r, "seed": seed, **restart_criteria(est, X),
               "seconds": float(est.timings_["total"])}
        if y is not None:
            row.update(clustering_scores(np.asarray(y).ravel(), est.labels_))
        fits.append(est)
        rows.append(row)
        if est.stop_training or (est.stop_record_ is not None
                                 and est.stop_record_.kind == "stopped"):
            break
    best = choose_restart([row[criterion] for row in rows], criterion)
    for i, row in enumerate(rows):
        row["chosen"] = i == best
    return fits[best], rows


def choose_restart(values: Sequence[float], criterion: str) -> int:
    """Index of the restart the criterion keeps: argmin or argmax (NaN never wins).

    >>> choose_restart([0.3, 0.1, 0.2], "kl")
    1
    >>> choose_restart([0.3, 0.1, 0.2], "silhouette")
    0
    """
    if criterion not in RESTART_CRITERIA:
        raise ValueError(f"Unknown restart criterion {criterion!r}; "
                         f"choose one of {list(RESTART_CRITERIA)}.")
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("No restart to choose from.")
    if RESTART_CRITERIA[criterion] == "max":
        v = -v
    v = np.where(np.isfinite(v), v, np.inf)
    return int(np.argmin(v))
