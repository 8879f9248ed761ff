import keras
import numpy as np
import pytest

from dec_core.layers import ClusteringLayer
from dec_core.target import target_distribution


def numpy_q(z, mu, alpha):
    d2 = ((z[:, None, :] - mu[None, :, :]) ** 2).sum(-1)
    q = (1.0 + d2 / alpha) ** (-(alpha + 1.0) / 2.0)
    return q / q.sum(1, keepdims=True)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 3.0])
def test_soft_assignment_matches_numpy(alpha):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(16, 5)).astype(np.float32)
    mu = rng.normal(size=(3, 5)).astype(np.float32)
    layer = ClusteringLayer(3, alpha=alpha, initial_centers=mu)
    q = np.asarray(layer(z))
    assert q.shape == (16, 3)
    np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(q, numpy_q(z, mu, alpha), atol=1e-5)
    assert len(layer.trainable_weights) == 1
    assert layer.compute_output_shape((None, 5)) == (None, 3)


def test_target_distribution_sharpens():
    q = np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]])
    p = target_distribution(q)
    weight = q**2 / q.sum(0)
    np.testing.assert_allclose(p, weight / weight.sum(1, keepdims=True), atol=1e-6)
    assert p[0, 0] > q[0, 0] and p[1, 1] > q[1, 1]


def test_keras_file_round_trip(tmp_path):
    mu = np.eye(3, 4, dtype=np.float32)
    inp = keras.Input((4,))
    model = keras.Model(inp, ClusteringLayer(3, alpha=2.0, initial_centers=mu, name="clustering")(inp))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    layer = loaded.get_layer("clustering")
    assert layer.alpha == 2.0 and layer.n_clusters == 3
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_clusters": 0}, "n_clusters"),
    ({"n_clusters": 2, "alpha": 0}, "alpha"),
    ({"n_clusters": 2, "alpha": -1.0}, "alpha"),
    ({"n_clusters": True}, "n_clusters"),
    ({"n_clusters": 2.0}, "n_clusters"),
    ({"n_clusters": 2, "alpha": float("nan")}, "alpha"),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClusteringLayer(**kwargs)


def reference_q(z, mu, alpha):
    """The textbook formula in float64 (no underflow for the cases tested here)."""
    z, mu = np.asarray(z, np.float64), np.asarray(mu, np.float64)
    d2 = ((z[:, None, :] - mu[None, :, :]) ** 2).sum(-1)
    q = (1.0 + d2 / alpha) ** (-(alpha + 1.0) / 2.0)
    return q / q.sum(1, keepdims=True)


def test_large_alpha_and_far_points_stay_finite():
    # alpha=100 and distances of ~1e3: (1 + d^2/alpha)^(-50.5) ~ 1e-202, which
    # float32 flushes to 0, so the textbook formula gives 0/0.
    mu = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 1500.0]], np.float32)
    z = np.array([[500.0, 400.0], [900.0, 100.0], [-300.0, 1200.0], [2000.0, 2000.0]],
                 np.float32)
    q = np.asarray(ClusteringLayer(3, alpha=100.0, initial_centers=mu)(z))
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(q, reference_q(z, mu, 100.0), atol=1e-5)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.5, 1.0, 5.0, 20.0, 50.0, 100.0])
def test_whole_alpha_range_on_scaled_data(alpha):
    # Embeddings of standardised data after pretraining: spread over tens of units.
    rng = np.random.default_rng(3)
    mu = rng.normal(scale=20.0, size=(10, 10)).astype(np.float32)
    z = (mu[rng.integers(0, 10, 256)] + rng.normal(scale=8.0, size=(256, 10))).astype(np.float32)
    q = np.asarray(ClusteringLayer(10, alpha=alpha, initial_centers=mu)(z))
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(q, reference_q(z, mu, alpha), atol=1e-5)


def test_numpy_integer_arguments():
    layer = ClusteringLayer(np.int64(3), alpha=np.float32(2.0))
    assert layer.n_clusters == 3 and isinstance(layer.n_clusters, int)
    assert isinstance(layer.alpha, float)
    assert np.asarray(layer(np.zeros((2, 4), np.float32))).shape == (2, 3)
    assert layer.get_config()["n_clusters"] == 3
