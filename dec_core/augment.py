"""Data augmentation for image rows, inside the TensorFlow graph (DEC-DA).

DEC-DA (Guo, Zhu, Liu & Yin, ACML 2018, "Deep Embedded Clustering with Data
Augmentation") trains the autoencoder on randomly transformed images and, in
the clustering phase, trains ``q`` of a transformed sample towards the target
``p`` of the clean one. The transforms here suit small digits (8x8, 28x28):

* :func:`random_shift`: integer translations of up to ``max_shift`` pixels
  (``DEC(augment_shift=...)``), pixels shifted in are 0;
* :func:`random_affine`: small rotations, scalings and *sub-pixel* shifts with
  bilinear interpolation (``DEC(augment=strength)``). Strength 1 means
  rotations in ±10°, scales in [0.9, 1.1] and shifts of up to 10% of the
  side (0.8 px on 8x8, 2.8 px on 28x28), the ranges of the DEC-DA authors'
  ``ImageDataGenerator``; 0 is the identity. One warp per batch
  (``ImageProjectiveTransformV3``) costs far less than scipy per image.

:func:`augment_rows` applies both, as the pretraining and clustering losses do.
Augmentation moves pixels only: rows keep their order, so labels and targets
stay attached to their samples.
"""

from __future__ import annotations

import math

AFFINE_RANGES = {"rotation_deg": 10.0, "scale": 0.1, "shift_frac": 0.1}
"""What ``augment=1`` means: rotation ±10°, scale 1 ± 0.1, shift ± 10% of the side."""


def is_square_image(n_features: int) -> bool:
    """Whether rows of ``n_features`` pixels can be square images (what augmentation needs).

    >>> is_square_image(64), is_square_image(60), is_square_image(0)
    (True, False, False)
    """
    n = int(n_features)
    return n > 0 and math.isqrt(n) ** 2 == n


def image_side(n_features: int) -> int:
    """The side of a square image with ``n_features`` pixels; ValueError if none."""
    if not is_square_image(n_features):
        raise ValueError(
            f"Image augmentation (augment, augment_shift) needs square image rows "
            f"(e.g. 8x8 = 64 features); {n_features} features are not a square."
        )
    return math.isqrt(int(n_features))


def random_shift(rows, side: int, max_shift: int, seed_pair):
    """Translate each row, seen as a ``side x side`` image, by a random offset.

    Offsets are drawn uniformly in ``[-max_shift, max_shift]`` per sample and
    axis; pixels shifted in are 0. ``rows``: (B, side*side) -> same shape.
    """
    import tensorflow as tf

    k = int(max_shift)
    if k <= 0:
        return rows
    b = tf.shape(rows)[0]
    img = tf.reshape(rows, (b, side, side))
    img = tf.pad(img, [[0, 0], [k, k], [k, k]])
    off = tf.random.stateless_uniform((b, 2), seed=seed_pair + 3, minval=0, maxval=2 * k + 1,
                                      dtype=tf.int32)
    ar = tf.range(side, dtype=tf.int32)
    r_idx = off[:, :1] + ar[None, :]  # (B, side)
    c_idx = off[:, 1:] + ar[None, :]
    img = tf.gather(img, r_idx, axis=1, batch_dims=1)  # (B, side, side+2k)
    img = tf.gather(img, c_idx, axis=2, batch_dims=1)  # (B, side, side)
    return tf.reshape(img, (b, side * side))


def affine_matrices(angle, scale, tx, ty, side: int):
    """Projective-transform rows ``[a0, a1, a2, b0, b1, b2, 0, 0]`` for each sample.

    The warp rotates by ``angle`` (radians) and scales by ``scale`` about the
    image centre, then shifts by ``(tx, ty)`` pixels. The rows map *output*
    pixel ``(x, y)`` to the *input* point ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``
    (TensorFlow's convention), i.e. they hold the inverse of that warp.
    All inputs: (B,) float32 tensors -> (B, 8).
    """
    import tensorflow as tf

    c = (side - 1) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # inverse warp: p_in = R(-angle)/scale @ (p_out - c - t) + c
    ox, oy = c + tx, c + ty
    a0, a1 = cos, sin
    b0, b1 = -sin, cos
    a2 = c - a0 * ox - a1 * oy
    b2 = c - b0 * ox - b1 * oy
    zero = tf.zeros_like(angle)
    return tf.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1)


def random_affine(rows, side: int, strength: float, seed_pair):
    """Randomly rotate, scale and sub-pixel shift each row seen as a ``side x side`` image.

    Parameters
    ----------
    rows : tf.Tensor of shape (B, side*side)
    side : int
    strength : float
        0 returns ``rows`` unchanged; 1 draws, uniformly and per sample, a
        rotation in ±10°, a scale in [0.9, 1.1] and a shift in ±10% of the
        side on each axis (see :data:`AFFINE_RANGES`); ranges scale linearly.
    seed_pair : tf.Tensor of shape (2,), int64
        Stateless RNG seed (the step runners pass a fresh one per batch).

    Returns
    -------
    tf.Tensor of shape (B, side*side)
        Bilinear interpolation; points that fall outside the image are 0 (the
        background of digits).
    """
    import tensorflow as tf

    s = float(strength)
    if s <= 0:
        return rows
    b = tf.shape(rows)[0]
    u = tf.random.stateless_uniform((b, 4), seed=seed_pair + 7, minval=-1.0, maxval=1.0)
    angle = u[:, 0] * (s * AFFINE_RANGES["rotation_deg"] * math.pi / 180.0)
    scale = 1.0 + u[:, 1] * (s * AFFINE_RANGES["scale"])
    shift = s * AFFINE_RANGES["shift_frac"] * side
    m = affine_matrices(angle, scale, u[:, 2] * shift, u[:, 3] * shift, side)
    img = tf.reshape(tf.cast(rows, tf.float32), (b, side, side, 1))
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=img, transforms=m, output_shape=tf.constant([side, side], tf.int32),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")
    return tf.cast(tf.reshape(out, (b, side * side)), rows.dtype)


def augment_rows(rows, side: int, shift: int, strength: float, seed_pair):
    """Integer shift (``augment_shift``), then the affine warp (``augment``); each off at 0."""
    if shift > 0:
        rows = random_shift(rows, side, shift, seed_pair)
    if strength > 0:
        rows = random_affine(rows, side, strength, seed_pair)
    return rows
