import threading

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from dec_core import DEC
from dec_core.callbacks import Callback, StopOnEvent
from dec_core.metrics import cluster_acc

TINY = dict(dims=[8, 32, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=5,
            max_iter=30, n_init=3, random_state=0)


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_pretrain_epoch_end(self, epoch, logs=None):
        self.events.append(("pretrain", epoch, logs["loss"]))

    def on_kmeans_end(self, logs=None):
        self.events.append(("kmeans", logs["labels"].shape, logs.get("acc")))

    def on_dec_update(self, iteration, logs=None):
        self.events.append(("dec", iteration, logs["delta_label"], logs["q"].shape))


def test_blobs_reach_perfect_accuracy(blobs):
    x, y = blobs
    dec = DEC(4, dims=[8, 64, 32, 4], pretrain_epochs=30, update_interval=10, max_iter=200,
              learning_rate=0.01, random_state=0).fit(x, y)
    assert cluster_acc(y, dec.labels_) == 1.0
    assert cluster_acc(y, dec.predict(x)) == 1.0


def test_fitted_attributes_and_shapes(blobs):
    x, y = blobs
    rec = Recorder()
    dec = DEC(4, **TINY).fit(x, y, callbacks=[rec])
    assert dec.labels_.shape == (200,)
    assert dec.cluster_centers_.shape == (4, 4)
    assert dec.transform(x).shape == (200, 4)
    q = dec.predict_proba(x)
    assert q.shape == (200, 4)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-5)
    assert 0 < dec.n_iter_ <= 30
    assert len(dec.history_["pretrain"]["loss"]) == 2
    assert {"acc", "nmi", "ari", "delta_label", "loss"} <= set(dec.history_["dec"])
    assert "acc" in dec.history_["kmeans"]
    kinds = [e[0] for e in rec.events]
    assert kinds[:3] == ["pretrain", "pretrain", "kmeans"] and kinds[3] == "dec"
    assert set(dec.timings_) == {"pretrain", "kmeans", "dec", "total"}


def test_predict_proba_matches_numpy_formula(blobs):
    x, _ = blobs
    dec = DEC(4, alpha=2.0, **TINY).fit(x)
    z = dec.transform(x)
    mu = dec.cluster_centers_
    d2 = ((z[:, None, :] - mu[None]) ** 2).sum(-1)
    q = (1 + d2 / 2.0) ** (-1.5)
    q /= q.sum(1, keepdims=True)
    np.testing.assert_allclose(dec.predict_proba(x), q, atol=1e-5)


def test_same_seed_same_labels(blobs):
    x, _ = blobs
    a = DEC(4, **TINY).fit_predict(x)
    b = DEC(4, **TINY).fit_predict(x)
    np.testing.assert_array_equal(a, b)


def test_idec_and_layerwise(blobs):
    x, y = blobs
    dec = DEC(4, pretrain="layerwise", layer_epochs=1, gamma=0.1, **TINY).fit(x, y)
    stages = set(dec.history_["pretrain"]["stage"])
    assert stages == {"layer_1", "layer_2", "layer_3", "finetune"}
    assert dec.predict(x).shape == (200,)


def test_reuse_pretrained_autoencoder(blobs):
    x, _ = blobs
    first = DEC(4, **TINY).fit(x)
    rec = Recorder()
    second = DEC(4, **{**TINY, "tol": 0.5}).fit(x, callbacks=[rec], autoencoder=first.autoencoder_)
    assert not [e for e in rec.events if e[0] == "pretrain"]
    np.testing.assert_allclose(second.kmeans_labels_.shape, (200,))


class StopAfterPretrainEpoch(Callback):
    def on_pretrain_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def test_callback_stop_keeps_a_usable_model(blobs):
    x, _ = blobs
    dec = DEC(4, **{**TINY, "pretrain_epochs": 50}).fit(x, callbacks=[StopAfterPretrainEpoch()])
    assert len(dec.history_["pretrain"]["loss"]) == 1
    assert dec.n_iter_ == 0
    assert "stop" in dec.stop_reason_
    assert dec.predict(x).shape == (200,)


def test_stop_event_from_another_thread(blobs):
    x, _ = blobs
    event = threading.Event()
    event.set()
    dec = DEC(4, **TINY).fit(x, callbacks=[StopOnEvent(event)])
    assert dec.n_iter_ == 0
    assert dec.predict_proba(x).shape == (200, 4)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        DEC(3).predict(np.zeros((4, 2), np.float32))


@pytest.mark.parametrize("params, match", [
    ({"alpha": 0}, "alpha"),
    ({"alpha": -1.0}, "alpha"),
    ({"tol": -0.1}, "tol"),
    ({"tol": 1.5}, "tol"),
    ({"update_interval": 0}, "update_interval"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"n_clusters": 0}, "n_clusters"),
])
def test_invalid_params(params, match, blobs):
    x, _ = blobs
    with pytest.raises(ValueError, match=match):
        DEC(**{"n_clusters": 4, **TINY, **params}).fit(x)


@pytest.mark.parametrize("dims, match", [
    ([9, 16, 4], r"dims\[0\]=9 does not match .* n_features=8"),
    ([8, 0, 4], r"dims\[1\]=0"),
    ([8, -16, 4], r"dims\[1\]=-16"),
    ([8, 16.5, 4], r"dims\[1\]=16.5"),
    ([8, "a", 4], r"dims\[1\]='a'"),
    ([8], "at least"),
])
def test_invalid_dims(dims, match, blobs):
    x, _ = blobs
    with pytest.raises(ValueError, match=match):
        DEC(4, **{**TINY, "dims": dims}).fit(x)


def test_fewer_samples_than_clusters():
    x = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    with pytest.raises(ValueError, match="n_samples=5 should be >= n_clusters=10"):
        DEC(10, **TINY).fit(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_rejected(bad, blobs):
    x = blobs[0].copy()
    x[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        DEC(4, **TINY).fit(x)


def test_predict_with_wrong_width(blobs):
    x, _ = blobs
    dec = DEC(4, **TINY).fit(x)
    with pytest.raises(ValueError, match="features"):
        dec.predict(x[:, :5])


def test_augment_shift_on_image_rows():
    import tensorflow as tf

    from dec_core.autoencoder import random_shift

    x = np.arange(1, 2 * 16 + 1, dtype=np.float32).reshape(2, 16)
    y = random_shift(tf.constant(x), 4, 1, tf.constant([1, 2], tf.int64)).numpy()
    for a, b in zip(x.reshape(2, 4, 4), y.reshape(2, 4, 4)):
        # a translation by at most one pixel: the 2x2 centre survives somewhere
        assert set(a[1:3, 1:3].ravel()) <= set(b.ravel())
    rng = np.random.default_rng(0)
    images = rng.random((120, 16)).astype(np.float32)
    dec = DEC(3, **{**TINY, "dims": [16, 8, 3]}, augment_shift=1).fit(images)
    assert dec.labels_.shape == (120,)


def test_augment_shift_needs_square_rows(blobs):
    x, _ = blobs  # 8 features: not a square
    with pytest.raises(ValueError, match="square"):
        DEC(4, **TINY, augment_shift=1).fit(x)
