"""Checkpoints (dec_core.checkpoint): a fit interrupted and resumed ends as an uninterrupted one.

Identical labels, not "close": the checkpoint holds every weight, the
optimizer's variables, the counters and the random state (batch generator,
its unused permutation tail, the stateless noise counter, dropout seeds), and
TensorFlow's CPU kernels repeat their arithmetic exactly in one process.
"""

import numpy as np
import pytest

from dec_core import DEC
from dec_core.callbacks import Callback
from dec_core.checkpoint import Checkpointer, Interrupted, describe, position, read


class InterruptAt(Callback):
    """Requests an interrupt after a given pretraining epoch or DEC update."""

    def __init__(self, epoch=None, update=None):
        super().__init__()
        self.epoch, self.update, self.flag = epoch, update, False
        self.resumed = None

    def on_pretrain_epoch_end(self, epoch, logs=None):
        seen = len(self.model.history_["pretrain"]["loss"])
        self.flag = self.flag or (self.epoch is not None and seen >= self.epoch)

    def on_dec_update(self, update, logs=None):
        self.flag = self.flag or (self.update is not None and update >= self.update)

    def on_resume(self, logs=None):
        self.resumed = logs


def make(**kw):
    params = dict(dims=[8, 16, 4], pretrain_epochs=6, pretrain_batch_size=32,
                  pretrain_noise=0.1, max_iter=120, update_interval=10, tol=0.0,
                  batch_size=32, n_init=2, random_state=3)
    params.update(kw)
    return DEC(4, **params)


def interrupted_then_resumed(blobs, tmp_path, stop, **kw):
    x, y = blobs
    path = tmp_path / "ck.npz"
    flag = InterruptAt(**stop)
    ck = Checkpointer(path, every=None, every_s=None, interrupt=lambda: flag.flag)
    with pytest.raises(Interrupted) as info:
        make(**kw).fit(x, y, callbacks=[flag], checkpoint=ck)
    assert path.is_file() and ck.saves == 1
    resumed_cb = InterruptAt()
    est = make(**kw).fit(x, y, callbacks=[resumed_cb],
                         checkpoint=Checkpointer(path, every_s=None, resume=True))
    return est, info.value.position, resumed_cb.resumed


@pytest.mark.parametrize("kw", [{}, {"pretrain": "layerwise", "layer_epochs": 2,
                                     "method": "idec", "optimizer": "adam",
                                     "learning_rate": 1e-3}],
                         ids=["dec", "layerwise-idec"])
def test_resumed_fit_gives_the_same_model(tmp_path, kw):
    """Same labels, centroids and DEC loss, on overlapping blobs where DEC moves points
    after k-means (on separated blobs k-means settles the labels alone)."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=240, n_features=8, centers=4, cluster_std=3.0,
                      center_box=(-6, 6), random_state=1)
    data = x.astype(np.float32), y.astype(np.int64)
    plain = make(**kw).fit(*data)
    assert (plain.labels_ != plain.kmeans_labels_).any()  # self-training changed clusters
    assert max(plain.history_["dec"]["delta_label"][1:]) > 0
    for stop in ({"epoch": 4 if not kw else 5}, {"update": 3}):
        est, pos, resumed = interrupted_then_resumed(data, tmp_path, stop, **kw)
        if "epoch" in stop:
            assert pos["phase"] == "pretrain" and pos["epoch_total"] == stop["epoch"]
        else:
            assert pos == {"phase": "dec", "update": 3, "iteration": 30, "max_iter": 120}
        assert resumed["position"] == pos
        np.testing.assert_array_equal(est.labels_, plain.labels_)
        np.testing.assert_array_equal(est.kmeans_labels_, plain.kmeans_labels_)
        assert est.n_iter_ == plain.n_iter_
        np.testing.assert_allclose(est.history_["pretrain"]["loss"],
                                   plain.history_["pretrain"]["loss"], rtol=0, atol=0)
        np.testing.assert_array_equal(est.history_["dec"]["delta_label"],
                                      plain.history_["dec"]["delta_label"])
        np.testing.assert_array_equal(est.cluster_centers_, plain.cluster_centers_)
        for key in ("loss", "kl", "reconstruction"):  # the DEC loss, interval by interval
            if key in plain.history_["dec"]:
                np.testing.assert_array_equal(est.history_["dec"][key],
                                              plain.history_["dec"][key])
        (tmp_path / "ck.npz").unlink()


def test_periodic_checkpoints_and_their_position(blobs, tmp_path):
    x, y = blobs
    ck = Checkpointer(tmp_path / "ck.npz", every=2, every_s=None)
    make().fit(x, y, checkpoint=ck)
    # 6 epochs + 13 updates (0..12; the last ends at max_iter before its interval)
    assert ck.saves == (6 + 12) // 2
    pos = position(tmp_path / "ck.npz")
    assert pos["phase"] == "dec" and describe(pos) == f"DEC update {pos['update']}"
    meta, arrays = read(tmp_path / "ck.npz")
    assert "target" in arrays and not any(a.dtype == object for a in arrays.values())
    assert describe({"phase": "pretrain", "epoch_total": 57, "epochs_total": 200}) == \
        "pretraining epoch 57 of 200"


def test_a_checkpoint_of_other_settings_is_refused(blobs, tmp_path):
    x, y = blobs
    path = tmp_path / "ck.npz"
    make().fit(x, y, checkpoint=Checkpointer(path, every=1, every_s=None))
    with pytest.raises(ValueError, match="other settings"):
        make(alpha=2.0).fit(x, y, checkpoint=Checkpointer(path, resume=True))
