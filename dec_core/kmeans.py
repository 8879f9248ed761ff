"""k-means for DEC's start and the baselines, on as many threads as the data size repays.

scikit-learn's Lloyd iterations run on OpenMP threads that meet at a barrier after
every pass over the data. On small data (digits' embedding: 1,797 x 10) a pass takes
well under a millisecond, and on a 2-core laptop where the browser, the Streamlit
server or a second job also wants a core, a thread waiting at the barrier for a
descheduled partner waits out a whole time slice. Measured on the project's 2-core
machine under load: ``KMeans(10, n_init=20)`` on digits' embedding took 1.0-10.2 s on
two threads and 0.14-0.17 s on one. Below :data:`SINGLE_THREAD_ROWS` rows k-means
therefore runs on one thread; above it a pass is long enough for threads to pay.
"""

from __future__ import annotations

import numpy as np

SINGLE_THREAD_ROWS = 50_000
"""Below this many rows k-means runs on one thread (see the module docstring)."""


def fit_kmeans(x: np.ndarray, n_clusters: int, *, n_init: int, random_state: int | None):
    """Fit scikit-learn's ``KMeans`` (Lloyd, ``n_init`` restarts, the lowest inertia wins).

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
    n_clusters : int
    n_init : int
        Restarts from k-means++ seeds.
    random_state : int or None

    Returns
    -------
    sklearn.cluster.KMeans
        Fitted: ``cluster_centers_`` (n_clusters, n_features), ``labels_`` (n_samples,).
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    km = KMeans(n_clusters=int(n_clusters), n_init=int(n_init), random_state=random_state)
    if len(x) < SINGLE_THREAD_ROWS:
        with threadpool_limits(limits=1, user_api="openmp"):
            return km.fit(x)
    return km.fit(x)
