"""dec_core.kmeans: scikit-learn's k-means, single-threaded on small data."""

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

from dec_core import kmeans


def _openmp_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"]


def test_fit_kmeans_is_scikit_learns_kmeans():
    x = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    ours = kmeans.fit_kmeans(x, 5, n_init=4, random_state=3)
    ref = KMeans(5, n_init=4, random_state=3).fit(x)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-5)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)


def test_small_data_runs_on_one_openmp_thread_and_large_on_the_default(monkeypatch):
    seen = []
    fit = KMeans.fit

    def spy(self, x, *args, **kwargs):
        seen.append(_openmp_threads())
        return fit(self, x, *args, **kwargs)

    monkeypatch.setattr(KMeans, "fit", spy)
    x = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    kmeans.fit_kmeans(x, 3, n_init=1, random_state=0)
    monkeypatch.setattr(kmeans, "SINGLE_THREAD_ROWS", 100)  # now 200 rows count as large
    kmeans.fit_kmeans(x, 3, n_init=1, random_state=0)
    assert seen[0] and all(n == 1 for n in seen[0])
    assert seen[1] == _openmp_threads()  # the process's own setting, untouched
