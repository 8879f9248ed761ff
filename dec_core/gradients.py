"""DEC's soft assignment and the gradient of its loss with respect to each embedding, in NumPy.

What pulls a point: with the target ``P`` held fixed between two updates,
the per-sample loss ``L_i = KL(p_i || q_i)`` has the gradient (Xie,
Girshick & Farhadi 2016, eq. 4)::

    dL_i/dz_i = (alpha + 1) / alpha * sum_j (1 + |z_i - mu_j|^2 / alpha)^-1
                                          * (p_ij - q_ij) * (z_i - mu_j)

Its norm says how hard training pushes sample ``i``'s code: the encoder's
weights receive exactly this vector, back-propagated. These functions let
the app show it without TensorFlow; ``tests/engine/test_gradients.py`` pins the
formula against ``tf.GradientTape`` on :class:`dec_core.layers.ClusteringLayer`.
"""

from __future__ import annotations

import numpy as np


def _sq_dist(z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    # z: (n, e), centers: (k, e) -> (n, k), never negative
    d2 = (z * z).sum(1)[:, None] - 2.0 * z @ centers.T + (centers * centers).sum(1)[None, :]
    return np.maximum(d2, 0.0)


def _log_kernel(sq_dist, alpha: float) -> np.ndarray:
    # log of the Student's t kernel (1 + d^2 / alpha)^(-(alpha + 1) / 2): the paper's eq. 1
    return -(alpha + 1.0) / 2.0 * np.log1p(sq_dist / alpha)


def student_t_kernel(distance, alpha: float = 1.0) -> np.ndarray:
    """The unnormalised soft-assignment kernel ``(1 + d^2 / alpha) ** (-(alpha + 1) / 2)``.

    The numerator of ``q_ij`` (:func:`soft_assign`) for a point at distance
    ``d = |z_i - mu_j|`` from a centroid; 1 at the centroid.

    Parameters
    ----------
    distance : array-like
        Distances, >= 0.
    alpha : float, default=1.0
        Degrees of freedom, > 0.

    Returns
    -------
    ndarray
    """
    d = np.asarray(distance, dtype=np.float64)
    return np.exp(_log_kernel(d**2, float(alpha)))


def soft_assign(z, centers, alpha: float = 1.0) -> np.ndarray:
    """Student's t soft assignment ``q_ij`` (the paper's eq. 1), computed in log space.

    Parameters
    ----------
    z : array-like of shape (n, e)
        Embeddings.
    centers : array-like of shape (k, e)
        Centroids ``mu_j``.
    alpha : float, default=1.0
        Degrees of freedom.

    Returns
    -------
    ndarray of shape (n, k), rows summing to 1
    """
    z = np.asarray(z, dtype=np.float64)
    mu = np.asarray(centers, dtype=np.float64)
    logits = _log_kernel(_sq_dist(z, mu), alpha)
    logits -= logits.max(axis=1, keepdims=True)
    q = np.exp(logits)
    return q / q.sum(axis=1, keepdims=True)


def embedding_gradient(z, centers, p, alpha: float = 1.0, q=None) -> np.ndarray:
    """``dKL(p_i || q_i) / dz_i`` for every sample (eq. 4 of the paper), ``P`` held fixed.

    Parameters
    ----------
    z : array-like of shape (n, e)
        Embeddings.
    centers : array-like of shape (k, e)
        Centroids.
    p : array-like of shape (n, k)
        The target distribution (fixed: no gradient flows through it).
    alpha : float, default=1.0
        Degrees of freedom of the Student's t kernel.
    q : array-like of shape (n, k), optional
        The soft assignment of ``z``; computed when not given.

    Returns
    -------
    ndarray of shape (n, e), float64
    """
    z = np.asarray(z, dtype=np.float64)
    mu = np.asarray(centers, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    q = soft_assign(z, mu, alpha) if q is None else np.asarray(q, dtype=np.float64)
    w = (p - q) / (1.0 + _sq_dist(z, mu) / alpha)  # (n, k)
    # sum_j w_ij (z_i - mu_j) = z_i * sum_j w_ij - w @ mu
    return (alpha + 1.0) / alpha * (z * w.sum(axis=1, keepdims=True) - w @ mu)


def gradient_norms(z, centers, p, alpha: float = 1.0, q=None) -> np.ndarray:
    """``|dKL(p_i || q_i) / dz_i|`` per sample: how hard each point is pulled.

    Returns
    -------
    ndarray of shape (n,), float32
    """
    return np.linalg.norm(embedding_gradient(z, centers, p, alpha, q), axis=1).astype(np.float32)


def share_by_confidence(norms, confidence, edges) -> tuple[np.ndarray, np.ndarray]:
    """Each confidence bin's share of the total gradient norm, and of the points.

    Parameters
    ----------
    norms : array-like of shape (n,)
        Gradient norms (:func:`gradient_norms`).
    confidence : array-like of shape (n,)
        ``max_j q_ij`` of each sample.
    edges : array-like of shape (b + 1,)
        Bin edges, increasing; the last bin includes its right edge.

    Returns
    -------
    gradient_share, point_share : ndarray of shape (b,)
        Each sums to 1 (0 everywhere when the total is 0).
    """
    norms = np.asarray(norms, dtype=np.float64)
    conf = np.asarray(confidence, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    b = len(edges) - 1
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, b - 1)
    grad = np.bincount(which, weights=norms, minlength=b)[:b]
    count = np.bincount(which, minlength=b)[:b].astype(np.float64)
    total, n = grad.sum(), count.sum()
    return (grad / total if total > 0 else grad), (count / n if n > 0 else count)
