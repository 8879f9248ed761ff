"""The clustering phase: DEC / IDEC self-training as a loop object, one target update a step.

``DEC.fit`` makes a :class:`ClusteringLoop` once the centroids have their
start, then runs it::

    loop = ClusteringLoop(est, params, X, y, centers, ...)
    while (record := loop.step()) is None:
        pass

The loop holds everything the phase trains with: the training model's
variables, its optimizer and compiled step
(:class:`dec_core.autoencoder.StepRunner`), the generator that draws the
batches, the counters and the state a divergence falls back on. Each
:meth:`ClusteringLoop.step` makes one target update (embed every row, log,
tell the callbacks, apply the stop rule) and then runs up to ``interval``
batches towards that target. The fitted attributes a callback may read while
the estimator trains (``n_iter_``, ``cluster_centers_``, ``history_["dec"]``,
``clustering_layer_``, ``model_``) are written from here.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from .augment import augment_rows, image_side
from .autoencoder import STEPS_PER_CALL, StepRunner, batch_plan, make_optimizer
from .callbacks import scalar_logs
from .cost import dec_update_interval
from .layers import ClusteringLayer
from .metrics import clustering_scores
from .stopping import StopRecord
from .target import target_distribution


def _loss_fn(model, encoder, clustering, p, n_features: int, sums: dict):
    """The per-sample training loss the runner minimises: ``(x (B, d), p (B, k), seed) -> (B,)``."""
    idec = p.method == "idec"
    gamma, shift, strength = p.gamma, p.augment_shift, p.augment
    side = image_side(n_features) if shift > 0 or strength > 0 else 0

    def loss_fn(xb, pb, seed_pair):
        # With augmentation (DEC-DA) q of the transformed sample is trained towards p of
        # the clean one: the rows keep their order, so pb stays theirs.
        if shift > 0 or strength > 0:
            xb = augment_rows(xb, side, shift, strength, seed_pair)
        if idec:
            qb, xr = model(xb, training=True)
        else:
            qb = clustering(encoder(xb, training=True))
        qb = tf.clip_by_value(tf.cast(qb, tf.float32), 1e-12, 1.0)
        kl = tf.reduce_sum(pb * tf.math.log(tf.clip_by_value(pb, 1e-12, 1.0) / qb), axis=1)
        if not idec:
            return kl  # DEC: L = KL(P || Q)
        # IDEC (Guo et al., IJCAI 2017): L = L_r + gamma * L_c. The authors'
        # code (github.com/XifengGuo/IDEC, IDEC.py) compiles the outputs
        # [clustering, decoder] with loss {'kld', 'mse'} and
        # loss_weights=[gamma, 1], gamma=0.1 "coefficient of clustering
        # loss"; Keras' 'mse' is the mean over features, as here.
        rec = tf.reduce_mean(tf.square(tf.cast(xr, tf.float32) - xb), axis=1)
        sums["kl"].assign_add(tf.reduce_sum(tf.stop_gradient(kl)))
        sums["reconstruction"].assign_add(tf.reduce_sum(tf.stop_gradient(rec)))
        return rec + gamma * kl

    return loss_fn


class ClusteringLoop:
    """DEC / IDEC self-training of a fitting :class:`dec_core.DEC`.

    Building it adds the clustering layer (``est.clustering_layer_``, started
    at ``centers``) and the training model ``x -> (q, x_hat)`` (``est.model_``)
    to the estimator's pretrained encoder, and compiles the training step.
    Build it under the estimator's distribution strategy scope.

    Parameters
    ----------
    est : dec_core.DEC
        The estimator being fitted, with ``encoder_``, ``autoencoder_``,
        ``kmeans_labels_`` and ``history_`` set.
    p : types.SimpleNamespace
        Its checked parameters (:func:`dec_core.params.check_params`).
    X : tf.Tensor of shape (n_samples, n_features)
        The training data, on the device.
    y : ndarray of shape (n_samples,) or None
        True labels, only for the scores in the history.
    centers : ndarray of shape (n_clusters, embedding_dim)
        The start's centroids.
    callbacks : dec_core.callbacks.CallbackList
    should_stop : callable
        ``should_stop() -> bool``: whether a stop was requested.
    forward : callable
        ``forward(X) -> (z (n, e), q (n, k))``, the estimator's inference pass.
    checkpoint : dec_core.checkpoint.Checkpointer, optional

    Attributes
    ----------
    update : int
        The number of the next target update.
    n_iter : int
        Batches trained so far (mirrored to ``est.n_iter_``).
    interval : int
        Batches between target updates (``update_interval``, widened where
        ``update_budget`` bites).
    target : ndarray of shape (n_samples, n_clusters) or None
        Set by a resume (:func:`dec_core.checkpoint.restore_dec`): the ``p``
        of the interval to run before the next update.
    """

    def __init__(self, est, p, X, y, centers: np.ndarray, *, callbacks,
                 should_stop: Callable[[], bool], forward: Callable, checkpoint=None) -> None:
        self.est, self.p, self.X, self.y = est, p, X, y
        self.callbacks, self.should_stop, self.forward = callbacks, should_stop, forward
        self.checkpoint = checkpoint
        self.n_samples = int(X.shape[0])
        # the interval widens where the target updates would pass update_budget (cost.py)
        self.interval = dec_update_interval(self.n_samples, p.update_interval, p.max_iter,
                                            p.update_budget)
        self._build(centers)
        self.rng = np.random.default_rng(p.random_state)  # draws the batches
        self.plan_state: dict = {}  # batch_plan's unused permutation tail
        self.labels_last = est.kmeans_labels_  # (n,) the labels of the previous update
        self.update = 0
        self.n_iter = 0
        self.loss_sum, self.loss_count = 0.0, 0  # the batches' losses since the last update
        self.snapshot: dict | None = None  # the last finite update, for a divergence
        self.target: np.ndarray | None = None

    @property
    def n_iter(self) -> int:
        """Batches trained so far."""
        return self._n_iter

    @n_iter.setter
    def n_iter(self, value: int) -> None:
        self._n_iter = int(value)
        self.est.n_iter_ = self._n_iter  # callbacks read it during fit

    def _build(self, centers: np.ndarray) -> None:
        """The clustering layer, the training model, its optimizer and the compiled step."""
        est, p = self.est, self.p
        est.clustering_layer_ = ClusteringLayer(
            p.n_clusters, alpha=p.alpha, initial_centers=centers, name="clustering")
        q = est.clustering_layer_(est.encoder_.output)
        est.model_ = keras.Model(est.autoencoder_.input, [q, est.autoencoder_.output], name="dec")
        self.optimizer = make_optimizer(p.optimizer, p.learning_rate, p.momentum)
        idec = p.method == "idec"
        # IDEC keeps the decoder; plain DEC trains only encoder and centroids
        # (and never runs the decoder).
        if idec:
            self.variables = est.model_.trainable_variables
        else:
            self.variables = (est.encoder_.trainable_variables
                              + est.clustering_layer_.trainable_variables)
        self.optimizer.build(self.variables)
        # IDEC's two terms, summed over the samples since the last target update
        # (the runner only returns the total); SUM adds up the replicas' shares.
        self.term_sums = {
            name: tf.Variable(0.0, trainable=False, name=f"{name}_sum",
                              aggregation=tf.VariableAggregation.SUM)
            for name in (("kl", "reconstruction") if idec else ())
        }
        loss_fn = _loss_fn(est.model_, est.encoder_, est.clustering_layer_, p,
                           int(self.X.shape[1]), self.term_sums)
        self.runner = StepRunner(loss_fn, self.variables, self.optimizer, self.X,
                                 seed=p.random_state)

    def trace(self) -> None:
        """Compile the training step now (about a second), so the first update does not wait."""
        self.runner.trace((self.n_samples, self.p.n_clusters))

    def step(self) -> StopRecord | None:
        """One target update, then up to :attr:`interval` batches towards its target.

        Returns
        -------
        StopRecord or None
            Why training is over (a stop request, converged, ``max_iter``,
            diverged), or None to go on.
        """
        if self.target is not None:  # resumed: this interval's update came before the checkpoint
            target, self.target = self.target, None
            self._train(target)
            return None
        trained = self.loss_count > 0
        terms = self._interval_terms()
        z, q = self.forward(self.X)  # (n, e), (n, k)
        if trained and not (all(np.isfinite(v) for v in terms.values())
                            and np.all(np.isfinite(q))):
            return self._restore_last_finite(terms["loss"])
        labels = q.argmax(axis=1)
        delta = float(np.mean(labels != self.labels_last))
        self.labels_last = labels
        target = self._target(q)
        logs = self._log(terms, labels, delta)
        # The stop rule, decided before the callbacks: "final" tells them this update is
        # the last (a step-mode page then does not wait for one more Step).
        p = self.p
        converged = self.update > max(0, p.start_target_updates - 1) and delta < p.tol
        at_limit = self.n_iter >= p.max_iter
        self.callbacks.on_dec_update(
            self.update,
            {**logs, "labels": labels, "q": q, "p": target, "embedding": z,
             "centers": self.est.cluster_centers_.copy(), "final": converged or at_limit})
        self.update += 1
        record = self._stop_record(delta, labels.shape[0], converged, at_limit)
        if record is not None:
            return record
        if self.checkpoint is not None and self.checkpoint.due():
            from .checkpoint import save_dec

            save_dec(self, target)  # raises checkpoint.Interrupted when asked to
        self._train(target)
        return None

    def _target(self, q: np.ndarray) -> np.ndarray:
        """This update's target ``p``: (n, k)."""
        p = self.p
        target = target_distribution(q, p.target_power, p.normalize_frequency)
        if self.update < p.start_target_updates:
            # the start's clusters as the target (one-hot rows)
            target = np.eye(p.n_clusters, dtype=target.dtype)[self.est.kmeans_labels_]
        return target

    def _interval_terms(self) -> dict[str, float]:
        """Mean per batch, since the last update, of the loss and its terms (nan if none)."""
        count = self.loss_count
        loss = self.loss_sum / count if count else float("nan")
        self.loss_sum, self.loss_count = 0.0, 0
        if self.p.method == "dec":
            return {"loss": loss, "kl": loss}
        rows = count * min(self.p.batch_size, self.n_samples)
        terms = {"loss": loss}
        for name, var in self.term_sums.items():
            terms[name] = float(var.numpy()) / rows if rows else float("nan")
            var.assign(0.0)
        return terms

    def _log(self, terms: dict, labels: np.ndarray, delta: float) -> dict:
        """The update's logs, into ``history_["dec"]``; the centroids and the fallback kept."""
        logs = {"update": self.update, "iteration": self.n_iter, "max_iter": self.p.max_iter,
                **terms, "delta_label": delta}
        if self.y is not None:
            logs.update(clustering_scores(self.y, labels))
        hist = self.est.history_["dec"]
        for key, value in scalar_logs(logs).items():
            if key != "max_iter":
                hist.setdefault(key, []).append(value)
        self.est.cluster_centers_ = self.est.clustering_layer_.get_weights()[0].copy()
        self.snapshot = {"update": self.update, "iteration": self.n_iter,
                         "weights": [np.array(v.numpy()) for v in self.variables]}
        return logs

    def _stop_record(self, delta: float, n: int, converged: bool,
                     at_limit: bool) -> StopRecord | None:
        """Why training ends after the update just made, or None."""
        p = self.p
        at = {"update": self.update - 1, "iteration": self.n_iter, "delta_label": delta,
              "n_changed": int(round(delta * n)), "n_samples": int(n),
              "tol": p.tol, "max_iter": p.max_iter}
        if p.target_power == 1 and not p.normalize_frequency and not p.start_target_updates:
            # p_ij = q_ij at every update: KL(P||Q) = 0 and its gradient is zero
            at.update(target_is_q=True, method=p.method)
        # A stop request first: a Stop during the interval is never "converged".
        if self.should_stop():
            return StopRecord("stopped", **at)
        if converged:
            return StopRecord("converged", **at)
        if at_limit:
            return StopRecord("max_iter", **at)
        return None

    def _train(self, target: np.ndarray) -> None:
        """Up to :attr:`interval` batches towards ``target`` (n, k)."""
        p = self.p
        p_t = tf.constant(target)
        steps = min(self.interval, p.max_iter - self.n_iter)
        done = 0
        while done < steps:
            s = min(STEPS_PER_CALL, steps - done)
            idx = batch_plan(self.n_samples, p.batch_size, s, self.rng, self.plan_state)
            self.loss_sum += float(self.runner.run(idx, p_t))
            self.loss_count += s
            self.n_iter += s
            done += s
            if self.should_stop():
                break

    def _restore_last_finite(self, loss: float) -> StopRecord:
        """Go back to the weights of the last finite update; the record says why."""
        snap = self.snapshot
        for var, value in zip(self.variables, snap["weights"]):
            var.assign(value)
        first_bad, last_bad = snap["iteration"], self.n_iter
        self.n_iter = snap["iteration"]
        p = self.p
        return StopRecord(
            "diverged", update=snap["update"], iteration=first_bad, first_batch=first_bad,
            last_batch=last_bad, loss=None if np.isfinite(loss) else float(loss),
            learning_rate=p.learning_rate, tol=p.tol, max_iter=p.max_iter)
