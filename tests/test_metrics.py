import itertools

import numpy as np
import pytest

from dec_core.metrics import ari, cluster_acc, clustering_scores, matched_confusion_matrix, nmi


def brute_force_acc(y_true, y_pred):
    """Best accuracy over every relabelling of the clusters (tiny cases only)."""
    classes = np.unique(y_true)
    clusters = np.unique(y_pred)
    best = 0.0
    for perm in itertools.permutations(classes, len(clusters)):
        mapped = np.array([dict(zip(clusters, perm))[c] for c in y_pred])
        best = max(best, float(np.mean(mapped == y_true)))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_cluster_acc_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 4, size=30)
    y_pred = rng.integers(0, 4, size=30)
    assert cluster_acc(y_true, y_pred) == pytest.approx(brute_force_acc(y_true, y_pred))


def test_cluster_acc_is_permutation_free_and_returns_mapping():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([5, 5, 3, 3, 4, 4])
    acc, mapping = cluster_acc(y_true, y_pred, return_mapping=True)
    assert acc == 1.0
    assert mapping == {5: 0, 3: 1, 4: 2}


def test_scores_identical_partitions():
    y = np.array([0, 1, 2, 0, 1, 2])
    scores = clustering_scores(y, (y + 1) % 3)
    assert scores == pytest.approx({"acc": 1.0, "nmi": 1.0, "ari": 1.0})
    assert nmi(y, y) == pytest.approx(1.0) and ari(y, y) == pytest.approx(1.0)


def test_matched_confusion_matrix_puts_matches_on_diagonal():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([2, 2, 1, 0, 0, 1, 1, 1])
    m, classes, clusters = matched_confusion_matrix(y_true, y_pred)
    assert classes.tolist() == [0, 1, 2]
    assert clusters.tolist() == [2, 0, 1]
    assert m.tolist() == [[2, 0, 1], [0, 2, 0], [0, 0, 3]]
    mn, _, _ = matched_confusion_matrix(y_true, y_pred, normalize=True)
    np.testing.assert_allclose(mn.sum(axis=1), 1.0)


def test_more_clusters_than_classes():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 2, 2])
    m, _, clusters = matched_confusion_matrix(y_true, y_pred)
    assert m.shape == (2, 3) and m.sum() == 4
    assert cluster_acc(y_true, y_pred) == 0.75


def test_length_mismatch_raises():
    with pytest.raises(ValueError, match="same length"):
        cluster_acc([0, 1], [0])
