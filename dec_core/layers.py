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


def target_distribution(q, power: float = 2.0, normalize_frequency: bool = True):
    """DEC's sharpened target ``p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j')``.

    ``f_j = sum_i q_ij`` is the soft size of cluster ``j``; dividing by it keeps
    large clusters from swallowing the small ones. Both ingredients can be
    changed, to show what each one does::

        p_ij = (q_ij^power / f_j^s) / sum_j' (q_ij'^power / f_j'^s),   s = 1 if normalize_frequency else 0

    Computed in log space (``power * log q - s * log f``, then a softmax over
    ``j``), so a large ``power`` does not underflow to ``0 / 0``.

    Parameters
    ----------
    q : ndarray of shape (n_samples, n_clusters)
        Soft assignments, rows summing to 1.
    power : float, default=2.0
        The exponent on ``q`` (the paper's square). Above 1 sharpens, 1 keeps
        ``q`` (so without the ``f_j`` division P equals Q), below 1 flattens.
    normalize_frequency : bool, default=True
        Divide by the soft cluster size ``f_j`` (the paper). Without it the
        target favours the large clusters, which then grow.

    Returns
    -------
    p : ndarray of shape (n_samples, n_clusters)
    """
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logits = float(power) * np.log(q)  # (n, k); log 0 = -inf gives p = 0
        if normalize_frequency:
            logits = logits - np.log(np.maximum(q.sum(axis=0), 1e-12))
    logits -= logits.max(axis=1, keepdims=True)
    weight = np.exp(logits)
    return (weight / weight.sum(axis=1, keepdims=True)).astype(np.float32)
