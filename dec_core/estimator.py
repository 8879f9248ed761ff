"""The DEC estimator: pretrain, k-means init, then self-training on KL(P||Q).

``fit`` reads top-down: check the parameters (once, :mod:`dec_core.params`)
and the data, pretrain the autoencoder, place the centroids, then run the
clustering loop (:class:`dec_core.loop.ClusteringLoop`) until it says why it
stopped. ``n_restarts > 1`` repeats whole fits (:mod:`dec_core.restarts`).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Sequence
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, check_is_fitted

from .augment import image_side
from .autoencoder import (
    PretrainConfig,
    build_autoencoder,
    layer_names,
    pretrain_autoencoder,
    use_mixed_precision,
)
from .callbacks import CallbackList, scalar_logs
from .dims import check_dims
from .kmeans import fit_kmeans
from .loop import ClusteringLoop
from .metrics import clustering_scores
from .params import PARAMETER_CONSTRAINTS, check_params
from .presets import IDEC_GAMMA
from .restarts import restart_seeds, run_restarts
from .stopping import StopRecord

DEFAULT_HIDDEN = (500, 500, 2000, 10)  # the paper's d-500-500-2000-10

# The compiled forward pass, kept after fit for predict; a refit forgets it.
_INFERENCE_CACHE = ("_fwd_cache",)


class DivergenceWarning(UserWarning):
    """The clustering phase diverged (a NaN or infinite loss or weights).

    The estimator restored its last finite state and stopped; its
    ``stop_reason_`` says what to change.
    """


def strategy_scope(strategy):
    """``strategy.scope()``, or a no-op context for None (the default device)."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


class _PretrainEvents:
    """Routes pretraining events to the callbacks, the history and the checkpointer.

    Its attributes (``est``, ``callbacks``, ``checkpoint``, ``n_samples``,
    ``planned_epochs``) are what :func:`dec_core.checkpoint.save_pretrain` reads.
    """

    def __init__(self, est: DEC, p: SimpleNamespace, callbacks: CallbackList, checkpoint,
                 n_samples: int):
        self.est, self.p, self.callbacks = est, p, callbacks
        self.checkpoint, self.n_samples = checkpoint, n_samples
        self.should_stop = est._should_stop
        self.planned_epochs = p.pretrain_epochs + (
            (len(est.dims_) - 1) * p.layer_epochs if p.pretrain == "layerwise" else 0)

    def epoch(self, stage: str, epoch: int, total: int, logs: dict) -> bool:
        logs = {**logs, "stage": stage, "epochs": total}
        hist = self.est.history_["pretrain"]
        for key, value in (("loss", logs["loss"]), ("stage", stage), ("epoch", epoch)):
            hist.setdefault(key, []).append(value)
        self.callbacks.on_pretrain_epoch_end(epoch, logs)
        if not np.isfinite(logs["loss"]):
            self.est.stop_training = True
            self.est._stop(StopRecord("pretrain_diverged", loss=logs["loss"], epoch=epoch + 1,
                                      stage=stage, learning_rate=self.p.pretrain_lr))
        return self.should_stop()

    def progress(self, stage: str, steps_done: int, total_steps: int) -> None:
        self.callbacks.on_pretrain_progress(steps_done, {"stage": stage,
                                                         "total_steps": total_steps})

    def epoch_done(self, stage: str, next_epoch: int, total: int, get_state) -> None:
        """After each finished epoch: a checkpoint when one is due (dec_core.checkpoint)."""
        if self.checkpoint is not None and self.checkpoint.due():
            from .checkpoint import save_pretrain

            save_pretrain(self, stage, next_epoch, total, get_state())


class DEC(ClusterMixin, TransformerMixin, BaseEstimator):
    """Deep Embedded Clustering (Xie, Girshick & Farhadi, ICML 2016).

    Pretrains a symmetric dense autoencoder, places centroids with k-means in
    its embedding, then trains encoder and centroids together to minimise
    ``KL(P || Q)``, where ``Q`` is a Student's t soft assignment and ``P`` a
    sharpened copy of it recomputed every ``update_interval`` batches.

    With ``method="idec"`` (Guo, Gao, Liu & Yin, IJCAI 2017) the decoder
    stays and the whole autoencoder trains on
    ``L = L_r + gamma * KL(P || Q)``, where ``L_r`` is the reconstruction
    mean squared error, so the embedding keeps the data's local structure.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    dims : list of int, default=None
        ``[n_features, hidden..., embedding_dim]``. None means
        ``[n_features, 500, 500, 2000, 10]``, the paper's network.
    alpha : float, default=1.0
        Degrees of freedom of the Student's t kernel.
    target_power : float, default=2.0
        Exponent of the target ``p_ij ∝ q_ij^target_power / f_j`` (> 0; the
        paper's square). Larger sharpens harder; 1 with
        ``normalize_frequency=False`` makes P equal Q (no learning signal).
    normalize_frequency : bool, default=True
        Divide the target by the soft cluster size ``f_j = sum_i q_ij`` (the
        paper: so that large clusters do not distort the embedding); it pulls
        the clusters towards equal sizes.
    pretrain : {"end_to_end", "layerwise"}, default="end_to_end"
        End to end (DEC-keras) or greedy layer-wise with dropout, then
        end-to-end fine-tuning (the paper).
    pretrain_epochs : int, default=50
        End-to-end epochs (fine-tuning epochs after layer-wise). 0 skips
        pretraining.
    pretrain_steps : int, default=None
        A budget of pretraining gradient steps: the epochs stop once this
        many batches have run (the last epoch may be partial), so the cost
        stays bounded for any data size (the paper counted 50,000 steps,
        not epochs). With ``pretrain="layerwise"`` it caps each stage. None:
        ``pretrain_epochs`` alone. Must be >= 1; use ``pretrain_epochs=0``
        to skip pretraining. :func:`dec_core.cost.estimate` says what a
        budget costs.
    layer_epochs : int, default=25
        Epochs per layer with ``pretrain="layerwise"``.
    pretrain_batch_size : int, default=256
    pretrain_optimizer : {"adam", "sgd"}, default="adam"
    pretrain_lr : float, default=1e-3
    pretrain_noise : float, default=0.0
        Std of Gaussian noise added to the input while pretraining
        (a denoising autoencoder); 0 turns it off.
    pretrain_schedule : {"constant", "cosine"}, default="constant"
        Learning rate of end-to-end pretraining: constant, or cosine decay
        from ``pretrain_lr`` to 0 over the epochs.
    augment_shift : int, default=0
        Data augmentation for image rows (``n_features`` a square, e.g. 8x8):
        every sample is translated by a random offset of up to this many
        pixels, in end-to-end pretraining (the augmented image is also the
        reconstruction target) and in the clustering phase, where ``q`` of
        the shifted sample is trained towards ``p`` of the clean one
        (DEC-DA, Guo et al. 2018). 0 turns it off.
    augment : float, default=0.0
        Strength of DEC-DA's random affine augmentation of image rows
        (:mod:`dec_core.augment`), used where ``augment_shift`` is: 1 means
        rotations in ±10°, scales in [0.9, 1.1] and sub-pixel shifts of up to
        10% of the side, with bilinear interpolation; ranges scale linearly;
        0 turns it off.
    init : {"glorot_uniform", "dec"}, default="glorot_uniform"
        Kernel initialiser; ``"dec"`` is DEC-keras's VarianceScaling(1/3).
    dropout : float, default=0.2
        Dropout rate of layer-wise pretraining.
    batch_size : int, default=256
        Batch size of the clustering phase.
    optimizer : {"adam", "sgd"}, default="sgd"
        Optimizer of the clustering phase. IDEC scales the clustering
        gradient by ``gamma``, so DEC's SGD(0.01) barely moves its clusters;
        the authors used Adam(1e-3) on MNIST and SGD(0.1, momentum 0.99) on
        USPS. The latter trained IDEC best on digits and 10k MNIST
        (docs/benchmarks.md, "DEC vs IDEC"): ``optimizer="sgd",
        learning_rate=0.1, momentum=0.99``.
    learning_rate : float, default=0.01
    momentum : float, default=0.9
        Momentum of SGD (both phases).
    update_interval : int, default=140
        Batches between recomputations of the target distribution ``P``.
    update_budget : int, default=None
        The most rows the target updates may embed in all. Each update runs
        the encoder over every row, so on large data they, not the batches,
        cost the most; when ``n_samples * max_iter / update_interval`` passes
        the budget, the interval widens to fit
        (:func:`dec_core.cost.dec_update_interval`; the one used is
        ``update_interval_``). None: no cap. Must be >= 1. The presets use
        10,000,000 (:data:`dec_core.presets.DEC_UPDATE_BUDGET`).
    tol : float, default=0.001
        Stop when the share of labels that changed between two updates
        falls below ``tol``.
    max_iter : int, default=20000
        Maximum number of clustering-phase batches.
    method : {"dec", "idec"}, default="dec"
        ``"dec"`` minimises ``KL(P || Q)`` and trains encoder and centroids
        only; ``"idec"`` minimises ``L_r + gamma * KL(P || Q)`` and also
        trains the decoder. ``L_r`` is the squared reconstruction error
        averaged over features and samples (Keras' ``"mse"``, as in the
        authors' code).
    gamma : float, default=0.1
        Coefficient of the clustering loss, IDEC only (> 0; the paper's
        0.1, :data:`dec_core.presets.IDEC_GAMMA`). Ignored with ``method="dec"``.
    n_init : int, default=20
        k-means restarts for the initial centroids.
    centroid_init : {"kmeans", "manifold"}, default="kmeans"
        How the centroids start: k-means in the embedding (the paper), or
        the manifold start: N2D's clusters (UMAP of the embedding to
        ``n_clusters`` dimensions, then a Gaussian mixture;
        :func:`dec_core.baselines.manifold_start`), each centroid the mean of
        its cluster's members in the embedding. ``kmeans_labels_`` then holds
        that start's clusters.
    start_target_updates : int, default=0
        For this many target updates the target ``P`` is the start's own
        clusters (one-hot rows of ``kmeans_labels_``) instead of the
        sharpened ``Q``; ``tol`` is not tested meanwhile. With
        ``centroid_init="manifold"`` the encoder so first makes N2D's clusters
        compact in the embedding (the nearest-mean cells of those clusters
        are not N2D's clusters), then DEC refines as usual. 0: the paper.
    n_restarts : int, default=1
        Whole fits (pretraining, start, self-training) with different seeds;
        the one kept is chosen without labels by ``restart_criterion``. Costs
        ``n_restarts`` times the time. ``restarts_`` records every restart.
        Callbacks see every restart in turn (each from ``on_train_begin``).
        With ``fit(..., autoencoder=...)`` every restart starts from that
        autoencoder, so restarts differ only in the start and self-training.
    restart_criterion : {"kl", "silhouette", "inertia"}, default="kl"
        What picks the restart (:mod:`dec_core.restarts`): the lowest final
        ``KL(P || Q)``, the highest silhouette of the labels in the final
        embedding, or the lowest relative inertia (within-cluster over total
        sum of squares in the final embedding).
    random_state : int, default=None
        Seeds weights, shuffling, dropout and k-means. An int makes ``fit``
        reproducible; note that it seeds Keras' global generators
        (``keras.utils.set_random_seed``) inside ``fit``.
    verbose : int, default=0
        1 prints progress to stderr.
    strategy : tf.distribute.Strategy, default=None
        Build and train the models under this strategy's scope: pretraining
        and the clustering phase both run each batch split across the
        strategy's replicas (``strategy.run``), gradients summed. None: the
        default device (a GPU when TensorFlow sees one; there the hidden
        layers use bfloat16 mixed precision and the train loops XLA).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample after training.
    cluster_centers_ : ndarray of shape (n_clusters, embedding_dim)
        Centroids in the embedding (during ``fit``: those of the latest
        target update, also passed to ``on_dec_update`` as ``"centers"``).
    history_ : dict
        ``{"pretrain": {"loss", "stage", "epoch"}, "kmeans": {...},
        "dec": {"update", "iteration", "loss", "kl", ["reconstruction"],
        "delta_label", ["acc", "nmi", "ari"]}, "stop_reason": str, "stop": dict}``, lists of
        plain numbers and strings (JSON-ready). One ``"dec"`` entry per
        target update: ``iteration`` counts batches so far; ``loss`` (the
        total), ``kl`` and, for IDEC, ``reconstruction`` are means per batch
        since the previous update (``nan`` at update 0).
    n_iter_ : int
        Clustering-phase batches behind the final model.
    update_interval_ : int
        Batches between target updates in the clustering phase:
        ``update_interval``, or wider where ``update_budget`` bites.
    stop_reason_ : str
        Why training ended, in words: ``"converged: ..."``,
        ``"reached max_iter=..."``, ``"stopped by request"``, or
        ``"diverged: ..."`` with what to change.
    stop_record_ : dec_core.stopping.StopRecord
        The same as data (kind, update, delta_label, tol, ...), also in
        ``history_["stop"]``; explain a stop from this, never by parsing
        ``stop_reason_``. None on a run loaded from a folder saved without
        one.
    diverged_ : bool
        True when the clustering phase diverged (NaN or infinite loss or
        weights). Weights, centroids, labels and history are then those of
        the last finite target update, and a :class:`DivergenceWarning` was
        issued.
    timings_ : dict
        Seconds spent in ``pretrain``, ``kmeans``, ``dec`` and ``total``.
    kmeans_labels_ : ndarray of shape (n_samples,)
        The initialisation's labels (autoencoder + k-means, or the manifold
        start's clusters).
    restarts_ : list of dict
        With ``n_restarts > 1``: per restart its ``seed``, the three
        criteria (``kl``, ``silhouette``, ``inertia``), ``seconds``, ``chosen``
        and, when ``y`` was given, ``acc`` / ``nmi`` / ``ari`` (for
        measuring how well a criterion tracks accuracy; never used to choose).
    n_features_in_ : int
    dims_ : list of int
        The layer sizes actually used.
    autoencoder_ : keras.Model
    encoder_ : keras.Model

    Examples
    --------
    >>> from dec_core import DEC, load_dataset
    >>> data = load_dataset("digits")
    >>> dec = DEC(10, dims=[64, 256, 256, 512, 10], random_state=0).fit(data.x)
    >>> dec.predict(data.x[:5])  # doctest: +SKIP
    """

    def __init__(
        self,
        n_clusters: int = 10,
        *,
        dims: Sequence[int] | None = None,
        alpha: float = 1.0,
        target_power: float = 2.0,
        normalize_frequency: bool = True,
        pretrain: str = "end_to_end",
        pretrain_epochs: int = 50,
        pretrain_steps: int | None = None,
        layer_epochs: int = 25,
        pretrain_batch_size: int = 256,
        pretrain_optimizer: str = "adam",
        pretrain_lr: float = 1e-3,
        pretrain_noise: float = 0.0,
        pretrain_schedule: str = "constant",
        augment_shift: int = 0,
        init: str = "glorot_uniform",
        dropout: float = 0.2,
        batch_size: int = 256,
        optimizer: str = "sgd",
        learning_rate: float = 0.01,
        momentum: float = 0.9,
        update_interval: int = 140,
        update_budget: int | None = None,
        tol: float = 0.001,
        max_iter: int = 20000,
        method: str = "dec",
        gamma: float = IDEC_GAMMA,
        n_init: int = 20,
        centroid_init: str = "kmeans",
        n_restarts: int = 1,
        start_target_updates: int = 0,
        restart_criterion: str = "kl",
        augment: float = 0.0,
        random_state: int | None = None,
        verbose: int = 0,
        strategy=None,
    ):
        self.n_clusters = n_clusters
        self.dims = dims
        self.alpha = alpha
        self.target_power = target_power
        self.normalize_frequency = normalize_frequency
        self.pretrain = pretrain
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_steps = pretrain_steps
        self.layer_epochs = layer_epochs
        self.pretrain_batch_size = pretrain_batch_size
        self.pretrain_optimizer = pretrain_optimizer
        self.pretrain_lr = pretrain_lr
        self.pretrain_noise = pretrain_noise
        self.pretrain_schedule = pretrain_schedule
        self.augment_shift = augment_shift
        self.init = init
        self.dropout = dropout
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.update_interval = update_interval
        self.update_budget = update_budget
        self.tol = tol
        self.max_iter = max_iter
        self.method = method
        self.gamma = gamma
        self.n_init = n_init
        self.centroid_init = centroid_init
        self.n_restarts = n_restarts
        self.start_target_updates = start_target_updates
        self.restart_criterion = restart_criterion
        self.augment = augment
        self.random_state = random_state
        self.verbose = verbose
        self.strategy = strategy

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS  # scikit-learn's table

    # ------------------------------------------------------------------ checks
    def _check_fit_data(self, X, y, p: SimpleNamespace) -> tuple[np.ndarray, np.ndarray | None]:
        """``X`` as C-contiguous float32 and ``y`` as a flat array, checked against each
        other and the parameters (the rules that need the data)."""
        X = check_array(X, dtype=np.float32, ensure_min_samples=1, input_name="X")
        if X.shape[0] < p.n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={p.n_clusters}.")
        if y is not None:
            y = np.asarray(y).ravel()
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} samples.")
        if p.augment_shift > 0 or p.augment > 0:
            image_side(X.shape[1])  # augmentation needs square images
        return np.ascontiguousarray(X), y

    def _check_X(self, X) -> np.ndarray:
        """``X`` for inference: C-contiguous float32 with the fitted number of features."""
        X = check_array(X, dtype=np.float32, ensure_min_samples=1, input_name="X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but this DEC was fitted with "
                f"n_features_in_={self.n_features_in_}."
            )
        return np.ascontiguousarray(X)

    def _should_stop(self) -> bool:
        return bool(self.stop_training) or any(
            getattr(cb, "should_stop", lambda: False)() for cb in self._callbacks.callbacks
        )

    def _scope(self):
        return strategy_scope(self.strategy)

    def _stop(self, record: StopRecord) -> None:
        """Record why training ends: ``stop_record_`` and its text ``stop_reason_``."""
        self.stop_record_ = record
        self.stop_reason_ = record.reason

    # --------------------------------------------------------------- training
    def fit(self, X, y=None, callbacks=None, *, autoencoder: keras.Model | None = None,
            checkpoint=None) -> DEC:
        """Pretrain, initialise with k-means, and run DEC (or IDEC).

        Every call starts afresh from the current parameters: nothing of an
        earlier fit (network, centroids, compiled functions) is reused.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, finite numbers.
        y : array-like of shape (n_samples,), optional
            True labels, used only to record ACC / NMI / ARI in the history.
        callbacks : list of dec_core.callbacks.Callback, optional
            Progress hooks; any may set ``model.stop_training = True``.
        autoencoder : keras.Model, optional
            A pretrained autoencoder (e.g. another estimator's
            ``autoencoder_``) whose weights are copied; pretraining is then
            skipped.
        checkpoint : dec_core.checkpoint.Checkpointer, optional
            Save the training state at epoch ends and target updates, and
            (``resume=True``) start from the saved state when there is one;
            with its ``interrupt`` set, fit saves and raises
            :class:`dec_core.checkpoint.Interrupted`.

        Returns
        -------
        self : DEC

        Warns
        -----
        DivergenceWarning
            When the clustering phase diverges; the last finite state is kept.
        """
        p = check_params(self.get_params(deep=False))
        if p.n_restarts > 1:  # several whole fits; they are not checkpointed
            return self._fit_restarts(p, X, y, callbacks, autoencoder)
        return self._fit_once(p, X, y, callbacks, autoencoder, checkpoint)

    def _fit_restarts(self, p: SimpleNamespace, X, y, callbacks, autoencoder) -> DEC:
        """``n_restarts`` whole fits with their own seeds; keep the criterion's choice."""
        t_start = time.perf_counter()
        Xc, y = self._check_fit_data(X, y, p)

        def fit_one(seed):
            # not sklearn's clone: it would deep-copy the tf.distribute strategy
            est = type(self)(**{**self.get_params(deep=False), "n_restarts": 1,
                                "random_state": seed})
            one = SimpleNamespace(**{**vars(p), "n_restarts": 1, "random_state": seed})
            return est._fit_once(one, Xc, y, callbacks, autoencoder)

        chosen, rows = run_restarts(fit_one, restart_seeds(p.random_state, p.n_restarts),
                                    Xc, y, p.restart_criterion)
        self._reset_fitted_state()
        for key, value in vars(chosen).items():
            if key.endswith("_") and not key.startswith("__"):
                self.__dict__[key] = value
        self.stop_training = chosen.stop_training
        self.restarts_ = rows
        self.timings_ = {**chosen.timings_, "total": time.perf_counter() - t_start}
        self.history_["restarts"] = [dict(row) for row in rows]
        return self

    def _fit_once(self, p: SimpleNamespace, X, y, callbacks, autoencoder,
                  checkpoint=None) -> DEC:
        """One fit: pretrain, start, self-train (``fit`` without restarts)."""
        t_start = time.perf_counter()
        X, y = self._check_fit_data(X, y, p)
        self._begin(p, X.shape[1], callbacks)
        self._callbacks.on_train_begin({"n_samples": X.shape[0], "n_features": X.shape[1],
                                        "dims": self.dims_})
        X = tf.constant(X)  # (n, d), lives once on the device for all phases
        with self._scope():
            self.autoencoder_, self.encoder_ = build_autoencoder(
                self.dims_, init=p.init, seed=p.random_state,
                mixed_precision=use_mixed_precision())
        resumed = None
        if checkpoint is not None and checkpoint.resume:
            from .checkpoint import restore_fit

            # weights, history and callbacks; None: no checkpoint yet
            resumed = restore_fit(self, checkpoint, self._callbacks, int(X.shape[0]))
        if resumed is not None and resumed["phase"] == "dec":
            loop = self._resume_loop(p, X, y, checkpoint, resumed)
        else:
            self._pretrain(p, X, autoencoder, checkpoint, resumed)
            loop = self._start(p, X, y, checkpoint)
        self._run_loop(p, loop)
        self.timings_["total"] = time.perf_counter() - t_start
        self._callbacks.on_train_end({**self.timings_, "reason": self.stop_reason_})
        self._callbacks = CallbackList()  # forget the callbacks; _should_stop still works
        return self

    def _begin(self, p: SimpleNamespace, n_features: int, callbacks) -> None:
        """Forget an earlier fit; set up the history, the callbacks and the seeds."""
        dims = check_dims(self.dims if self.dims is not None
                          else (n_features, *DEFAULT_HIDDEN), n_features)
        self._reset_fitted_state()
        self.n_features_in_ = n_features
        self.dims_ = dims
        self.history_ = {"pretrain": {}, "kmeans": {}, "dec": {}}
        self.timings_ = {"pretrain": 0.0, "kmeans": 0.0, "dec": 0.0, "total": 0.0}
        self.stop_training = False
        self.stop_reason_ = ""
        self.stop_record_ = None
        self.diverged_ = False
        self.n_iter_ = 0
        cbs = list(callbacks or [])
        if p.verbose:
            from .callbacks import ProgressLogger

            cbs.append(ProgressLogger())
        self._callbacks = CallbackList(cbs)
        self._callbacks.set_model(self)
        if p.random_state is not None:
            keras.utils.set_random_seed(p.random_state)

    def _pretrain(self, p: SimpleNamespace, X, autoencoder, checkpoint, resumed) -> None:
        """Step 1: pretrain the autoencoder, or copy ``autoencoder``'s weights."""
        t0 = time.perf_counter()
        self._callbacks.on_pretrain_begin({"scheme": p.pretrain})
        if autoencoder is not None and resumed is None:
            self._copy_autoencoder(autoencoder)
        elif p.pretrain_epochs > 0 or (p.pretrain == "layerwise" and p.layer_epochs > 0):
            events = _PretrainEvents(self, p, self._callbacks, checkpoint, int(X.shape[0]))
            with self._scope():
                pretrain_autoencoder(self.autoencoder_, X, PretrainConfig.from_params(p),
                                     events, resume=resumed)
        self.timings_["pretrain"] = time.perf_counter() - t0
        self._callbacks.on_pretrain_end({"seconds": self.timings_["pretrain"]})

    def _start(self, p: SimpleNamespace, X, y, checkpoint) -> ClusteringLoop:
        """Step 2: the centroids' start in the embedding (k-means, or the manifold start)."""
        t0 = time.perf_counter()
        z = self._forward(X)[0]
        if not np.all(np.isfinite(z)):
            raise ValueError(
                "The embedding holds NaN or inf after pretraining: "
                f"lower pretrain_lr (now {p.pretrain_lr:g})."
            )
        if p.centroid_init == "manifold":
            from .baselines import manifold_start

            centers, start_labels = manifold_start(z, p.n_clusters, p.random_state)
        else:
            km = fit_kmeans(z, p.n_clusters, n_init=p.n_init, random_state=p.random_state)
            centers, start_labels = km.cluster_centers_, km.labels_
        self.kmeans_labels_ = np.asarray(start_labels).astype(np.int64)
        loop = self._make_loop(p, X, y, centers, checkpoint)
        self.cluster_centers_ = np.asarray(centers, dtype=np.float32)
        self.timings_["kmeans"] = time.perf_counter() - t0
        logs = {"labels": self.kmeans_labels_, "centers": self.cluster_centers_, "embedding": z}
        if y is not None:
            logs.update(clustering_scores(y, self.kmeans_labels_))
        self.history_["kmeans"] = scalar_logs(logs)
        self._callbacks.on_kmeans_end(logs)
        return loop

    def _make_loop(self, p: SimpleNamespace, X, y, centers, checkpoint) -> ClusteringLoop:
        with self._scope():
            return ClusteringLoop(self, p, X, y, centers, callbacks=self._callbacks,
                                  should_stop=self._should_stop, forward=self._forward,
                                  checkpoint=checkpoint)

    def _resume_loop(self, p: SimpleNamespace, X, y, checkpoint, resumed) -> ClusteringLoop:
        """The clustering loop where a checkpoint of the clustering phase left it."""
        from .checkpoint import restore_dec

        loop = self._make_loop(p, X, y, resumed["arrays"]["centers"], checkpoint)
        with self._scope():
            loop.target = restore_dec(loop, resumed)  # p of the interval to run next
        return loop

    def _run_loop(self, p: SimpleNamespace, loop: ClusteringLoop) -> None:
        """Step 3, DEC / IDEC self-training: ``loop.step()`` until it returns why it stopped."""
        t0 = time.perf_counter()
        self.update_interval_ = loop.interval
        self._callbacks.on_dec_begin({"max_iter": p.max_iter, "method": p.method,
                                      "update_interval": loop.interval})
        with self._scope():
            # Compile before update 0 (about a second, several on a busy laptop), so a
            # step-mode page's first Step does not wait for it too.
            loop.trace()
            while (record := loop.step()) is None:
                pass
        self.timings_["dec"] = time.perf_counter() - t0
        if self.stop_record_ is None:  # a pretraining divergence keeps its own record
            self._stop(record)
        if record.kind == "diverged":
            self.diverged_ = True
            warnings.warn(self.stop_reason_, DivergenceWarning, stacklevel=4)
        self.cluster_centers_ = self.clustering_layer_.get_weights()[0].copy()
        self.labels_ = self._forward(loop.X)[1].argmax(axis=1).astype(np.int64)
        self.history_["stop_reason"] = self.stop_reason_
        self.history_["stop"] = self.stop_record_.as_dict()
        scores = clustering_scores(loop.y, self.labels_) if loop.y is not None else {}
        self._callbacks.on_dec_end({"reason": self.stop_reason_, "iteration": self.n_iter_,
                                    "diverged": self.diverged_, **scores})

    def _reset_fitted_state(self) -> None:
        """Forget everything an earlier ``fit`` left: a refit starts from the parameters."""
        for key in list(self.__dict__):
            if key.endswith("_") and not key.startswith("__"):
                del self.__dict__[key]
        for key in _INFERENCE_CACHE:
            self.__dict__.pop(key, None)

    def _copy_autoencoder(self, source: keras.Model) -> None:
        src = [w.shape for w in source.get_weights()]
        dst = [w.shape for w in self.autoencoder_.get_weights()]
        if src != dst:
            raise ValueError(
                f"The given autoencoder's weight shapes {src} do not match dims={self.dims_}."
            )
        self.autoencoder_.set_weights(source.get_weights())

    # --------------------------------------------------------------- inference
    def _forward(self, X, batch: int = 8192) -> tuple[np.ndarray, np.ndarray | None]:
        """(z, q) for all rows of X, in large compiled batches: ((n, e), (n, k))."""
        fn = self._forward_fn()
        zs, qs = [], []
        n = int(X.shape[0])
        for i in range(0, n, batch):
            z, q = fn(X[i : i + batch])
            zs.append(z)
            qs.append(q)
        if not zs:
            k = int(self.n_clusters) if hasattr(self, "clustering_layer_") else 0
            return np.zeros((0, self.dims_[-1]), np.float32), (np.zeros((0, k), np.float32)
                                                                if k else None)
        z = (tf.concat(zs, 0) if len(zs) > 1 else zs[0]).numpy()
        q = None
        if qs[0] is not None:
            q = (tf.concat(qs, 0) if len(qs) > 1 else qs[0]).numpy()
        return z, q

    def _forward_fn(self):
        """A compiled ``x -> (z, q)`` (q None before the clustering layer exists)."""
        clustering = getattr(self, "clustering_layer_", None)
        encoder = self.encoder_
        cached = getattr(self, "_fwd_cache", None)
        # keyed on the objects themselves (an id() can be reused after a refit)
        if cached is not None and cached[0] is encoder and cached[1] is clustering:
            return cached[2]

        @tf.function(reduce_retracing=True)
        def fwd(xb):
            z = tf.cast(encoder(xb, training=False), tf.float32)
            if clustering is None:
                return z, None
            return z, tf.cast(clustering(z), tf.float32)

        self._fwd_cache = (encoder, clustering, fwd)
        return fwd

    def _check_fitted(self) -> None:
        check_is_fitted(self, ("cluster_centers_", "encoder_"))
        if not hasattr(self, "labels_"):
            raise NotFittedError("This DEC instance has not finished fitting yet.")

    def transform(self, X) -> np.ndarray:
        """Embed ``X`` with the trained encoder.

        Returns
        -------
        ndarray of shape (n_samples, embedding_dim)
        """
        self._check_fitted()
        return self._forward(self._check_X(X))[0]

    def predict_proba(self, X) -> np.ndarray:
        """Soft assignments ``q`` (rows sum to 1).

        Returns
        -------
        ndarray of shape (n_samples, n_clusters)
        """
        self._check_fitted()
        return self._forward(self._check_X(X))[1]

    def inverse_transform(self, Z) -> np.ndarray:
        """Map embeddings back to input space with the pretrained decoder.

        ``dec.inverse_transform(dec.cluster_centers_)`` decodes each centroid:
        the cluster's prototype, shape ``(n_clusters, n_features)``. Plain DEC
        never trains the decoder, so this is the decoder as pretraining left
        it; IDEC keeps training it. Usable from the k-means initialisation on
        (a callback may call it during ``fit``).

        Parameters
        ----------
        Z : array-like of shape (n_samples, embedding_dim)

        Returns
        -------
        ndarray of shape (n_samples, n_features), float32
        """
        check_is_fitted(self, ("autoencoder_", "dims_"))
        Z = check_array(Z, dtype=np.float32, ensure_min_samples=0, input_name="Z")
        e = int(self.dims_[-1])
        if Z.shape[1] != e:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but this DEC's embedding has {e} dimensions."
            )
        _, dec_names = layer_names(len(self.dims_) - 1)
        layers = [self.autoencoder_.get_layer(name) for name in reversed(dec_names)]
        out = []
        for i in range(0, Z.shape[0], 8192):  # eager: cheap for the few rows it is used on
            h = tf.constant(Z[i : i + 8192])
            for layer in layers:  # decoder_{n-1} ... decoder_1, reconstruction
                h = layer(h, training=False)
            out.append(np.asarray(tf.cast(h, tf.float32)))
        if not out:
            return np.zeros((0, int(self.dims_[0])), np.float32)
        return np.concatenate(out).astype(np.float32)

    def predict(self, X) -> np.ndarray:
        """The most likely cluster of each row of ``X``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.predict_proba(X).argmax(axis=1).astype(np.int64)

    def fit_predict(self, X, y=None, callbacks=None, **kwargs) -> np.ndarray:
        """Fit, then return ``labels_``."""
        return self.fit(X, y, callbacks=callbacks, **kwargs).labels_

    def score(self, X, y) -> float:
        """Clustering accuracy (Hungarian matching) of ``predict(X)`` against ``y``."""
        from .metrics import cluster_acc

        return cluster_acc(y, self.predict(X))
