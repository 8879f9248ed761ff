"""DEC's target distribution P, in NumPy (no TensorFlow: the app's pages import it)."""

from __future__ import annotations

import numpy as np


def target_distribution(q, power: float = 2.0, normalize_frequency: bool = True, frequency=None):
    """DEC's sharpened target ``p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j')``.

    ``f_j = sum_i q_ij`` is the soft size of cluster ``j``; dividing by it
    normalises each centroid's share of the target, so that large clusters do not
    distort the embedding (the paper's reason), and pulls the clusters towards
    equal sizes (on ``imbalanced_blobs`` it lets the small cluster take points
    from the big ones: ``scripts/fj_imbalance.py``). Both ingredients can be
    changed, to show what each one does::

        p_ij = (q_ij^power / f_j^s) / sum_j' (q_ij'^power / f_j'^s),   s = 1 if normalize_frequency else 0

    Computed in log space (``power * log q - s * log f``, then a softmax over
    ``j``), so a large ``power`` does not underflow to ``0 / 0``.

    Parameters
    ----------
    q : ndarray of shape (n_samples, n_clusters)
        Soft assignments, rows summing to 1.
    power : float, default=2.0
        The exponent on ``q`` (the paper's square). Above 1 sharpens, 1 keeps
        ``q`` (so without the ``f_j`` division P equals Q), below 1 flattens.
    normalize_frequency : bool, default=True
        Divide by the soft cluster size ``f_j`` (the paper). Without it the
        target no longer pulls the clusters towards equal sizes.
    frequency : array-like of shape (n_clusters,), optional
        The soft cluster sizes ``f_j`` to divide by; default ``q.sum(axis=0)``.
        Given, ``q`` may be a few rows (e.g. one point in the app's kernel
        explorer) of a larger data set.

    Returns
    -------
    p : ndarray of shape (n_samples, n_clusters)
    """
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logits = float(power) * np.log(q)  # (n, k); log 0 = -inf gives p = 0
        if normalize_frequency:
            f = q.sum(axis=0) if frequency is None else np.asarray(frequency, np.float64)
            logits = logits - np.log(np.maximum(f, 1e-12))
    logits -= logits.max(axis=1, keepdims=True)
    weight = np.exp(logits)
    return (weight / weight.sum(axis=1, keepdims=True)).astype(np.float32)
