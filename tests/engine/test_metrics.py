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


def _check_layout(y_true, y_pred, m, classes, clusters):
    """Column j faces class j (or is empty); the diagonal is ACC * n; columns are clusters."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    acc, mapping = cluster_acc(y_true, y_pred, return_mapping=True)
    assert m.shape == (classes.size, clusters.size)
    assert int(np.trace(m)) == round(acc * y_true.size)
    for j, c in enumerate(clusters.tolist()):
        if j < classes.size and c >= 0:
            assert mapping[c] == classes[j]
        elif j < classes.size:
            assert classes[j] not in mapping.values() and m[:, j].sum() == 0
        else:
            assert c not in mapping
        for i, cls in enumerate(classes):
            assert m[i, j] == np.sum((y_true == cls) & (y_pred == c))
    tail = clusters[classes.size:].tolist()
    assert tail == sorted(tail)


def test_confusion_fewer_clusters_than_classes():
    """Fewer clusters than classes: cluster 5 faces class 1, class 0 has an empty column."""
    y_true, y_pred = [0, 0, 1, 1, 1, 2, 2, 2], [5, 7, 5, 5, 5, 7, 7, 7]
    m, classes, clusters = matched_confusion_matrix(y_true, y_pred)
    assert clusters.tolist() == [-1, 5, 7]
    assert m.tolist() == [[0, 1, 1], [0, 3, 0], [0, 0, 3]]
    assert np.trace(m) == 6 == cluster_acc(y_true, y_pred) * 8
    _check_layout(y_true, y_pred, m, classes, clusters)


def test_confusion_more_clusters_than_classes():
    y_true = [0, 0, 0, 1, 1, 1, 1]
    y_pred = [4, 4, 0, 2, 2, 9, 0]
    m, classes, clusters = matched_confusion_matrix(y_true, y_pred)
    assert clusters.tolist() == [4, 2, 0, 9]  # matched to 0 and 1, then the rest by id
    assert m.tolist() == [[2, 0, 1, 0], [0, 2, 1, 1]]
    _check_layout(y_true, y_pred, m, classes, clusters)


def test_confusion_empty_cluster():
    """A cluster that holds no point is an unmatched column of zeros with n_clusters."""
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 3, 3, 3, 1]
    m, classes, clusters = matched_confusion_matrix(y_true, y_pred, n_clusters=4)
    assert clusters.tolist() == [0, 3, 1, 2]
    assert m[:, 3].tolist() == [0, 0, 0]
    assert np.trace(m) == 5 == cluster_acc(y_true, y_pred) * 6
    _check_layout(y_true, y_pred, m, classes, clusters)
    mn, _, _ = matched_confusion_matrix(y_true, y_pred, normalize=True, n_clusters=4)
    np.testing.assert_allclose(mn.sum(axis=1), 1.0)


@pytest.mark.parametrize("seed", range(12))
def test_confusion_layout_random(seed):
    rng = np.random.default_rng(seed)
    n_classes, k = 4, int(rng.integers(2, 7))
    y_true = rng.integers(0, n_classes, size=40)
    y_pred = rng.integers(0, k, size=40) * 3  # ids with gaps
    m, classes, clusters = matched_confusion_matrix(y_true, y_pred)
    _check_layout(y_true, y_pred, m, classes, clusters)
    assert np.trace(m) == brute_force_matched(y_true, y_pred)


def brute_force_matched(y_true, y_pred):
    """Most points on a one-to-one matching of clusters and classes, by trying them all."""
    classes, clusters = np.unique(y_true).tolist(), np.unique(y_pred).tolist()
    pairs = ([list(zip(classes, p)) for p in itertools.permutations(clusters, len(classes))]
             if len(clusters) >= len(classes) else
             [list(zip(p, clusters)) for p in itertools.permutations(classes, len(clusters))])
    return max(sum(int(np.sum((y_true == a) & (y_pred == b))) for a, b in match)
               for match in pairs)


def test_max_acc_is_the_share_of_the_k_largest_classes():
    from dec_core.metrics import cluster_acc, max_acc

    y = np.array([0] * 5 + [1] * 3 + [2] * 2)
    assert max_acc(y, 1) == 0.5 and max_acc(y, 2) == 0.8 and max_acc(y, 3) == max_acc(y, 9) == 1.0
    # reached by the best clustering into k clusters, and never beaten by any
    rng = np.random.default_rng(0)
    assert cluster_acc(y, np.minimum(y, 1)) == 0.8
    assert all(cluster_acc(y, rng.integers(0, 2, 10)) <= 0.8 for _ in range(50))
