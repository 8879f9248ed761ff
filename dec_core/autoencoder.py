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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np


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


def build_autoencoder(
    dims: Sequence[int], *, init: str = "glorot_uniform", seed: int | None = None
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

    inputs = keras.Input(shape=(dims[0],), name="input")
    h = inputs
    for i in range(n_layers):
        h = keras.layers.Dense(
            dims[i + 1],
            activation=None if i == n_layers - 1 else "relu",
            kernel_initializer=kernel_init(i),
            name=enc_names[i],
        )(h)
    embedding = h
    for i in reversed(range(n_layers)):
        h = keras.layers.Dense(
            dims[i],
            activation=None if i == 0 else "relu",
            kernel_initializer=kernel_init(n_layers + i),
            name=dec_names[i],
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


class _Bridge(keras.callbacks.Callback):
    """Turn Keras fit events into dec_core pretraining events and stop requests."""

    def __init__(self, on_epoch: Callable[[int, dict], bool], should_stop: Callable[[], bool]):
        super().__init__()
        self.on_epoch = on_epoch
        self.should_stop = should_stop

    def on_train_batch_end(self, batch, logs=None):
        if self.should_stop():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", np.nan))
        if self.on_epoch(epoch, {"loss": loss}):
            self.model.stop_training = True


def _fit(model, x, target, cfg: PretrainConfig, epochs: int, stage: str, events) -> None:
    """``model.fit`` with our events; ``events(stage, epoch, total, logs) -> stop?``."""
    if epochs <= 0:
        return
    model.compile(
        optimizer=make_optimizer(cfg.optimizer, cfg.learning_rate, cfg.momentum), loss="mse"
    )
    bridge = _Bridge(
        lambda epoch, logs: events.epoch(stage, epoch, epochs, logs), events.should_stop
    )
    model.fit(
        x, target, batch_size=cfg.batch_size, epochs=epochs, shuffle=True, verbose=0,
        callbacks=[bridge],
    )


def _with_noise(model: keras.Model, dims: Sequence[int], noise: float, seed) -> keras.Model:
    """The autoencoder behind a GaussianNoise layer (active in training only)."""
    inputs = keras.Input(shape=(dims[0],))
    noisy = keras.layers.GaussianNoise(noise, seed=seed)(inputs)
    return keras.Model(inputs, model(noisy))


def pretrain_autoencoder(
    autoencoder: keras.Model, x: np.ndarray, cfg: PretrainConfig, events
) -> None:
    """Pretrain ``autoencoder`` in place on ``x`` (float32, (n, d)).

    Parameters
    ----------
    autoencoder : keras.Model
        From :func:`build_autoencoder`.
    x : ndarray of shape (n_samples, n_features)
    cfg : PretrainConfig
    events : object
        ``events.epoch(stage, epoch, total, logs) -> bool`` is called after
        every epoch and returns True to stop; ``events.should_stop() -> bool``
        is polled between batches.
    """
    dims = [autoencoder.input_shape[-1]]
    dense = [layer for layer in autoencoder.layers if isinstance(layer, keras.layers.Dense)]
    n_layers = len(dense) // 2
    enc_names, dec_names = layer_names(n_layers)
    enc = [autoencoder.get_layer(n) for n in enc_names]
    dec = [autoencoder.get_layer(n) for n in dec_names]
    dims += [layer.units for layer in enc]

    if cfg.scheme == "layerwise":
        h = x
        for i in range(n_layers):
            if events.should_stop():
                return
            # A shallow denoising AE on h: dropout -> enc[i] -> dropout -> dec[i].
            inp = keras.Input(shape=(dims[i],))
            t = keras.layers.Dropout(cfg.dropout, seed=cfg.shuffle_seed)(inp)
            t = enc[i](t)
            t = keras.layers.Dropout(cfg.dropout, seed=cfg.shuffle_seed)(t)
            out = dec[i](t)
            _fit(keras.Model(inp, out), h, h, cfg, cfg.layer_epochs, f"layer_{i + 1}", events)
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
    model = autoencoder
    if cfg.noise > 0:
        model = _with_noise(autoencoder, dims, cfg.noise, cfg.shuffle_seed)
    _fit(model, x, x, cfg, cfg.epochs, stage, events)


def _apply(layer, x: np.ndarray, batch: int = 8192) -> np.ndarray:
    """``layer(x)`` in batches, as float32 NumPy."""
    return np.concatenate(
        [np.asarray(layer(x[i : i + batch]), dtype=np.float32) for i in range(0, len(x), batch)]
    )
