"""cluster_centers_ at every update, the saved ``centroids`` array, inverse_transform."""

import numpy as np
import pytest

from dec_core import DEC
from dec_core.callbacks import Callback, CentroidHistory
from dec_core.runs import load_run, save_run

TINY = dict(dims=[8, 32, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=5,
            max_iter=30, n_init=3, random_state=0)


class Seen(Callback):
    """The centers each update was given, and the centroid layer's weights at that moment."""

    def __init__(self):
        super().__init__()
        self.given, self.layer, self.kmeans = [], [], None

    def on_kmeans_end(self, logs=None):
        self.kmeans = np.array(logs["centers"])

    def on_dec_update(self, update, logs=None):
        self.given.append(np.array(logs["centers"]))
        self.layer.append(self.model.clustering_layer_.get_weights()[0].copy())


def test_every_update_passes_its_centroids_and_the_last_is_cluster_centers(blobs, tmp_path):
    x, y = blobs
    seen, trail = Seen(), CentroidHistory()
    dec = DEC(4, **TINY).fit(x, y, callbacks=[seen, trail])
    n_updates = len(dec.history_["dec"]["update"])
    assert len(seen.given) == n_updates >= 2
    np.testing.assert_array_equal(seen.given[0], seen.kmeans)  # update 0: the k-means start
    for given, weights in zip(seen.given, seen.layer):
        np.testing.assert_array_equal(given, weights)
    assert not np.allclose(seen.given[0], seen.given[-1])  # DEC moved them
    centroids = trail.array()
    assert centroids.shape == (n_updates, 4, 4) and centroids.dtype == np.float32
    np.testing.assert_array_equal(centroids[-1], dec.cluster_centers_)
    run = load_run(save_run(tmp_path / "run", dec, x, y, arrays={"centroids": centroids}))
    np.testing.assert_array_equal(run.arrays["centroids"], centroids)
    np.testing.assert_array_equal(run.estimator.cluster_centers_, run.arrays["centroids"][-1])


def test_inverse_transform_is_the_pretrained_decoder(blobs, tmp_path):
    x, y = blobs
    dec = DEC(4, **TINY).fit(x)
    protos = dec.inverse_transform(dec.cluster_centers_)
    assert protos.shape == (4, 8) and protos.dtype == np.float32
    # the decoder half of the autoencoder: x -> x_hat equals decode(encode(x))
    np.testing.assert_allclose(dec.inverse_transform(dec.transform(x[:10])),
                               dec.autoencoder_.predict(x[:10], verbose=0), rtol=1e-4, atol=1e-5)
    # a loaded run decodes the same
    run = load_run(save_run(tmp_path / "run", dec, x))
    np.testing.assert_allclose(run.estimator.inverse_transform(dec.cluster_centers_), protos,
                               rtol=1e-5, atol=1e-6)
    assert dec.inverse_transform(np.zeros((0, 4))).shape == (0, 8)
    with pytest.raises(ValueError, match="embedding has 4 dimensions"):
        dec.inverse_transform(np.zeros((2, 3)))


def test_dec_does_not_train_the_decoder(blobs):
    x, _ = blobs
    ae = DEC(4, **{**TINY, "max_iter": 0}).fit(x).autoencoder_
    dec = DEC(4, **TINY).fit(x, autoencoder=ae)
    z = dec.cluster_centers_
    np.testing.assert_allclose(dec.inverse_transform(z),
                               DEC(4, **{**TINY, "max_iter": 0}).fit(x, autoencoder=ae)
                               .inverse_transform(z), rtol=1e-5, atol=1e-6)


def test_inverse_transform_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DEC(2).inverse_transform(np.zeros((1, 10)))
