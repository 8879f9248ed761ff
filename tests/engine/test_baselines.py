"""The one definition of the baselines (dec_core.baselines)."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from dec_core.baselines import KMEANS_N_INIT, NAMES, import_umap, kmeans_raw_labels


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


def test_cluster_means_are_the_member_means():
    from dec_core.baselines import cluster_means

    z = np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 0.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1, 2])
    np.testing.assert_allclose(cluster_means(z, labels, 3), [[1, 1], [10, 0], [5, 5]])
    # an empty cluster takes a data point (the one farthest from its own cluster's mean)
    centers = cluster_means(z, np.array([0, 0, 0, 0]), 2)
    np.testing.assert_allclose(centers[0], z.mean(0))
    assert any(np.allclose(centers[1], row) for row in z)


def test_manifold_start_centroids_are_the_n2d_cluster_means_in_z():
    from dec_core.baselines import manifold_start, n2d_labels

    z, y = make_blobs(150, n_features=6, centers=3, cluster_std=0.4, random_state=2)
    centers, labels = manifold_start(z, 3, seed=0)
    np.testing.assert_array_equal(labels, n2d_labels(z, 3, 0))  # N2D's clusters, one definition
    assert centers.shape == (3, 6) and centers.dtype == np.float32
    for j in range(3):
        np.testing.assert_allclose(centers[j], z[labels == j].mean(axis=0), rtol=1e-5)


def test_dec_manifold_start_places_centroids_at_cluster_means_of_the_embedding(blobs):
    from dec_core import DEC
    from dec_core.callbacks import Callback

    class Start(Callback):
        def on_kmeans_end(self, logs=None):
            self.logs = logs

    x, y = blobs
    start = Start()
    dec = DEC(4, dims=[8, 16, 4], pretrain_epochs=3, batch_size=64, update_interval=5,
              max_iter=10, random_state=0, centroid_init="manifold").fit(x, y, callbacks=[start])
    z, labels, centers = (start.logs[k] for k in ("embedding", "labels", "centers"))
    np.testing.assert_array_equal(labels, dec.kmeans_labels_)
    for j in range(4):
        np.testing.assert_allclose(centers[j], z[labels == j].mean(axis=0), rtol=1e-4, atol=1e-5)


def test_start_target_updates_train_towards_the_start_clusters(blobs):
    from dec_core import DEC
    from dec_core.callbacks import Callback

    class Targets(Callback):
        def __init__(self):
            super().__init__()
            self.p = []

        def on_dec_update(self, update, logs=None):
            self.p.append(np.asarray(logs["p"]))

    x, y = blobs
    rec = Targets()
    dec = DEC(4, dims=[8, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=3,
              max_iter=30, tol=0.5, random_state=0, start_target_updates=3).fit(
        x, y, callbacks=[rec])
    onehot = np.eye(4)[dec.kmeans_labels_]
    for p in rec.p[:3]:  # the start's clusters are the target, and tol waits for them
        np.testing.assert_array_equal(p, onehot)
    assert len(rec.p) >= 4
    assert not np.array_equal(rec.p[3], onehot)  # then the sharpened Q, as in the paper


def test_umap_comes_without_tensorflow_and_keeps_its_compiled_code():
    """umap's own ``import`` pulls in TensorFlow and Keras (for ParametricUMAP); in the app's
    server Keras in ``sys.modules`` makes Streamlit clear its session after every script run.
    umap's numba code is compiled once and kept on disk: a later process loads it."""
    import subprocess
    import sys

    code = ("import sys\n"
            "import numpy as np\n"
            "from dec_core.baselines import import_umap\n"
            "umap = import_umap()\n"
            "assert 'umap.parametric_umap' not in sys.modules\n"
            "from umap.distances import euclidean\n"
            "from umap.layouts import _nb_optimize_layout_euclidean_single_epoch as epoch\n"
            "assert type(epoch._cache).__name__ == 'NullCache'  # two variants, one cache key\n"
            "d = euclidean(np.ones(3, np.float32), np.zeros(3, np.float32))\n"
            "hits, misses = sum(euclidean.stats.cache_hits.values()), "
            "sum(euclidean.stats.cache_misses.values())\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules, hits, misses, d)\n")
    # here first (this process may have TensorFlow): compiled, or loaded from an earlier run
    import_umap()
    from umap.distances import euclidean

    euclidean(np.ones(3, np.float32), np.zeros(3, np.float32))
    assert type(euclidean._cache).__name__ == "FunctionCache"
    # numba's own place for the cache (a NUMBA_CACHE_DIR of its own would make pynndescent
    # recompile what it compiles on import: 13 s)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False", "1", "0", repr(3 ** 0.5)]  # loaded


def test_every_umap_import_goes_through_import_umap():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    direct = []
    for path in [root / "app.py", *root.glob("pages/*.py"), *root.glob("explorer/**/*.py"),
                 *root.glob("dec_core/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "umap" or n.startswith("umap.") for n in names):
                direct.append(f"{path.relative_to(root)}:{node.lineno}")
    assert len(direct) == 1 and direct[0].startswith("dec_core/baselines.py:"), direct


def test_one_process_at_a_time_compiles_umap_for_an_install():
    """While one process holds the compile lock, another's import of umap waits for it
    (and one held too long is given up on)."""
    import subprocess
    import sys
    import time

    pytest.importorskip("fcntl")
    from dec_core.baselines import _compile_lock

    code = ("import time\n"
            "from dec_core.baselines import _compile_lock\n"
            "with _compile_lock(timeout=0.3) as held:\n"
            "    print('short', held, flush=True)\n"
            "with _compile_lock() as held:\n"
            "    print('long', held, time.time(), flush=True)\n")
    with _compile_lock() as held:
        assert held
        other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert other.stdout.readline().split() == ["short", "False"]  # gave up, went on
        time.sleep(0.5)  # now it waits in the second one
        released = time.time()
    out, _ = other.communicate(timeout=60)
    word, held, when = out.split()
    assert other.returncode == 0 and (word, held) == ("long", "True") and float(when) >= released


def test_an_import_that_compiled_umap_also_compiles_a_first_fit(monkeypatch):
    """A fresh install's first import compiles (> COLD_IMPORT_CPU_S): it runs compile_umap
    before it lets the processes behind it in; an import from numba's cache does not."""
    from dec_core import baselines

    calls = []
    monkeypatch.setattr(baselines, "compile_umap", lambda umap: calls.append(umap))
    for threshold, expected in ((1e9, 0), (-1.0, 1)):  # from the cache; as if it compiled
        monkeypatch.setattr(baselines, "_UMAP_READY", False)
        monkeypatch.setattr(baselines, "COLD_IMPORT_CPU_S", threshold)
        umap = baselines.import_umap()
        assert len(calls) == expected and baselines._UMAP_READY
    assert calls == [umap]
    baselines.import_umap()  # ready now: nothing more
    assert len(calls) == 1


def test_a_failed_head_start_compile_still_gives_umap(monkeypatch):
    from dec_core import baselines

    def fail(umap):
        raise RuntimeError("numba says no")

    monkeypatch.setattr(baselines, "compile_umap", fail)
    monkeypatch.setattr(baselines, "_UMAP_READY", False)
    monkeypatch.setattr(baselines, "COLD_IMPORT_CPU_S", -1.0)
    with pytest.warns(UserWarning, match="compiling UMAP ahead of time failed: numba says no"):
        umap = baselines.import_umap()
    assert umap.__name__ == "umap" and baselines._UMAP_READY
