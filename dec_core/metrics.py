"""Clustering metrics that ignore label permutations.

* :func:`cluster_acc`: unsupervised accuracy, the best one-to-one matching of
  clusters to classes found with the Hungarian algorithm (scipy).
* :func:`nmi`, :func:`ari`: scikit-learn's normalised mutual information and
  adjusted Rand index.
* :func:`matched_confusion_matrix`: the confusion matrix whose column ``j``
  holds the cluster matched to class ``j`` (or nothing), unmatched clusters last.
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


def max_acc(y_true, n_clusters: int) -> float:
    """The highest ACC any clustering into ``n_clusters`` clusters can reach.

    ACC matches clusters to classes one to one, so with fewer clusters than
    classes at most ``n_clusters`` classes are matched: the best case is
    the share of the ``n_clusters`` largest classes (about
    ``n_clusters / n_classes`` when they are balanced). 1.0 when there are
    at least as many clusters as classes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    n_clusters : int

    Returns
    -------
    float

    Examples
    --------
    >>> max_acc([0, 0, 0, 1, 1, 2], 2)
    0.8333333333333334
    """
    _, counts = np.unique(np.asarray(y_true), return_counts=True)
    top = np.sort(counts)[::-1][:max(0, int(n_clusters))]
    return float(top.sum() / counts.sum())


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


def matched_confusion_matrix(y_true, y_pred, *, normalize: bool = False,
                             n_clusters: int | None = None):
    """Confusion matrix whose column ``j`` faces class ``j``.

    Clusters are matched one to one to classes with the Hungarian algorithm
    (the matching of :func:`cluster_acc`). Column ``j`` holds the cluster
    matched to class ``j``, or is an empty column (cluster id ``-1``) when no
    cluster is matched to it (fewer clusters than classes). The clusters left
    unmatched (more clusters than classes, or empty clusters) come after, in
    increasing id. So the diagonal holds exactly the matched points: its sum
    is ``cluster_acc(y_true, y_pred) * n_samples``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True classes, and integer cluster ids (``-1`` is reserved for the
        empty columns of the result).
    normalize : bool, default=False
        Divide each row by its class size (rows sum to 1).
    n_clusters : int, optional
        With integer cluster ids ``0 .. n_clusters - 1``: also show the
        clusters that hold no point (e.g. emptied by DEC), as unmatched
        columns of zeros.

    Returns
    -------
    matrix : ndarray of shape (n_classes, n_classes + n_unmatched)
        Counts, or row shares with ``normalize=True``.
    classes : ndarray of shape (n_classes,)
        The row labels, sorted.
    clusters : ndarray of shape (n_classes + n_unmatched,), dtype int64
        The cluster id of each column: ``clusters[j]`` is matched to
        ``classes[j]`` for ``j < n_classes`` (``-1``: none), then the
        unmatched clusters.

    Examples
    --------
    >>> m, classes, clusters = matched_confusion_matrix(
    ...     [0, 0, 1, 1, 1, 2, 2, 2], [5, 7, 5, 5, 5, 7, 7, 7])
    >>> clusters.tolist()
    [-1, 5, 7]
    >>> int(m.trace())
    6
    """
    counts, clusters, classes = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    empty = np.zeros(classes.size, dtype=np.int64)
    facing = dict(zip(cols.tolist(), rows.tolist()))  # class index -> row of counts
    ids = [int(clusters[facing[j]]) if j in facing else -1 for j in range(classes.size)]
    columns = [counts[facing[j]] if j in facing else empty for j in range(classes.size)]
    taken = set(rows.tolist())
    rest = {int(clusters[r]): counts[r] for r in range(clusters.size) if r not in taken}
    if n_clusters is not None:  # clusters that hold no point at all
        present = set(clusters.tolist())
        rest.update({c: empty for c in range(int(n_clusters)) if c not in present})
    for c in sorted(rest):
        ids.append(c)
        columns.append(rest[c])
    matrix = np.stack(columns, axis=1).astype(np.float64 if normalize else np.int64)
    if normalize:
        sums = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)
    return matrix, classes, np.asarray(ids, dtype=np.int64)
