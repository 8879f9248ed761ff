"""The one definition of the baselines (dec_core.baselines)."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from dec_core.baselines import KMEANS_N_INIT, NAMES, kmeans_raw_labels


def test_kmeans_raw_is_kmeans_with_ten_restarts():
    x, _ = make_blobs(200, n_features=5, centers=4, random_state=1)
    labels = kmeans_raw_labels(x, 4, 3)
    ref = KMeans(4, n_init=10, random_state=3).fit_predict(x.astype(np.float32))
    assert KMEANS_N_INIT == 10
    np.testing.assert_array_equal(labels, ref)
    assert labels.dtype == np.int64
    # numpy integers, images (n, h, w) and float64 give the same clusters
    np.testing.assert_array_equal(kmeans_raw_labels(x, np.int64(4), np.int32(3)), labels)
    np.testing.assert_array_equal(kmeans_raw_labels(x.reshape(200, 5, 1), 4, 3), labels)


def test_kmeans_raw_rejects_bad_cluster_counts():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="n_clusters=6 must be between 1 and the 5 samples"):
        kmeans_raw_labels(x, 6)


def test_one_name_per_method():
    assert NAMES == {"kmeans_raw": "k-means on raw data", "ae_kmeans": "autoencoder + k-means",
                     "dec": "DEC", "idec": "IDEC", "n2d": "N2D (UMAP + GMM)"}
