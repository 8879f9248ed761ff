"""Clustering metrics that ignore label permutations.

* :func:`cluster_acc`: unsupervised accuracy, the best one-to-one matching of
  clusters to classes found with the Hungarian algorithm (scipy).
* :func:`nmi`, :func:`ari`: scikit-learn's normalised mutual information and
  adjusted Rand index.
* :func:`matched_confusion_matrix`: the confusion matrix with clusters
  reordered to face the classes they were matched to.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length; received {y_true.shape[0]} "
            f"and {y_pred.shape[0]}."
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty.")
    return y_true, y_pred


def contingency(y_true, y_pred) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of (cluster, class) pairs.

    Returns
    -------
    counts : ndarray of shape (n_clusters, n_classes)
    clusters : ndarray of shape (n_clusters,)
        The distinct cluster ids, sorted.
    classes : ndarray of shape (n_classes,)
        The distinct class labels, sorted.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    classes, t = np.unique(y_true, return_inverse=True)
    clusters, p = np.unique(y_pred, return_inverse=True)
    counts = np.zeros((clusters.size, classes.size), dtype=np.int64)
    np.add.at(counts, (p, t), 1)
    return counts, clusters, classes


def cluster_acc(y_true, y_pred, *, return_mapping: bool = False):
    """Unsupervised clustering accuracy with Hungarian matching.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster ids.
    return_mapping : bool, default=False
        Also return the matching, a dict ``{cluster_id: class_label}``.
        Clusters left unmatched (more clusters than classes) are absent.

    Returns
    -------
    acc : float
        Share of samples whose cluster is matched to their class, in [0, 1].
    mapping : dict
        Only with ``return_mapping=True``.

    Examples
    --------
    >>> cluster_acc([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    """
    counts, clusters, classes = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    acc = float(counts[rows, cols].sum() / counts.sum())
    if return_mapping:
        mapping = {clusters[r].item(): classes[c].item() for r, c in zip(rows, cols)}
        return acc, mapping
    return acc


def nmi(y_true, y_pred) -> float:
    """Normalised mutual information (arithmetic mean), in [0, 1]."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(normalized_mutual_info_score(y_true, y_pred))


def ari(y_true, y_pred) -> float:
    """Adjusted Rand index, 1 for identical partitions, about 0 for chance."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(adjusted_rand_score(y_true, y_pred))


def clustering_scores(y_true, y_pred) -> dict[str, float]:
    """ACC, NMI and ARI in one dict: ``{"acc": ..., "nmi": ..., "ari": ...}``."""
    return {
        "acc": cluster_acc(y_true, y_pred),
        "nmi": nmi(y_true, y_pred),
        "ari": ari(y_true, y_pred),
    }


def matched_confusion_matrix(y_true, y_pred, *, normalize: bool = False):
    """Confusion matrix with clusters ordered to face their matched classes.

    Rows are the true classes (sorted); columns are the clusters, ordered so
    that column ``j`` holds the cluster matched to class ``j``. Unmatched
    clusters (more clusters than classes) come last.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    normalize : bool, default=False
        Divide each row by its class size (rows sum to 1).

    Returns
    -------
    matrix : ndarray of shape (n_classes, n_clusters)
        Counts, or row shares with ``normalize=True``.
    classes : ndarray of shape (n_classes,)
        The row labels.
    clusters : ndarray of shape (n_clusters,)
        The column labels (cluster ids), in the matched order.
    """
    counts, clusters, classes = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    # Order the matched clusters by the class they face, then the rest.
    by_class = dict(zip(cols.tolist(), rows.tolist()))
    order = [by_class[c] for c in range(classes.size) if c in by_class]
    order += [r for r in range(clusters.size) if r not in set(order)]
    matrix = counts[order].T.astype(np.float64 if normalize else np.int64)
    if normalize:
        sums = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)
    return matrix, classes, clusters[order]
