"""The DEC clustering layer: a Student's t soft assignment to learned centroids."""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="dec_core")
class ClusteringLayer(keras.layers.Layer):
    """Soft assignment of embeddings to ``n_clusters`` learned centroids.

    For an embedding ``z_i`` and centroid ``mu_j``::

        q_ij = (1 + |z_i - mu_j|^2 / alpha) ** (-(alpha + 1) / 2)
        q_ij = q_ij / sum_j' q_ij'

    the kernel of a Student's t distribution with ``alpha`` degrees of
    freedom (Xie, Girshick & Farhadi, 2016, eq. 1). It is computed in log
    space, ``log q_ij = -(alpha + 1) / 2 * log1p(|z_i - mu_j|^2 / alpha)``
    followed by a softmax over ``j``, so a large ``alpha`` or far points do
    not underflow to ``0 / 0`` in float32.

    Parameters
    ----------
    n_clusters : int
        Number of centroids, at least 1 (a Python or NumPy integer).
    alpha : float, default=1.0
        Degrees of freedom of the Student's t kernel, > 0.
    initial_centers : array-like of shape (n_clusters, embedding_dim), optional
        Starting centroids (k-means centres); random normal otherwise.
        Not serialised: the trained centroids are the layer's weights.
    **kwargs
        Standard layer arguments (``name``, ``dtype``...).

    Input shape: ``(batch, embedding_dim)``. Output shape: ``(batch, n_clusters)``,
    rows summing to 1.
    """

    def __init__(self, n_clusters: int, alpha: float = 1.0, initial_centers=None, **kwargs):
        super().__init__(**kwargs)
        if (not isinstance(n_clusters, numbers.Integral) or isinstance(n_clusters, (bool, np.bool_))
                or n_clusters < 1):
            raise ValueError(
                "Received an invalid value for `n_clusters`, expected a positive integer. "
                f"Received: n_clusters={n_clusters!r}"
            )
        if (not isinstance(alpha, numbers.Real) or isinstance(alpha, (bool, np.bool_))
                or not np.isfinite(alpha) or not alpha > 0):
            raise ValueError(
                f"Received an invalid value for `alpha`, expected a number > 0. Received: alpha={alpha!r}"
            )
        self.n_clusters = int(n_clusters)
        self.alpha = float(alpha)
        self.initial_centers = initial_centers

    def build(self, input_shape):
        dim = input_shape[-1]
        if self.initial_centers is not None:
            init = keras.initializers.Constant(ops.convert_to_numpy(self.initial_centers))
        else:
            init = keras.initializers.RandomNormal(stddev=1.0)
        self.clusters = self.add_weight(
            name="clusters", shape=(self.n_clusters, dim), initializer=init, trainable=True
        )
        self.initial_centers = None  # the weights own the centroids from here on

    def call(self, inputs):
        # inputs: (B, e); clusters: (k, e) -> squared distances (B, k)
        diff = ops.expand_dims(inputs, 1) - ops.expand_dims(self.clusters, 0)
        dist2 = ops.sum(ops.square(diff), axis=-1)
        # log of the unnormalised kernel, then a softmax: stable for any alpha
        logits = -(self.alpha + 1.0) / 2.0 * ops.log1p(dist2 / self.alpha)
        return ops.softmax(logits, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_clusters)

    def get_config(self):
        base_config = super().get_config()
        config = {"n_clusters": self.n_clusters, "alpha": self.alpha}
        return {**base_config, **config}
