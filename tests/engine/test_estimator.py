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

    def on_dec_update(self, update, logs=None):
        self.events.append(("dec", update, logs["delta_label"], logs["q"].shape))


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
    dec = DEC(4, pretrain="layerwise", layer_epochs=1, method="idec", **TINY).fit(x, y)
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
    ({"update_budget": 0}, "update_budget"),
    ({"update_budget": -100}, "raise update_interval instead"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"n_clusters": 0}, "n_clusters"),
    ({"method": "both"}, "method"),
    ({"gamma": 0.0}, "gamma"),
    ({"gamma": -0.1}, "gamma"),
    ({"learning_rate": np.nan}, "learning_rate"),
    ({"batch_size": 64.0}, "batch_size"),
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

    from dec_core.augment import random_shift

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


# ---------------------------------------------------------------- IDEC
class DecoderAtInit(Callback):
    """Keeps a copy of the decoder's weights as they were after pretraining."""

    def on_kmeans_end(self, logs=None):
        self.weights = [w.copy() for w in self.model.autoencoder_.get_weights()]


def test_defaults_are_dec_and_the_papers_gamma():
    params = DEC().get_params()
    assert params["method"] == "dec" and params["gamma"] == 0.1


def test_idec_minimises_reconstruction_plus_gamma_kl(blobs):
    x, y = blobs
    at_init = DecoderAtInit()
    dec = DEC(4, method="idec", gamma=0.5, **TINY).fit(x, y, callbacks=[at_init])
    hist = dec.history_["dec"]
    assert len(hist["loss"]) > 1
    loss, kl, rec = (np.array(hist[k][1:]) for k in ("loss", "kl", "reconstruction"))
    assert np.all(kl > 0) and np.all(rec > 0)
    # L = L_r + gamma * KL (Guo et al. 2017), not KL + gamma * L_r
    np.testing.assert_allclose(loss, rec + 0.5 * kl, rtol=1e-4)
    assert np.isnan(hist["kl"][0]) and np.isnan(hist["reconstruction"][0])
    # IDEC trains the decoder too
    changed = [not np.array_equal(a, b)
               for a, b in zip(at_init.weights, dec.autoencoder_.get_weights())]
    assert all(changed)


def test_dec_leaves_the_decoder_alone_and_logs_kl(blobs):
    x, _ = blobs
    at_init = DecoderAtInit()
    dec = DEC(4, **TINY).fit(x, callbacks=[at_init])
    hist = dec.history_["dec"]
    assert "reconstruction" not in hist
    np.testing.assert_array_equal(hist["kl"][1:], hist["loss"][1:])
    n_enc = len(dec.encoder_.get_weights())
    for a, b in zip(at_init.weights[n_enc:], dec.autoencoder_.get_weights()[n_enc:]):
        np.testing.assert_array_equal(a, b)


class UpdateLogs(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_dec_update(self, update, logs=None):
        self.calls.append((update, logs))


def test_on_dec_update_gets_the_update_number_and_the_terms(blobs):
    x, _ = blobs
    rec = UpdateLogs()
    DEC(4, method="idec", **{**TINY, "tol": 0.0}).fit(x, callbacks=[rec])
    assert [u for u, _ in rec.calls] == list(range(len(rec.calls)))
    for update, logs in rec.calls:
        assert logs["update"] == update
        assert logs["iteration"] == update * TINY["update_interval"]  # batches so far
        assert {"loss", "kl", "reconstruction"} <= set(logs)


def test_update_budget_widens_the_interval_only_where_it_bites(blobs):
    x, _ = blobs  # 200 rows
    # 200 rows x 30 batches / 5 = 1,200 rows of updates: a budget of 600 widens 5 to 10
    rec = UpdateLogs()
    dec = DEC(4, **{**TINY, "tol": 0.0, "update_budget": 600}).fit(x, callbacks=[rec])
    assert dec.update_interval_ == 10 and dec.n_iter_ == 30
    assert [logs["iteration"] for _, logs in rec.calls] == [0, 10, 20, 30]
    # a budget that does not bite changes nothing
    free = DEC(4, **{**TINY, "tol": 0.0, "update_budget": 1200}).fit(x)
    plain = DEC(4, **{**TINY, "tol": 0.0}).fit(x)
    assert free.update_interval_ == plain.update_interval_ == TINY["update_interval"]
    assert free.history_["dec"]["iteration"] == plain.history_["dec"]["iteration"]
    np.testing.assert_array_equal(free.labels_, plain.labels_)


def test_progress_text_shows_updates_and_real_batch_counts(blobs):
    import io

    from dec_core.callbacks import ProgressLogger

    x, _ = blobs
    out = io.StringIO()
    DEC(4, method="idec", **{**TINY, "tol": 0.0}).fit(x, callbacks=[ProgressLogger(out)])
    lines = [line for line in out.getvalue().splitlines() if line.startswith("[dec] update")]
    assert lines[0].startswith("[dec] update 0 · batch 0/30 ")
    assert lines[2].startswith("[dec] update 2 · batch 10/30 ")
    assert "kl=" in lines[2] and "reconstruction=" in lines[2]


# ---------------------------------------------------------------- divergence
def three_blobs():
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=300, n_features=4, centers=3, random_state=0)
    return x.astype(np.float32), y


@pytest.mark.parametrize("params", [
    {"method": "idec", "learning_rate": 50.0},   # the reproduction (as IDEC)
    {"method": "dec", "learning_rate": 1e12},
])
def test_a_diverging_fit_keeps_its_last_finite_state(params):
    from dec_core.estimator import DivergenceWarning

    x, y = three_blobs()
    with pytest.warns(DivergenceWarning, match="learning_rate"):
        dec = DEC(n_clusters=3, dims=[4, 16, 2], pretrain_epochs=2, random_state=0,
                  **params).fit(x, y)
    assert dec.diverged_
    assert dec.stop_reason_.startswith("diverged:")
    assert f"lower learning_rate (now {params['learning_rate']:g})" in dec.stop_reason_
    assert np.all(np.isfinite(dec.cluster_centers_))
    q = dec.predict_proba(x)
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(dec.labels_, dec.predict(x))
    hist = dec.history_["dec"]
    assert all(np.isfinite(v) for v in hist["loss"][1:])
    assert dec.n_iter_ == hist["iteration"][-1]
    # the first interval diverged: the state is the k-means initialisation
    assert cluster_acc(dec.kmeans_labels_, dec.labels_) > 0.95
    assert len(np.unique(dec.labels_)) == 3


class PoisonAtUpdate(Callback):
    """Puts a NaN into the encoder at one update: the next interval diverges."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_dec_update(self, update, logs=None):
        if update == self.at:
            self.labels = logs["labels"].copy()
            self.centers = self.model.cluster_centers_.copy()
            kernel = self.model.encoder_.layers[-1].kernel
            kernel.assign(np.full(kernel.shape, np.nan, np.float32))


def test_divergence_restores_weights_labels_and_history_of_the_last_finite_update(blobs):
    from dec_core.estimator import DivergenceWarning

    x, y = blobs
    poison = PoisonAtUpdate(2)
    with pytest.warns(DivergenceWarning):
        dec = DEC(4, **{**TINY, "tol": 0.0}).fit(x, y, callbacks=[poison])
    assert dec.diverged_
    assert dec.history_["dec"]["update"] == [0, 1, 2]
    assert dec.n_iter_ == 2 * TINY["update_interval"]
    np.testing.assert_array_equal(dec.labels_, poison.labels)
    np.testing.assert_allclose(dec.cluster_centers_, poison.centers)
    assert np.all(np.isfinite(dec.transform(x)))
    assert "between batches 10 and 15" in dec.stop_reason_
    assert dec.history_["stop_reason"] == dec.stop_reason_
    stop = dec.stop_record_
    assert (stop.kind, stop.first_batch, stop.last_batch, stop.update) == ("diverged", 10, 15, 2)
    assert stop.reason == dec.stop_reason_ and dec.history_["stop"]["kind"] == "diverged"


# ---------------------------------------------------------------- scikit-learn semantics
def test_refit_after_set_params_uses_the_new_dims():
    x, _ = three_blobs()
    small = dict(pretrain_epochs=2, update_interval=5, max_iter=10, n_init=2, random_state=0)
    dec = DEC(3, dims=[4, 16, 2], **small).fit(x)
    assert dec.transform(x).shape == (300, 2)
    dec.set_params(dims=[4, 16, 3]).fit(x)
    assert dec.transform(x).shape == (300, 3)
    assert dec.cluster_centers_.shape == (3, 3)
    assert dec.predict_proba(x).shape == (300, 3)
    dec.set_params(n_clusters=4).fit(x)
    assert dec.predict_proba(x).shape == (300, 4)


class Ends(Callback):
    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_end(self, logs=None):
        self.ends.append(dict(logs))


class PrivateDuringFit(Ends):
    """Records the estimator's private attributes at every target update."""

    def __init__(self):
        super().__init__()
        self.private = set()

    def on_dec_update(self, update, logs=None):
        self.private |= {k for k in vars(self.model) if k.startswith("_")
                         and not k.endswith("_")}


def test_the_fit_leaves_no_loop_state_and_says_it_ended():
    """The clustering loop's state lives in the loop (dec_core.loop.ClusteringLoop): no
    counter, generator, data, optimizer or fallback is kept on the estimator, during fit
    or after, and on_train_end reaches the callbacks, not an emptied list."""
    from dec_core.estimator import _INFERENCE_CACHE

    x, _ = three_blobs()
    ends = PrivateDuringFit()
    dec = DEC(3, dims=[4, 16, 2], pretrain_epochs=1, max_iter=10, update_interval=5,
              n_init=1, random_state=0).fit(x, callbacks=[ends])
    private = {k for k in vars(dec) if k.startswith("_") and not k.endswith("_")}
    assert private == {"_callbacks", *_INFERENCE_CACHE}, private
    assert not dec._callbacks.callbacks and not dec._should_stop()
    assert [e["reason"] for e in ends.ends] == [dec.stop_reason_]
    assert ends.private <= {"_callbacks", *_INFERENCE_CACHE}, ends.private
    assert not {"_X", "_runner", "_p"} & ends.private


def test_parameter_constraints_are_named_and_sklearns_check_is_not_shadowed():
    from sklearn.base import BaseEstimator
    from sklearn.utils._param_validation import Interval, StrOptions

    from dec_core.params import check_params

    constraints = DEC._parameter_constraints
    assert "_validate_params" not in vars(DEC)  # scikit-learn's own stays reachable
    assert DEC._validate_params is BaseEstimator._validate_params
    assert set(constraints) <= set(DEC().get_params())
    (tol,), (method,) = constraints["tol"], constraints["method"]
    assert isinstance(tol, Interval) and (tol.left, tol.right, tol.closed) == (0, 1, "both")
    assert isinstance(method, StrOptions) and method.options == {"dec", "idec"}
    with pytest.raises(ValueError, match=r"'tol' parameter must be a real number in \[0, 1\]"):
        check_params(DEC(tol=2).get_params())
    with pytest.raises(ValueError, match=r"must be an int >= 1\. Got True"):
        check_params(DEC(n_clusters=True).get_params())


def test_refit_does_not_reuse_compiled_or_cached_state():
    x, _ = three_blobs()
    dec = DEC(3, dims=[4, 16, 2], pretrain_epochs=2, max_iter=5, update_interval=5,
              n_init=2, random_state=0).fit(x)
    first = (dec.clustering_layer_, dec.model_, dec.encoder_)
    dec.fit(x)
    assert all(a is not b for a, b in zip(first, (dec.clustering_layer_, dec.model_,
                                                 dec.encoder_)))


def test_numpy_and_int_numbers_are_accepted():
    x, _ = three_blobs()
    dec = DEC(np.int64(3), dims=[4, np.int32(16), 2], pretrain_epochs=np.int64(2),
              pretrain_lr=np.float32(1e-3), batch_size=np.int32(64), learning_rate=1,
              momentum=0, alpha=np.float64(1.0), tol=0, update_interval=np.int16(5),
              max_iter=10, n_init=np.int8(2), random_state=np.int64(0)).fit(x)
    assert dec.predict_proba(x).shape == (300, 3)
    assert dec.n_iter_ == 10


# ---------------------------------------------------------------- stop requests
class StopAfterFirstBatches(Callback):
    """Asks to stop as soon as some batches ran: in the middle of an interval."""

    def should_stop(self):
        return self.model is not None and self.model.n_iter_ > 0


def test_stop_in_the_middle_of_an_interval_is_not_converged(blobs):
    x, _ = blobs
    # tol=1 would call any update "converged"; update_interval > one compiled call
    dec = DEC(4, **{**TINY, "update_interval": 500, "max_iter": 1000, "tol": 1.0}).fit(
        x, callbacks=[StopAfterFirstBatches()])
    assert 0 < dec.n_iter_ < 500
    assert dec.stop_reason_ == "stopped by request"
    assert not dec.diverged_
    assert dec.stop_record_.kind == "stopped" and dec.stop_record_.iteration == dec.n_iter_


@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
def test_any_alpha_of_the_app_trains_without_nan(alpha):
    # far-apart points: with alpha=100 the textbook kernel underflows to 0/0
    x, y = three_blobs()
    dec = DEC(3, dims=[4, 16, 2], alpha=alpha, pretrain_epochs=2, update_interval=5,
              max_iter=20, n_init=2, random_state=0).fit(100.0 * x, y)
    q = dec.predict_proba(100.0 * x)
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-5)
    assert np.all(np.isfinite(dec.history_["dec"]["loss"][1:])), dec.stop_reason_
    assert not dec.diverged_, dec.stop_reason_


@pytest.mark.parametrize("tol", [0.0, 0.5])
def test_the_last_update_says_final(blobs, tol):
    """logs["final"] is the stop rule's verdict, before the callbacks: True exactly at the
    update after which training ends (max_iter with tol 0; converged with a loose tol)."""
    x, _ = blobs
    rec = UpdateLogs()
    est = DEC(4, **{**TINY, "tol": tol}).fit(x, callbacks=[rec])
    finals = [logs["final"] for _, logs in rec.calls]
    assert finals == [False] * (len(finals) - 1) + [True]
    assert est.stop_reason_.startswith("reached max_iter" if tol == 0 else "converged")
    stop = est.stop_record_  # the same as data, for explorer.text.teach.stop_text
    assert stop.kind == ("max_iter" if tol == 0 else "converged")
    assert stop.reason == est.stop_reason_ and est.history_["stop"] == stop.as_dict()
    assert (stop.update, stop.iteration, stop.tol) == (len(rec.calls) - 1, est.n_iter_, tol)
    assert stop.delta_label == est.history_["dec"]["delta_label"][-1]
    assert stop.n_changed == round(stop.delta_label * x.shape[0]) and stop.n_samples == x.shape[0]
    assert "final" not in est.history_["dec"]


@pytest.mark.parametrize("method", ["dec", "idec"])
def test_a_target_equal_to_q_teaches_nothing_and_the_record_says_so(blobs, method):
    """Power 1 without / f_j: P = Q, KL(P||Q) = 0 and its gradient is zero."""
    x, y = blobs

    class Start(Callback):
        def on_kmeans_end(self, logs=None):
            self.centers = np.array(logs["centers"])
            self.z = np.array(logs["embedding"])

    start = Start()
    dec = DEC(4, **{**TINY, "max_iter": 20, "tol": 0.0}, method=method, target_power=1.0,
              normalize_frequency=False).fit(x, y, callbacks=[start])
    stop = dec.stop_record_
    assert stop.target_is_q is True and stop.method == method
    assert "the target P equals Q" in dec.stop_reason_ and stop.as_dict()["target_is_q"]
    if method == "dec":  # nothing moved: the centroids and the embedding are the start's
        np.testing.assert_array_equal(dec.cluster_centers_, start.centers)
        np.testing.assert_allclose(dec.transform(x), start.z, atol=1e-6)
        assert max(dec.history_["dec"]["kl"][1:]) < 1e-6
    default = DEC(4, **TINY).fit(x, y).stop_record_
    assert default.target_is_q is None and "target_is_q" not in default.as_dict()


class FirstUpdate(Callback):
    """What the model holds at target update 0, before its first batch: z, mu, q, p, x_hat."""

    def __init__(self, x):
        super().__init__()
        self.x, self.logs = x, {}

    def on_dec_update(self, update, logs=None):
        if update == 0:
            self.logs = {k: np.array(logs[k], dtype=np.float64)
                         for k in ("embedding", "centers", "q", "p")}
            self.logs["x_hat"] = np.array(self.model.autoencoder_(self.x), dtype=np.float64)


def _numpy_q(z, mu, alpha):
    """Student's t soft assignment, eq. 1 of the DEC paper: (n, k)."""
    kernel = (1.0 + ((z[:, None, :] - mu[None]) ** 2).sum(-1) / alpha) ** (-(alpha + 1) / 2)
    return kernel / kernel.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("method, gamma", [("dec", 1.0), ("idec", 0.1)])
def test_the_loss_and_its_gradient_match_an_independent_numpy_computation(blobs, method, gamma):
    """One full batch of SGD from update 0: the reported loss is KL(P||Q) (and IDEC's
    L_r = mean squared error over samples and features) of that batch's q, p, x and x_hat,
    and the centroids move by -lr times the paper's gradient (eq. 5). A reversed KL(Q||P)
    or a summed L_r fails here."""
    x, y = blobs
    lr, alpha = 1.0, 1.0  # a big step: float32 rounding of mu stays far below it
    first = FirstUpdate(x)
    dec = DEC(4, **{**TINY, "batch_size": x.shape[0], "update_interval": 1, "max_iter": 1,
                    "tol": 0.0}, method=method, gamma=gamma, optimizer="sgd",
              learning_rate=lr, momentum=0.0, alpha=alpha).fit(x, y, callbacks=[first])
    z, mu, p = (first.logs[k] for k in ("embedding", "centers", "p"))
    q = _numpy_q(z, mu, alpha)
    np.testing.assert_allclose(first.logs["q"], q, rtol=1e-4, atol=1e-7)
    f = q.sum(axis=0)
    p_np = q**2 / f
    p_np /= p_np.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, p_np, rtol=1e-4, atol=1e-7)
    kl = float(np.mean(np.sum(p * np.log(p / q), axis=1)))          # KL(P || Q), mean over i
    reversed_kl = float(np.mean(np.sum(q * np.log(q / p), axis=1)))  # KL(Q || P)
    assert abs(kl - reversed_kl) > 0.01 * kl  # the check below tells them apart
    hist = dec.history_["dec"]
    if method == "dec":
        assert hist["loss"][1] == pytest.approx(kl, rel=1e-4)
        assert hist["loss"][1] != pytest.approx(reversed_kl, rel=1e-3)
    else:
        rec = float(np.mean((x - first.logs["x_hat"]) ** 2))  # mean over samples and features
        assert hist["kl"][1] == pytest.approx(kl, rel=1e-4)
        assert hist["reconstruction"][1] == pytest.approx(rec, rel=1e-4)
        assert hist["reconstruction"][1] != pytest.approx(rec * x.shape[1], rel=1e-2)  # summed
        assert hist["loss"][1] == pytest.approx(rec + gamma * kl, rel=1e-4)
    # what it trains on: dL/dmu_j = -(alpha+1)/alpha * mean_i w_ij (p_ij - q_ij)(z_i - mu_j),
    # w_ij = (1 + |z_i - mu_j|^2 / alpha)^-1; IDEC's centroids get gamma times it
    w = 1.0 / (1.0 + ((z[:, None, :] - mu[None]) ** 2).sum(-1) / alpha)  # (n, k)
    diff = z[:, None, :] - mu[None]                                         # (n, k, e)
    grad = -(alpha + 1) / alpha * np.einsum("nk,nke->ke", w * (p - q), diff) / x.shape[0]
    step = (mu - dec.cluster_centers_) / lr
    np.testing.assert_allclose(step, gamma * grad, rtol=2e-3, atol=3e-6)


def test_the_parameters_are_checked_once_per_fit_by_one_table(monkeypatch):
    """One check per fit, restarts included, and scikit-learn's own check accepts the
    same table (DEC._parameter_constraints)."""
    import dec_core.estimator as estimator
    from dec_core.params import check_params

    calls = []

    def counted(params):
        calls.append(params)
        return check_params(params)

    monkeypatch.setattr(estimator, "check_params", counted)
    x, _ = three_blobs()
    DEC(3, dims=[4, 8, 2], pretrain_epochs=1, max_iter=5, update_interval=5, n_init=1,
        n_restarts=2, random_state=0).fit(x)
    assert len(calls) == 1
    DEC(3, random_state=np.int64(4))._validate_params()  # scikit-learn agrees
    with pytest.raises(ValueError, match="random_state"):
        check_params(DEC(random_state=0.5).get_params())
