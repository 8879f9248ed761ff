"""DEC-DA's augmentation (dec_core.augment): identity at zero, moves pixels, keeps labels."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from dec_core import DEC
from dec_core.augment import affine_matrices, augment_rows, image_side, random_affine

SEED = tf.constant([3, 4], tf.int64)


def _warp(img, angle=0.0, scale=1.0, tx=0.0, ty=0.0):
    side = img.shape[-1]
    f = lambda v: tf.constant([v], tf.float32)  # noqa: E731
    m = affine_matrices(f(angle), f(scale), f(tx), f(ty), side)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.constant(img[None, :, :, None], tf.float32), transforms=m,
        output_shape=tf.constant([side, side]), fill_value=0.0, interpolation="BILINEAR",
        fill_mode="CONSTANT")
    return out.numpy()[0, :, :, 0]


def test_zero_strength_is_the_identity():
    rows = tf.random.uniform((5, 64), seed=1)
    assert random_affine(rows, 8, 0.0, SEED) is rows
    assert augment_rows(rows, 8, 0, 0.0, SEED) is rows
    # and the warp's matrix at zero parameters reproduces the image exactly
    img = np.random.default_rng(0).random((8, 8)).astype(np.float32)
    np.testing.assert_allclose(_warp(img), img, atol=1e-6)


def test_matrix_convention_shift_rotate_scale():
    img = np.zeros((7, 7), np.float32)
    img[3, 4] = 1.0  # one pixel right of the centre (row 3, column 4)
    moved = _warp(img, tx=1.0)  # +1 px along x (columns)
    assert moved[3, 5] == pytest.approx(1.0) and moved.sum() == pytest.approx(1.0)
    half = _warp(img, tx=0.5)  # sub-pixel: bilinear splits the mass between two columns
    assert half[3, 4] == pytest.approx(0.5) and half[3, 5] == pytest.approx(0.5)
    rot = _warp(img, angle=np.pi / 2)  # a quarter turn about the centre (y points down)
    assert rot[4, 3] == pytest.approx(1.0)
    big = _warp(img, scale=2.0)  # scaled about the centre: the point moves twice as far out
    assert big[3, 5] == pytest.approx(1.0)


def test_augmentation_changes_inputs_but_not_labels():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)[:600]
    y = digits.target[:600]
    out = random_affine(tf.constant(x), 8, 1.0, SEED).numpy()
    assert out.shape == x.shape and np.isfinite(out).all()
    change = np.abs(out - x).mean(axis=1)
    assert (change > 1e-3).mean() > 0.95  # (almost) every image moved
    # Rows keep their order and stay their digit: the nearest *other* clean image of an
    # augmented one mostly has its label (clean set: 0.99; on 8x8 strength 1, a 0.8 px
    # shift with a 10 degree turn, is a strong change: 0.83, still far from chance 0.1).
    def nn_label_agreement(queries):
        d = ((queries[:, None, :] - x[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        return float(np.mean(y[d.argmin(1)] == y))
    assert nn_label_agreement(x) > 0.97
    assert nn_label_agreement(random_affine(tf.constant(x), 8, 0.5, SEED).numpy()) > 0.93
    assert nn_label_agreement(out) > 0.75
    # its own clean image is far closer than a random other one
    own = ((out - x) ** 2).sum(1)
    other = ((out - np.roll(x, 1, axis=0)) ** 2).sum(1)
    assert np.median(own) < 0.5 * np.median(other)
    # larger strength, larger change; the same seed gives the same draw
    weak = random_affine(tf.constant(x), 8, 0.3, SEED).numpy()
    assert np.abs(weak - x).mean() < change.mean()
    np.testing.assert_array_equal(random_affine(tf.constant(x), 8, 1.0, SEED).numpy(), out)


def test_dec_trains_with_augmentation_and_refuses_non_square_rows():
    rng = np.random.default_rng(0)
    images = rng.random((120, 16)).astype(np.float32)
    tiny = dict(dims=[16, 8, 3], pretrain_epochs=2, batch_size=32, update_interval=5,
                max_iter=20, n_init=2, random_state=0)
    dec = DEC(3, **tiny, augment=1.0).fit(images)
    assert dec.labels_.shape == (120,)
    assert image_side(16) == 4
    with pytest.raises(ValueError, match="square"):
        DEC(3, **{**tiny, "dims": [15, 8, 3]}, augment=0.5).fit(images[:, :15])
    with pytest.raises(ValueError, match="augment"):
        DEC(3, augment=-1.0).fit(images)
