"""The symmetric dense autoencoder and its two pretraining schemes.

``dims = [d, h1, ..., e]`` gives an encoder ``d -> h1 -> ... -> e`` and the
mirrored decoder ``e -> ... -> h1 -> d``. Hidden layers use ReLU; the
embedding and the reconstruction are linear.

Pretraining:

* ``"end_to_end"`` (DEC-keras): the whole autoencoder at once, MSE loss,
  Adam or SGD.
* ``"layerwise"`` (the paper): each encoder/decoder pair is trained as a
  shallow denoising autoencoder (dropout on its input and its hidden layer)
  on the previous layer's output, then the stack is fine-tuned end to end.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from .augment import augment_rows, image_side


def layer_names(n_layers: int) -> tuple[list[str], list[str]]:
    """Names of the encoder and decoder Dense layers.

    ``encoder[i]`` maps ``dims[i] -> dims[i+1]``; its mirror ``decoder[i]``
    maps ``dims[i+1] -> dims[i]``. The last encoder layer is ``"embedding"``
    and the first decoder layer (the output) is ``"reconstruction"``.
    """
    enc = [f"encoder_{i}" for i in range(n_layers - 1)] + ["embedding"]
    dec = ["reconstruction"] + [f"decoder_{i}" for i in range(1, n_layers)]
    return enc, dec


def make_initializer(name: str, seed: int | None):
    """A kernel initialiser: ``"glorot_uniform"`` or ``"dec"``.

    ``"dec"`` is DEC-keras's ``VarianceScaling(1/3, fan_in, uniform)``, which
    suits its SGD(lr=1, momentum=0.9) pretraining.
    """
    if name == "dec":
        return keras.initializers.VarianceScaling(
            scale=1.0 / 3.0, mode="fan_in", distribution="uniform", seed=seed
        )
    if name == "glorot_uniform":
        return keras.initializers.GlorotUniform(seed=seed)
    raise ValueError(f"Unknown initializer {name!r}; expected 'glorot_uniform' or 'dec'.")


def use_mixed_precision(flag: bool | None = None) -> bool:
    """Whether to build the hidden layers in ``mixed_bfloat16``.

    ``flag`` wins when given; otherwise the environment variable
    ``DEC_MIXED_PRECISION`` (``"1"``/``"0"``); otherwise on with a GPU only.
    The embedding and reconstruction layers, the losses and the clustering
    layer always stay float32.
    """
    if flag is not None:
        return bool(flag)
    env = os.environ.get("DEC_MIXED_PRECISION")
    if env is not None:
        return env.strip() not in ("0", "false", "no", "")
    return _device_kind() == "gpu"


def build_autoencoder(
    dims: Sequence[int], *, init: str = "glorot_uniform", seed: int | None = None,
    mixed_precision: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """Build the autoencoder and its encoder, sharing layers.

    Parameters
    ----------
    dims : sequence of int
        ``[n_features, hidden..., embedding_dim]``, at least two entries.
    init : {"glorot_uniform", "dec"}, default="glorot_uniform"
        Kernel initialiser.
    seed : int, optional
        Seed of the initialiser, for reproducible weights.
    mixed_precision : bool, default=False
        Compute the hidden layers in bfloat16 (float32 weights); for GPUs.

    Returns
    -------
    autoencoder : keras.Model
        ``(B, d) -> (B, d)``.
    encoder : keras.Model
        ``(B, d) -> (B, e)``.
    """
    dims = [int(v) for v in dims]
    n_layers = len(dims) - 1
    enc_names, dec_names = layer_names(n_layers)

    def kernel_init(i: int):
        # A distinct seed per layer: a shared seed would give equal-shaped
        # layers identical weights.
        return make_initializer(init, None if seed is None else seed + i)

    hidden_dtype = "mixed_bfloat16" if mixed_precision else None
    inputs = keras.Input(shape=(dims[0],), name="input")
    h = inputs
    for i in range(n_layers):
        last = i == n_layers - 1
        h = keras.layers.Dense(
            dims[i + 1],
            activation=None if last else "relu",
            kernel_initializer=kernel_init(i),
            name=enc_names[i],
            dtype="float32" if last else hidden_dtype,
        )(h)
    embedding = h
    for i in reversed(range(n_layers)):
        h = keras.layers.Dense(
            dims[i],
            activation=None if i == 0 else "relu",
            kernel_initializer=kernel_init(n_layers + i),
            name=dec_names[i],
            dtype="float32" if i == 0 else hidden_dtype,
        )(h)
    autoencoder = keras.Model(inputs, h, name="autoencoder")
    encoder = keras.Model(inputs, embedding, name="encoder")
    return autoencoder, encoder


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.9):
    """A Keras optimizer by name: ``"adam"`` or ``"sgd"`` (with momentum)."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    raise ValueError(f"Unknown optimizer {name!r}; expected 'adam' or 'sgd'.")


STEPS_PER_CALL = 64
"""Batches per compiled call, in pretraining and in DEC: one host sync per call; stop
requests are polled between calls."""


@dataclass
class PretrainConfig:
    """How to pretrain the autoencoder (the estimator fills it from its params)."""

    scheme: str = "end_to_end"  # or "layerwise" (the paper)
    epochs: int = 50  # end-to-end epochs, or fine-tuning epochs after layerwise
    layer_epochs: int = 50  # epochs per layer in layerwise pretraining
    batch_size: int = 256
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9  # SGD only
    dropout: float = 0.2  # layerwise corruption, as in the paper
    noise: float = 0.0  # std of Gaussian input noise (denoising), end-to-end stage
    shuffle_seed: int | None = None
    augment_shift: int = 0  # random image translation (pixels) of each sample, end-to-end stage
    augment: float = 0.0  # strength of the random affine warp (dec_core.augment), end-to-end stage
    lr_schedule: str = "constant"  # or "cosine": decay to 0 over the end-to-end stage
    jit_compile: bool | None = None  # None: see use_xla()
    steps_per_call: int = STEPS_PER_CALL  # batches per compiled call (stops polled between)
    max_steps: int | None = None  # a budget of gradient steps per stage (None: epochs alone)

    @classmethod
    def from_params(cls, p, epochs: int | None = None) -> PretrainConfig:
        """The settings an estimator's checked parameters stand for.

        Parameters
        ----------
        p : types.SimpleNamespace
            :func:`dec_core.params.check_params` of a :class:`dec_core.DEC`.
        epochs : int, optional
            End-to-end epochs instead of ``p.pretrain_epochs`` (a continued run).
        """
        return cls(scheme=p.pretrain,
                   epochs=p.pretrain_epochs if epochs is None else int(epochs),
                   layer_epochs=p.layer_epochs, max_steps=p.pretrain_steps,
                   batch_size=p.pretrain_batch_size, optimizer=p.pretrain_optimizer,
                   learning_rate=p.pretrain_lr, momentum=p.momentum, dropout=p.dropout,
                   noise=p.pretrain_noise, lr_schedule=p.pretrain_schedule,
                   augment_shift=p.augment_shift, augment=p.augment,
                   shuffle_seed=p.random_state)


def fused_update(optimizer, variables):
    """A one-kernel-per-variable update equal to ``optimizer.apply``, or None.

    Keras applies Adam with about ten small ops per variable (and SGD with
    four); in a compiled loop of small matmuls those ops and their memory
    passes cost as much as the matmuls themselves. TensorFlow's fused
    kernels (``ResourceApplyAdam``, ``ResourceApplyKerasMomentum``,
    ``ResourceApplyGradientDescent``) do the same arithmetic in one pass,
    on the optimizer's own slot variables and iteration counter, so the
    optimizer's state stays what Keras would have.

    Returns ``apply(grads)`` for a plain float32 Adam (no AMSGrad) or SGD
    with no clipping, weight decay, EMA, gradient accumulation, loss scaling
    or constraints, under no multi-replica strategy; None otherwise (then
    use ``optimizer.apply_gradients``).

    It reads three private names of Keras 3's optimizers (checked on Keras 3.x,
    ``pyproject.toml`` asks for ``keras>=3.0``): ``_get_variable_index`` (a
    variable's slot), ``_momentums`` / ``_velocities`` (Adam's slots; SGD's are
    public) and ``_get_current_learning_rate`` (the schedule's value at this step).
    Keras has no public access to them; ``tests/engine/test_autoencoder.py`` checks
    the fused update against ``optimizer.apply`` so an upgrade that moves them fails
    there, and any other optimizer takes Keras' own path.
    """
    import tensorflow as tf

    variables = list(variables)
    plain = (
        optimizer.built
        and type(optimizer) in (keras.optimizers.Adam, keras.optimizers.SGD)
        and not getattr(optimizer, "amsgrad", False)
        and optimizer.clipnorm is None and optimizer.clipvalue is None
        and optimizer.global_clipnorm is None and not optimizer.weight_decay
        and not optimizer.use_ema and not optimizer.gradient_accumulation_steps
        and optimizer.loss_scale_factor is None
        and tf.distribute.get_strategy().num_replicas_in_sync == 1
        and all(v.dtype == "float32" and v.constraint is None for v in variables)
    )
    if not plain:
        return None
    handles = [_tf_variable(v).handle for v in variables]
    index = [optimizer._get_variable_index(v) for v in variables]

    if isinstance(optimizer, keras.optimizers.Adam):
        ms = [_tf_variable(optimizer._momentums[i]).handle for i in index]
        vs = [_tf_variable(optimizer._velocities[i]).handle for i in index]
        b1, b2 = float(optimizer.beta_1), float(optimizer.beta_2)
        eps = float(optimizer.epsilon)

        def apply(grads):
            lr = tf.cast(optimizer._get_current_learning_rate(), tf.float32)
            step = tf.cast(optimizer.iterations + 1, tf.float32)
            b1p, b2p = tf.pow(b1, step), tf.pow(b2, step)
            for h, m, v, g in zip(handles, ms, vs, grads):
                if g is None:
                    continue
                tf.raw_ops.ResourceApplyAdam(
                    var=h, m=m, v=v, beta1_power=b1p, beta2_power=b2p, lr=lr, beta1=b1,
                    beta2=b2, epsilon=eps, grad=tf.cast(g, tf.float32))
            optimizer.iterations.assign_add(1)

        return apply

    momentum = float(optimizer.momentum)
    accums = ([_tf_variable(optimizer.momentums[i]).handle for i in index]
              if momentum != 0 else None)
    nesterov = bool(optimizer.nesterov)

    def apply(grads):
        lr = tf.cast(optimizer._get_current_learning_rate(), tf.float32)
        for j, (h, g) in enumerate(zip(handles, grads)):
            if g is None:
                continue
            g = tf.cast(g, tf.float32)
            if accums is None:
                tf.raw_ops.ResourceApplyGradientDescent(var=h, alpha=lr, delta=g)
            else:
                tf.raw_ops.ResourceApplyKerasMomentum(
                    var=h, accum=accums[j], lr=lr, grad=g, momentum=momentum,
                    use_nesterov=nesterov)
        optimizer.iterations.assign_add(1)

    return apply


def _tf_variable(v):
    """The ``tf.Variable`` behind a Keras variable."""
    return v.value if isinstance(v, keras.Variable) else v


def _device_kind() -> str:
    """``"gpu"`` when TensorFlow sees a GPU, else ``"cpu"``."""
    import tensorflow as tf

    return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"


def use_xla(flag: bool | None = None) -> bool:
    """Whether compiled train steps should also be XLA-compiled.

    ``flag`` wins when given; otherwise the environment variable
    ``DEC_XLA`` (``"1"``/``"0"``); otherwise on with a GPU and off on CPU
    (measured on a 2-core CPU, XLA's CPU matmuls ran the pretraining loop
    about 2x slower than TensorFlow's oneDNN kernels). XLA is turned off
    under a multi-replica ``tf.distribute`` strategy.
    """
    import tensorflow as tf

    if flag is not None:
        return bool(flag)
    if tf.distribute.get_strategy().num_replicas_in_sync > 1:
        return False
    env = os.environ.get("DEC_XLA")
    if env is not None:
        return env.strip() not in ("0", "false", "no", "")
    return _device_kind() == "gpu"


def batch_plan(n: int, batch_size: int, n_batches: int, rng: np.random.Generator,
               state: dict) -> np.ndarray:
    """Row indices for the next ``n_batches`` full batches, shape ``(n_batches, B)``.

    Samples are drawn epoch by epoch from fresh permutations (each sample
    once per epoch); a batch may straddle two epochs, so every batch has the
    same size ``B = min(batch_size, n)`` and a compiled step never retraces.
    ``state`` carries the unused tail of the current permutation.
    """
    b = min(int(batch_size), int(n))
    need = n_batches * b
    parts = [state.get("rest", np.zeros(0, np.int64))]
    have = len(parts[0])
    while have < need:
        perm = rng.permutation(n)
        parts.append(perm)
        have += n
    flat = np.concatenate(parts)
    state["rest"] = flat[need:]
    return flat[:need].reshape(n_batches, b).astype(np.int32)


class StepRunner:
    """A compiled loop of minibatch steps: one Python call runs many batches.

    The data lives once on the device as a tensor; a call gets a
    ``(steps, B)`` matrix of row indices and runs all ``steps`` batches inside
    one ``tf.function`` (optionally XLA-compiled), summing the loss on the
    device, so there is one host sync per call, not one per batch. Under a
    ``tf.distribute`` strategy each batch is split across the replicas and
    the gradients are summed by the optimizer.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(rows, extra_rows, seed) -> per-sample loss (b,)`` where
        ``rows`` are the batch's input rows and ``extra_rows`` the gathered
        rows of ``extra`` (or None); runs inside the gradient tape.
    variables : list of tf.Variable
        What to train.
    optimizer : keras.optimizers.Optimizer
        Created under the strategy's scope.
    x : tf.Tensor of shape (n, d)
    extra : tf.Tensor of shape (n, ...), optional
        Per-row targets, gathered like ``x`` (e.g. DEC's ``p``). Pass it to
        :meth:`run` when it changes between calls.
    jit_compile : bool, optional
        See :func:`use_xla`.
    seed : int, optional
        Seeds the stateless noise streams.
    fuse : bool, optional
        Apply plain Adam / SGD with TensorFlow's fused kernels
        (:func:`fused_update`); same arithmetic, fewer ops per step. Default:
        on, unless the environment variable ``DEC_FUSED_UPDATE`` is ``"0"``.
    """

    def __init__(self, loss_fn, variables, optimizer, x, *, jit_compile: bool | None = None,
                 seed: int | None = None, fuse: bool | None = None):
        import tensorflow as tf

        self.strategy = tf.distribute.get_strategy()
        self.variables = list(variables)
        self.optimizer = optimizer
        self.x = x
        self._seed = tf.Variable(
            [int(seed or 0) % (2**31 - 1), 0], dtype=tf.int64, trainable=False
        )
        strategy = self.strategy
        n_rep = strategy.num_replicas_in_sync
        variables_ = self.variables
        x_ = x
        if fuse is None:
            fuse = os.environ.get("DEC_FUSED_UPDATE", "1").strip() not in ("0", "false", "no", "")
        fused = fused_update(optimizer, variables_) if fuse else None
        self.fused = fused is not None

        def replica_step(rows, extra_rows, seed_pair):
            b_global = tf.cast(tf.shape(rows)[0], tf.float32)
            if n_rep > 1:
                rid = tf.distribute.get_replica_context().replica_id_in_sync_group
                take = tf.range(rid, tf.shape(rows)[0], n_rep)
                rows = tf.gather(rows, take)
                extra_rows = None if extra_rows is None else tf.gather(extra_rows, take)
                seed_pair = seed_pair + tf.cast([0, rid], tf.int64) * 7919
            with tf.GradientTape() as tape:
                per_sample = loss_fn(rows, extra_rows, seed_pair)
                loss = tf.reduce_sum(per_sample) / b_global
            grads = tape.gradient(loss, variables_)
            if fused is not None:
                fused(grads)
            else:
                optimizer.apply_gradients(zip(grads, variables_))
            return loss

        def run_steps(idx, extra):
            # idx: (S, B) int32 row indices; extra: (n, k) or a dummy
            total = tf.constant(0.0, tf.float32)
            for s in tf.range(tf.shape(idx)[0]):
                rows_idx = idx[s]
                rows = tf.gather(x_, rows_idx)
                extra_rows = None if extra is None else tf.gather(extra, rows_idx)
                self._seed.assign_add(tf.constant([0, 1], tf.int64))
                seed_pair = tf.identity(self._seed)
                if n_rep > 1:
                    per = strategy.run(replica_step, args=(rows, extra_rows, seed_pair))
                    loss = strategy.reduce(tf.distribute.ReduceOp.SUM, per, axis=None)
                else:
                    loss = replica_step(rows, extra_rows, seed_pair)
                total += tf.cast(loss, tf.float32)
            return total

        self.jit_compile = use_xla(jit_compile)
        self._run = tf.function(run_steps, jit_compile=self.jit_compile, reduce_retracing=True)

    @property
    def seed_state(self) -> np.ndarray:
        """The noise streams' counter ``[seed, step]`` (int64, shape (2,)), for a checkpoint."""
        return self._seed.numpy()

    @seed_state.setter
    def seed_state(self, value) -> None:
        self._seed.assign(np.asarray(value, np.int64))

    def trace(self, extra_shape: tuple[int, ...] | None = None) -> None:
        """Compile the loop now, for any number of steps and batch size, not at the first :meth:`run`.

        The trace serves every later call (its index matrix is shape-polymorphic),
        so e.g. the clustering phase's first interval, which a step-mode page
        waits for, does not also pay for tracing.

        Parameters
        ----------
        extra_shape : tuple of int, optional
            Shape of the float32 ``extra`` that :meth:`run` will get (DEC's
            ``p``: ``(n, k)``); None when it gets none.
        """
        import tensorflow as tf

        spec = None if extra_shape is None else tf.TensorSpec(extra_shape, tf.float32)
        self._run.get_concrete_function(tf.TensorSpec([None, None], tf.int32), spec)

    def run(self, idx: np.ndarray, extra=None):
        """Run ``len(idx)`` batches; returns the summed batch losses (a scalar tensor)."""
        import tensorflow as tf

        return self._run(tf.constant(idx, tf.int32), extra)


def _mse_loss(model, noise: float, shift: int = 0, side: int = 0, augment: float = 0.0):
    """Per-sample reconstruction MSE of ``model`` with optional input corruption.

    With ``shift > 0`` or ``augment > 0`` each row is first randomly
    transformed (:func:`dec_core.augment.augment_rows`: an augmented sample,
    also the reconstruction target); noise corrupts only the input.
    """
    import tensorflow as tf

    def loss_fn(rows, target_rows, seed_pair):
        if shift > 0 or augment > 0:
            rows = augment_rows(rows, side, shift, augment, seed_pair)
        inp = rows
        if noise > 0:
            inp = inp + noise * tf.random.stateless_normal(tf.shape(rows), seed=seed_pair)
        out = tf.cast(model(inp, training=True), tf.float32)
        target = rows if target_rows is None else target_rows
        return tf.reduce_mean(tf.square(out - target), axis=1)

    return loss_fn


def _fit(model, x, cfg: PretrainConfig, epochs: int, stage: str, events,
         noise: float = 0.0, shift: int = 0, augment: float = 0.0,
         resume: dict | None = None) -> None:
    """Train ``model`` to reconstruct ``x`` for ``epochs`` epochs (compiled loop).

    ``events.epoch(stage, epoch, total, logs) -> stop?`` runs after every
    epoch; ``events.should_stop()`` is polled between chunks of batches. When
    ``events`` has ``epoch_done(stage, next_epoch, total, get_state)``, it runs
    after every finished epoch with ``get_state() -> dict``, the stage's
    training state (optimizer variables, batch generator, noise counter,
    dropout seeds) for a checkpoint; ``resume`` is such a dict (with
    ``"epoch"``, the next epoch): the stage goes on from there.
    """
    import tensorflow as tf

    if epochs <= 0:
        return
    from .cost import pretrain_plan

    n = int(x.shape[0])
    b = min(cfg.batch_size, n)
    # epochs, cut short by the step budget (the last epoch may be partial)
    steps_per_epoch, total_steps, epochs = pretrain_plan(n, b, epochs, cfg.max_steps)
    opt = make_optimizer(cfg.optimizer, _schedule(cfg, total_steps), cfg.momentum)
    variables = model.trainable_variables
    opt.build(variables)
    x_t = x if isinstance(x, tf.Tensor) else tf.constant(x)
    side = image_side(int(x.shape[1])) if shift > 0 or augment > 0 else 0
    runner = StepRunner(_mse_loss(model, noise, shift, side, augment), variables, opt, x_t,
                        jit_compile=cfg.jit_compile, seed=cfg.shuffle_seed)
    rng = np.random.default_rng(cfg.shuffle_seed)
    state: dict = {}
    chunk = max(1, min(steps_per_epoch, cfg.steps_per_call))
    start = 0
    if resume is not None:  # dec_core.checkpoint: the same batches, noise and moments
        start = int(resume["epoch"])
        _restore_fit_state(resume, opt, rng, state, runner, model)
    checkpoint = getattr(events, "epoch_done", None)

    def get_state() -> dict:
        return {"opt": [np.array(v.numpy()) for v in opt.variables],
                "rng": rng.bit_generator.state, "rest": state.get("rest", np.zeros(0, np.int64)),
                "seed": runner.seed_state,
                "extra": [np.array(v.numpy()) for v in model.non_trainable_variables]}

    progress = getattr(events, "progress", None)
    steps_done = start * steps_per_epoch  # only the last epoch may be cut short
    for epoch in range(start, epochs):
        total, done = 0.0, 0
        this_epoch = min(steps_per_epoch, total_steps - steps_done)
        while done < this_epoch:
            s = min(chunk, this_epoch - done)
            total += float(runner.run(batch_plan(n, b, s, rng, state)))
            done += s
            if progress is not None:  # a long epoch still shows how far it got
                progress(stage, steps_done + done, total_steps)
            if done < this_epoch and events.should_stop():
                break
        steps_done += done
        if events.epoch(stage, epoch, epochs, {"loss": total / max(done, 1)}):
            return
        if events.should_stop():
            return
        if checkpoint is not None:
            checkpoint(stage, epoch + 1, epochs, get_state)


def _restore_fit_state(saved: dict, opt, rng, state: dict, runner, model) -> None:
    """Put a pretraining stage back where a checkpoint left it (see ``_fit``)."""
    from .checkpoint import assign, restore_rng

    assign(opt.variables, saved["opt"])
    restore_rng(rng, saved["rng"])
    state["rest"] = np.asarray(saved["rest"], np.int64)
    runner.seed_state = saved["seed"]
    assign(model.non_trainable_variables, saved.get("extra", []))


def _schedule(cfg: PretrainConfig, total_steps: int):
    """The pretraining learning rate: constant, or cosine decay to 0 over the run."""
    if cfg.lr_schedule == "cosine" and total_steps > 0:
        return keras.optimizers.schedules.CosineDecay(cfg.learning_rate, total_steps, alpha=0.0)
    if cfg.lr_schedule not in ("constant", "cosine"):
        raise ValueError(f"Unknown lr_schedule {cfg.lr_schedule!r}; expected 'constant' or 'cosine'.")
    return cfg.learning_rate


def pretrain_autoencoder(
    autoencoder: keras.Model, x: np.ndarray, cfg: PretrainConfig, events,
    resume: dict | None = None,
) -> None:
    """Pretrain ``autoencoder`` in place on ``x`` (float32, (n, d)).

    Parameters
    ----------
    autoencoder : keras.Model
        From :func:`build_autoencoder`.
    x : ndarray or tf.Tensor of shape (n_samples, n_features)
    cfg : PretrainConfig
    events : object
        ``events.epoch(stage, epoch, total, logs) -> bool`` is called after
        every epoch and returns True to stop; ``events.should_stop() -> bool``
        is polled between chunks of batches. See ``_fit`` for the optional
        ``events.epoch_done`` checkpoint hook.
    resume : dict, optional
        A checkpointed stage state with ``"stage"`` and ``"epoch"``: earlier
        stages are skipped (their weights are already in ``autoencoder``)
        and that stage goes on from that epoch.
    """
    dims = [autoencoder.input_shape[-1]]
    dense = [layer for layer in autoencoder.layers if isinstance(layer, keras.layers.Dense)]
    n_layers = len(dense) // 2
    enc_names, dec_names = layer_names(n_layers)
    enc = [autoencoder.get_layer(n) for n in enc_names]
    dec = [autoencoder.get_layer(n) for n in dec_names]
    dims += [layer.units for layer in enc]

    order = ([f"layer_{i + 1}" for i in range(n_layers)] + ["finetune"]
             if cfg.scheme == "layerwise" else ["end_to_end"])
    first = order.index(resume["stage"]) if resume is not None else 0

    def stage_resume(name: str) -> dict | None:
        return resume if resume is not None and resume["stage"] == name else None

    if cfg.scheme == "layerwise":
        h = np.asarray(x, dtype=np.float32)
        for i in range(n_layers):
            if events.should_stop():
                return
            if i < first:  # done before the checkpoint: only its output is needed
                if i < n_layers - 1:
                    h = _apply(enc[i], h)
                continue
            # A shallow denoising AE on h: dropout -> enc[i] -> dropout -> dec[i].
            inp = keras.Input(shape=(dims[i],))
            t = keras.layers.Dropout(cfg.dropout, seed=cfg.shuffle_seed)(inp)
            t = enc[i](t)
            t = keras.layers.Dropout(cfg.dropout, seed=cfg.shuffle_seed)(t)
            out = dec[i](t)
            _fit(keras.Model(inp, out), h, cfg, cfg.layer_epochs, f"layer_{i + 1}", events,
                 resume=stage_resume(f"layer_{i + 1}"))
            if events.should_stop():
                return
            if i < n_layers - 1:
                # The next layer learns to reconstruct this layer's clean output.
                h = _apply(enc[i], h)
        stage = "finetune"
    elif cfg.scheme == "end_to_end":
        stage = "end_to_end"
    else:
        raise ValueError(f"Unknown pretraining scheme {cfg.scheme!r}; expected 'end_to_end' or 'layerwise'.")
    if events.should_stop():
        return
    _fit(autoencoder, x, cfg, cfg.epochs, stage, events, noise=cfg.noise,
         shift=cfg.augment_shift, augment=cfg.augment, resume=stage_resume(stage))


def _apply(layer, x: np.ndarray, batch: int = 8192) -> np.ndarray:
    """``layer(x)`` in batches, as float32 NumPy."""
    return np.concatenate(
        [np.asarray(layer(x[i : i + batch]), dtype=np.float32) for i in range(0, len(x), batch)]
    )
