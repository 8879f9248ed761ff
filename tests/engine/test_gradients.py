"""dec_core.gradients: DEC's q and dKL/dz_i in NumPy, against TensorFlow's autodiff."""

import numpy as np
import pytest
import tensorflow as tf

from dec_core.gradients import embedding_gradient, gradient_norms, share_by_confidence, soft_assign
from dec_core.layers import ClusteringLayer
from dec_core.target import target_distribution


@pytest.mark.parametrize("alpha", [0.5, 1.0, 10.0])
def test_embedding_gradient_equals_gradient_tape(alpha):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(40, 5)).astype(np.float32)
    mu = rng.normal(size=(4, 5)).astype(np.float32) * 2
    layer = ClusteringLayer(4, alpha=alpha, initial_centers=mu)
    q = layer(z).numpy()
    np.testing.assert_allclose(soft_assign(z, mu, alpha), q, rtol=1e-4, atol=1e-6)
    p = tf.constant(target_distribution(q))  # held fixed, as between two DEC updates
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        qt = layer(zt)
        loss = tf.reduce_sum(p * tf.math.log(p / qt))  # sum_i KL(p_i || q_i)
    want = tape.gradient(loss, zt).numpy()
    got = embedding_gradient(z, mu, p.numpy(), alpha)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(gradient_norms(z, mu, p.numpy(), alpha),
                               np.linalg.norm(want, axis=1), rtol=1e-3, atol=1e-5)


def test_a_point_whose_target_equals_q_feels_no_pull():
    z = np.array([[0.3, -1.0]])
    mu = np.array([[0.0, 0.0], [2.0, 1.0]])
    q = soft_assign(z, mu)
    np.testing.assert_allclose(embedding_gradient(z, mu, q), 0.0, atol=1e-12)


def test_share_by_confidence_splits_the_total():
    norms = np.array([1.0, 1.0, 2.0, 4.0])
    conf = np.array([0.1, 0.45, 0.5, 1.0])
    grad, count = share_by_confidence(norms, conf, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(grad, [2 / 8, 6 / 8])  # 0.5 opens the second bin; 1.0 closes it
    np.testing.assert_allclose(count, [0.5, 0.5])
    grad, count = share_by_confidence(np.zeros(2), np.array([0.2, 0.9]), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(grad, 0.0)
