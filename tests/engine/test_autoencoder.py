"""The autoencoder module: fused optimizer updates against Keras's own."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dec_core.autoencoder import build_autoencoder, fused_update, make_optimizer


def _grads(model, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - x))
    return tape.gradient(loss, model.trainable_variables)


def _twin(seed=0):
    a, _ = build_autoencoder([6, 16, 8, 3], seed=seed)
    b, _ = build_autoencoder([6, 16, 8, 3], seed=seed)
    return a, b


@pytest.mark.parametrize("make", [
    lambda: make_optimizer("adam", keras.optimizers.schedules.CosineDecay(0.01, 10)),
    lambda: make_optimizer("adam", 0.003),
    lambda: make_optimizer("sgd", 0.05, momentum=0.9),
    lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.SGD(0.05),
])
def test_fused_update_matches_keras(make):
    x = tf.constant(np.random.default_rng(0).normal(size=(32, 6)).astype(np.float32))
    ref, fast = _twin()
    opt_ref, opt_fast = make(), make()
    opt_ref.build(ref.trainable_variables)
    opt_fast.build(fast.trainable_variables)
    apply = fused_update(opt_fast, fast.trainable_variables)
    assert apply is not None
    step = tf.function(lambda: apply(_grads(fast, x)))
    for _ in range(6):
        opt_ref.apply_gradients(zip(_grads(ref, x), ref.trainable_variables))
        step()
    assert int(opt_fast.iterations) == int(opt_ref.iterations) == 6
    for a, b in zip(ref.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(opt_ref.variables, opt_fast.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    lambda: keras.optimizers.Adam(0.01, clipnorm=1.0),
    lambda: keras.optimizers.AdamW(0.01),
    lambda: keras.optimizers.RMSprop(0.01),
])
def test_fused_update_declines_what_it_cannot_match(make):
    model, _ = build_autoencoder([6, 16, 3], seed=0)
    opt = make()
    opt.build(model.trainable_variables)
    assert fused_update(opt, model.trainable_variables) is None


def test_step_runner_uses_the_fused_update_unless_told_not_to(monkeypatch):
    from dec_core.autoencoder import StepRunner, _mse_loss

    x = tf.constant(np.random.default_rng(1).normal(size=(40, 6)).astype(np.float32))
    idx = np.arange(40, dtype=np.int32).reshape(4, 10)
    weights = {}
    for env in ("1", "0"):
        monkeypatch.setenv("DEC_FUSED_UPDATE", env)
        model, _ = build_autoencoder([6, 16, 3], seed=0)
        opt = make_optimizer("adam", 0.01)
        opt.build(model.trainable_variables)
        runner = StepRunner(_mse_loss(model, 0.1), model.trainable_variables, opt, x, seed=0,
                            jit_compile=False)
        assert runner.fused == (env == "1")
        runner.run(idx)
        weights[env] = model.get_weights()
    for a, b in zip(weights["1"], weights["0"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_step_runner_trace_serves_every_later_call():
    """trace() compiles once for any steps x batch; runs after it trace nothing more and
    train exactly as an untraced runner does."""
    from dec_core.autoencoder import StepRunner, _mse_loss

    x = tf.constant(np.random.default_rng(2).normal(size=(40, 6)).astype(np.float32))
    weights = []
    for warm in (True, False):
        model, _ = build_autoencoder([6, 16, 3], seed=0)
        opt = make_optimizer("sgd", 0.05, 0.9)
        opt.build(model.trainable_variables)
        runner = StepRunner(_mse_loss(model, 0.0), model.trainable_variables, opt, x, seed=0,
                            jit_compile=False)
        if warm:
            runner.trace()
            assert runner._run.experimental_get_tracing_count() == 1
        for steps, batch in ((4, 10), (2, 8), (1, 40)):
            runner.run(np.arange(steps * batch, dtype=np.int32).reshape(steps, batch) % 40)
        if warm:
            assert runner._run.experimental_get_tracing_count() == 1
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


class _Losses:
    """Pretraining events that record each epoch's loss and never stop."""

    def __init__(self):
        self.losses = []

    def should_stop(self):
        return False

    def epoch(self, stage, epoch, total, logs):
        self.losses.append(logs["loss"])
        return False


def test_steps_per_call_trains_exactly_as_one_step_per_call():
    """Several gradient steps per compiled call (Keras's steps_per_execution) change only
    how often Python is entered: the same batches, noise, Adam moments and cosine rate, so
    the epoch losses and the weights equal one step per call's."""
    from dec_core.autoencoder import PretrainConfig, _fit

    x = np.random.default_rng(3).normal(size=(50, 6)).astype(np.float32)
    runs = []
    for spc in (1, 4, 64):
        model, _ = build_autoencoder([6, 16, 3], seed=0)
        cfg = PretrainConfig(batch_size=8, learning_rate=0.01, lr_schedule="cosine",
                             shuffle_seed=5, steps_per_call=spc, jit_compile=False)
        events = _Losses()
        _fit(model, x, cfg, 3, "end_to_end", events, noise=0.2)
        runs.append((events.losses, model.get_weights()))
    (losses1, weights1) = runs[0]
    assert len(losses1) == 3 and losses1[-1] < losses1[0]
    for losses, weights in runs[1:]:
        np.testing.assert_allclose(losses, losses1, rtol=1e-5)
        for a, b in zip(weights, weights1):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
