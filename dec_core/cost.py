"""What a run will cost before it starts: FLOPs, gradient steps, seconds, memory.

The one owner of the cost model. The Model page, the Train page (before
Start and for the ETA while a job runs), the CLI (stderr before it starts)
and the benchmarks all call it; nothing else counts FLOPs or times matmuls.

The model
---------
A gradient step of a dense network costs a fixed framework overhead plus its
matmul FLOPs at a share of this machine's float32 matmul rate::

    step_s = STEP_OVERHEAD_S + LAYER_OVERHEAD_S * n_dense_layers
             + flops_per_step / (gflops * 1e9 * EFFICIENCY)

``gflops`` is measured once per process with NumPy (:func:`machine_gflops`,
cached). Pretraining runs ``min(epochs * ceil(n / batch), pretrain_steps)``
steps (:func:`pretrain_plan`); DEC runs at most ``max_iter`` batches (about
:data:`EXPECTED_DEC_ITERS` before tol stops it) plus a full forward pass over
the data every ``update_interval`` batches, an interval the ``update_budget``
widens on big data (:func:`dec_update_interval`); k-means
runs ``n_init`` restarts in the embedding. The constants were fitted on the
project's 2-core CPU (docs/engine.md, "What a run costs"); the estimate is
meant to be within a factor of 1.5 for pretraining.

Examples
--------
>>> dims = [64, 32, 10]
>>> param_count(dims)  # (64*32+32) + (32*10+10) + (10*32+32) + (32*64+64)
4874
>>> flops_per_sample(dims)
9472
>>> pretrain_plan(1797, 64, 200, 20000)
(29, 5800, 200)
>>> pretrain_plan(1_000_000, 64, 200, 20000)
(15625, 20000, 2)
>>> dec_update_interval(1_000_000, 60, 3000, 10_000_000)
300
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

TRAINING_FACTOR = 3
"""A training step costs about 3 forward passes (forward, input gradients, weight gradients)."""

# Fitted on the project's 2-core CPU (TensorFlow 2.x, oneDNN): seconds of a
# compiled training step beyond its matmuls (launching ~10 small ops per layer), and the
# share of the matmul rate (machine_gflops) that batches of 64-256 rows through
# 64-2000-wide layers reach: at load 4-5 digits' pretraining ran its matmuls at 59 GFLOP/s,
# MNIST-10k's at 76 and its DEC phase at 85, against a measured rate of about 85.
STEP_OVERHEAD_S = 0.45e-3
LAYER_OVERHEAD_S = 0.05e-3
EFFICIENCY = 0.75
# Fixed costs per phase: tracing the compiled loops, building the clustering model.
PRETRAIN_FIXED_S = 1.0
KMEANS_FIXED_S = 2.5
DEC_FIXED_S = 0.5
# Per target update: q -> p, argmax and delta_label per sample and cluster, and the
# ACC / NMI / ARI of the labels per sample (NumPy; 1,000,000 x 4: 0.35 s + 0.35 s).
UPDATE_PER_SAMPLE_S = 0.1e-6
UPDATE_SCORES_PER_SAMPLE_S = 0.35e-6
# k-means restarts: a fixed cost each, k-means++ seeding (per sample and cluster), and
# about KMEANS_ITERS Lloyd iterations at KMEANS_EFFICIENCY of the matmul rate.
KMEANS_INIT_S = 0.04
KMEANS_SEED_S = 0.1e-6
KMEANS_ITERS = 20
KMEANS_EFFICIENCY = 0.05
# The batches DEC runs before tol stops it, capped by max_iter: the prior of the estimate
# and the ETA. tol stops DEC after a number of batches set by the data, not by max_iter:
# digits 1,080 / 1,560 / 1,260 (seeds 0-2, max_iter 3,000), MNIST-10k 2,720 (max_iter
# 20,000), moons 240, a 2,000-row CSV 60; a 1,000,000-row CSV and the Tiny network run to
# max_iter (3,000). A share of max_iter (35%) had MNIST-10k's DEC at 7,000 batches.
EXPECTED_DEC_ITERS = 2000


def expected_dec_iters(max_iter: int) -> int:
    """The batches DEC is expected to run: :data:`EXPECTED_DEC_ITERS`, at most ``max_iter``."""
    return max(0, min(int(max_iter), EXPECTED_DEC_ITERS))


WARN_SECONDS = 120.0
"""Past this estimate the Train page warns and offers a setting that fits."""


# --------------------------------------------------------------------- FLOPs
def layer_pairs(dims: Sequence[int]) -> list[tuple[int, int]]:
    """The ``(inputs, outputs)`` of every dense layer, encoder then decoder.

    Parameters
    ----------
    dims : sequence of int
        ``[n_features, hidden..., embedding_dim]``.

    Returns
    -------
    list of tuple of int
        ``2 * (len(dims) - 1)`` pairs.
    """
    dims = [int(v) for v in dims]
    enc = list(zip(dims[:-1], dims[1:]))
    dec = [(b, a) for a, b in reversed(enc)]
    return enc + dec


def param_count(dims: Sequence[int]) -> int:
    """Weights and biases of the autoencoder built from ``dims`` (as Keras' ``count_params()``)."""
    return sum(a * b + b for a, b in layer_pairs(dims))


def flops_per_sample(dims: Sequence[int]) -> int:
    """Forward-pass floating-point operations of the autoencoder for one sample.

    Two operations (a multiply and an add) per weight; biases and activations
    are ignored. A training step costs about :data:`TRAINING_FACTOR` times this.
    """
    return sum(2 * a * b for a, b in layer_pairs(dims))


def training_flops_per_sample(dims: Sequence[int]) -> int:
    """FLOPs of one training step per sample, the rule of thumb: 3x the forward pass."""
    return TRAINING_FACTOR * flops_per_sample(dims)


def pretrain_flops_per_sample(dims: Sequence[int]) -> float:
    """Matmul FLOPs of one end-to-end pretraining step, per sample (the exact count).

    Forward through encoder and decoder is ``4 S`` with ``S = sum d_i d_{i+1}``;
    the backward pass adds ``4 S`` for the weight gradients and ``4 S`` for the
    input gradients, less the first layer's (the data needs none).
    """
    s = sum(int(a) * int(b) for a, b in zip(dims[:-1], dims[1:]))
    return float(12 * s - 2 * int(dims[0]) * int(dims[1]))


def dec_flops_per_sample(dims: Sequence[int], n_clusters: int, method: str = "dec") -> float:
    """Matmul FLOPs of one clustering-phase step, per sample.

    DEC trains the encoder and the centroids (``6 S_enc`` less the first
    layer's input gradients, plus about ``6 k e`` for the Student's t layer);
    IDEC trains the whole autoencoder as in pretraining, plus the same head.
    """
    head = 6.0 * int(n_clusters) * int(dims[-1])
    if method == "idec":
        return pretrain_flops_per_sample(dims) + head
    s = sum(int(a) * int(b) for a, b in zip(dims[:-1], dims[1:]))
    return float(6 * s - 2 * int(dims[0]) * int(dims[1])) + head


def forward_flops_per_sample(dims: Sequence[int], n_clusters: int) -> float:
    """FLOPs of embedding one sample and its soft assignment (a target update)."""
    s = sum(int(a) * int(b) for a, b in zip(dims[:-1], dims[1:]))
    return 2.0 * s + 3.0 * int(n_clusters) * int(dims[-1])


# --------------------------------------------------------------------- the machine
def numpy_matmul_gflops(n: int = 1024, repeats: int = 3) -> float:
    """This machine's float32 matrix-multiply rate, measured with NumPy.

    Parameters
    ----------
    n : int, default=1024
        Multiply two ``n x n`` float32 matrices.
    repeats : int, default=3
        Timed runs after one warm-up; the fastest counts.

    Returns
    -------
    float
        GFLOP/s (``2 n^3`` operations per product).
    """
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / max(best, 1e-9) / 1e9


@functools.cache
def machine_gflops() -> float:
    """This machine's matmul rate, measured once per process (about 0.5 s), then cached.

    The larger of :func:`numpy_matmul_gflops` on all cores and on one (a shared
    machine's load hurts the multi-threaded product most).

    ``DEC_GFLOPS`` (a number) replaces the measurement, e.g. for tests or to
    quote another machine.
    """
    env = os.environ.get("DEC_GFLOPS")
    if env:
        try:
            return max(float(env), 1e-3)
        except ValueError:
            pass
    # Best of 10 products (~0.3 s) on all cores, and best of 10 on one: on a shared
    # machine a multi-threaded product waits for its slowest thread, so it collapses
    # under load (the 2-core machine at load 5: 40-67 GFLOP/s on both cores, 71-93 on one,
    # 195 on both when free) while TensorFlow's training steps still reached 60-85 GFLOP/s;
    # the larger of the two follows what a run gets.
    rate = numpy_matmul_gflops(1024, repeats=10)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover (scikit-learn depends on it)
        return rate
    with threadpool_limits(1):
        one = numpy_matmul_gflops(1024, repeats=10)
    return max(rate, one)


def matmul_rates(n: int = 3072, repeats: int = 3) -> dict[str, float]:
    """The float32 matmul rate on an ``n x n`` product with TensorFlow and with NumPy.

    Returns
    -------
    dict
        ``{"tensorflow": GFLOP/s, "numpy": GFLOP/s, "best": max of both, "n": n}``;
        each the best of ``repeats`` timed runs after a warm-up.
    """
    import numpy as np
    import tensorflow as tf

    flops = 2.0 * n**3
    a = tf.random.uniform((n, n), dtype=tf.float32, seed=0)
    mm = tf.function(lambda m: tf.reduce_sum(tf.matmul(m, m)[0, :1]))
    mm(a).numpy()
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        mm(a).numpy()
        best = min(best, time.perf_counter() - t0)
    tf_rate = flops / best / 1e9
    np_rate = numpy_matmul_gflops(n, repeats)
    return {"n": n, "tensorflow": tf_rate, "numpy": np_rate, "best": max(tf_rate, np_rate)}


# --------------------------------------------------------------------- steps
def _check_budget(name: str, value, what: str, fix: str) -> int | None:
    """A budget parameter as an int, or None (no cap); a clear error naming ``fix``."""
    if value is None:
        return None
    import numpy as np

    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or int(value) < 1:
        raise ValueError(
            f"The '{name}' parameter must be a whole number of {what}, or None for no cap. "
            f"Got {value!r}. {fix}")
    return int(value)


def check_pretrain_steps(value) -> int | None:
    """``pretrain_steps`` as an int, or None (no cap); a clear error for anything else.

    Raises
    ------
    ValueError
        For 0, a negative number, a fraction or a non-number, naming the fix.
    """
    return _check_budget("pretrain_steps", value, "gradient steps >= 1 (e.g. 20000)",
                         "To skip pretraining, set pretrain_epochs=0 instead.")


def check_update_budget(value) -> int | None:
    """``update_budget`` as an int, or None (no cap); a clear error for anything else.

    Raises
    ------
    ValueError
        For 0, a negative number, a fraction or a non-number, naming the fix.
    """
    return _check_budget("update_budget", value, "rows >= 1 that the target updates may "
                         "embed in all (e.g. 10000000)",
                         "To update the target less often, raise update_interval instead.")


def dec_update_interval(n_samples: int, update_interval: int, max_iter: int,
                        update_budget: int | None) -> int:
    """The batches between target updates that DEC runs: widened so the updates fit the budget.

    Each target update embeds all ``n_samples`` rows, and ``max_iter`` batches
    make ``max_iter / update_interval`` of them, so their cost grows with
    ``n_samples * max_iter / update_interval``. When that passes
    ``update_budget`` rows the interval widens to
    ``ceil(max_iter * n_samples / update_budget)``; otherwise it is
    ``update_interval`` unchanged (as for every preset's digits, MNIST-10k
    and tabular data).

    Parameters
    ----------
    n_samples, update_interval, max_iter : int
    update_budget : int or None
        The most rows the target updates embed in all; None: no cap.

    Returns
    -------
    int
        ``max(update_interval, ceil(max_iter * n_samples / update_budget))``, >= 1.

    Examples
    --------
    >>> dec_update_interval(1797, 60, 3000, 10_000_000)   # digits: untouched
    60
    >>> dec_update_interval(1_000_000, 60, 3000, 10_000_000)  # 10 updates, not 50
    300
    """
    interval = max(1, int(update_interval))
    if update_budget is None or int(max_iter) <= 0:
        return interval
    need = -(-int(max_iter) * int(n_samples) // max(1, int(update_budget)))
    return max(interval, need)


def pretrain_plan(n_samples: int, batch_size: int, epochs: int,
                  max_steps: int | None) -> tuple[int, int, int]:
    """How many gradient steps pretraining runs: epochs, capped by the step budget.

    Parameters
    ----------
    n_samples : int
    batch_size : int
    epochs : int
        Passes over the data asked for.
    max_steps : int or None
        The budget (``pretrain_steps``); None: no cap.

    Returns
    -------
    steps_per_epoch, total_steps, epochs_run : int
        ``total_steps = min(epochs * steps_per_epoch, max_steps)``; the last
        of the ``epochs_run`` epochs may be partial.
    """
    per_epoch = -(-int(n_samples) // max(1, min(int(batch_size), int(n_samples) or 1)))
    total = max(0, int(epochs)) * per_epoch
    if max_steps is not None:
        total = min(total, int(max_steps))
    return per_epoch, total, -(-total // per_epoch) if per_epoch else 0


def pretrain_epochs_run(n_samples: int, params) -> int:
    """The epochs pretraining runs in all stages: what its progress counts up to.

    End to end: ``pretrain_epochs``. Layer-wise: ``layer_epochs`` for each of the
    ``len(dims) - 1`` layer pairs, then ``pretrain_epochs`` of fine-tuning. The
    step budget ``pretrain_steps`` caps each stage (:func:`pretrain_plan`).

    Parameters
    ----------
    n_samples : int
    params : mapping or DEC
        Estimator parameters (``dims`` in full, input width first).
    """
    batch = int(_get(params, "pretrain_batch_size", 256))
    budget = _get(params, "pretrain_steps", None)

    def run(epochs) -> int:
        return pretrain_plan(n_samples, batch, int(epochs), budget)[2]

    total = run(_get(params, "pretrain_epochs", 50))
    if _get(params, "pretrain", "end_to_end") == "layerwise":
        total += (len(_get(params, "dims", [])) - 1) * run(_get(params, "layer_epochs", 25))
    return total


def step_seconds(dims: Sequence[int], flops_per_sample: float, batch_size: int,
                 gflops: float, n_layers: int | None = None) -> float:
    """Seconds of one compiled training step (the model in the module docstring)."""
    n_layers = 2 * (len(dims) - 1) if n_layers is None else int(n_layers)
    rate = max(float(gflops), 1e-3) * 1e9 * EFFICIENCY
    return STEP_OVERHEAD_S + LAYER_OVERHEAD_S * n_layers + flops_per_sample * batch_size / rate


# --------------------------------------------------------------------- memory
def peak_bytes(n_samples: int, dims: Sequence[int], n_clusters: int,
               batch_size: int = 256) -> int:
    """A generous estimate of the memory one DEC fit needs, in bytes.

    Counts the data (NumPy copy, TF constant, scaled copy), weights with their
    gradients and two Adam slots, a batch's activations, the full-data q, p
    and embedding, and a fixed allowance for TensorFlow itself.
    """
    dims = [int(v) for v in dims]
    d = dims[0]
    params = sum(a * b + b for a, b in zip(dims[:-1], dims[1:])) * 2 + n_clusters * dims[-1]
    data = 3 * n_samples * d * 4
    weights = 4 * params * 4
    activations = 4 * batch_size * sum(dims) * 2 * 4
    full = n_samples * (3 * n_clusters + 2 * dims[-1]) * 4 + n_samples * d * 4  # q, p, z, x_hat
    return int(data + weights + activations + full + 300 * 1024**2)


# --------------------------------------------------------------------- the estimate
@dataclass(frozen=True)
class CostEstimate:
    """The expected cost of one fit, phase by phase (seconds, steps, bytes).

    ``dec_seconds`` is the upper bound (``max_iter`` batches; tol usually
    stops DEC sooner); ``dec_expected_seconds`` assumes
    :func:`expected_dec_iters` of them. ``update_interval`` is the interval
    DEC will use (``update_interval_asked`` widened where ``update_budget``
    bites, :func:`dec_update_interval`). ``total_seconds`` adds pretraining,
    k-means and the expected DEC time; ``total_max_seconds`` uses the bound.
    """

    n_samples: int
    gflops: float
    pretrain_steps: int           # gradient steps pretraining will run
    pretrain_epochs: int          # epochs asked for
    pretrain_epochs_run: int      # epochs they come to under the budget (the last may be partial)
    steps_per_epoch: int
    capped: bool                  # the step budget cut the epochs short
    pretrain_step_seconds: float
    pretrain_seconds: float
    kmeans_seconds: float
    dec_steps: int                # max_iter
    update_interval: int          # batches between target updates, as DEC will run them
    update_interval_asked: int    # the setting (the budget may widen it)
    dec_step_seconds: float
    update_seconds: float         # one target update (forward over all rows)
    dec_seconds: float            # at max_iter
    dec_expected_seconds: float
    total_seconds: float
    total_max_seconds: float
    peak_bytes: int

    def as_dict(self) -> dict:
        """The estimate as plain numbers (JSON-ready)."""
        return asdict(self)

    def summary(self) -> str:
        """One line for people, e.g. for the CLI's stderr."""
        budget = (f" (capped by pretrain_steps: {self.pretrain_epochs_run} of "
                  f"{self.pretrain_epochs} epochs)" if self.capped else "")
        widened = (f", a target update every {self.update_interval:,} (update_budget)"
                   if self.update_interval > self.update_interval_asked else "")
        return (f"pretraining ~{human_seconds(self.pretrain_seconds)} "
                f"({self.pretrain_steps:,} steps{budget}), k-means ~"
                f"{human_seconds(self.kmeans_seconds)}, DEC ~"
                f"{human_seconds(self.dec_expected_seconds)} (at most "
                f"{human_seconds(self.dec_seconds)} for {self.dec_steps:,} batches{widened}); "
                f"total ~"
                f"{human_seconds(self.total_seconds)}; peak memory ~"
                f"{human_bytes(self.peak_bytes)}; at {self.gflops:.0f} GFLOP/s matmul")


def _get(params: Mapping, key: str, default):
    value = params.get(key, default)
    return default if value is None and default is not None else value


def estimate(n_samples: int, params: Mapping, *, gflops: float | None = None,
             pretrained: bool = False) -> CostEstimate:
    """The expected cost of ``DEC(**params).fit(X)`` for ``n_samples`` rows.

    Parameters
    ----------
    n_samples : int
    params : mapping
        Estimator parameters with ``dims`` in full (``[d, hidden...]``), e.g.
        :func:`dec_core.presets.estimator_params`; missing keys take the
        estimator's defaults.
    gflops : float, optional
        The matmul rate; default :func:`machine_gflops`.
    pretrained : bool, default=False
        The autoencoder is given (shipped or cached): no pretraining.

    Returns
    -------
    CostEstimate
    """
    n = max(1, int(n_samples))
    gflops = machine_gflops() if gflops is None else float(gflops)
    dims = [int(v) for v in params["dims"]]
    k = int(_get(params, "n_clusters", 10))
    method = _get(params, "method", "dec")
    epochs = int(_get(params, "pretrain_epochs", 50))
    b_pre = min(int(_get(params, "pretrain_batch_size", 256)), n)
    budget = check_pretrain_steps(params.get("pretrain_steps"))
    per_epoch, steps, epochs_run = pretrain_plan(n, b_pre, epochs, budget)
    capped = budget is not None and steps < epochs * per_epoch
    t_pre_step = step_seconds(dims, pretrain_flops_per_sample(dims), b_pre, gflops)
    pretrain_s = PRETRAIN_FIXED_S + steps * t_pre_step
    if _get(params, "pretrain", "end_to_end") == "layerwise":
        # first one shallow autoencoder per layer pair, layer_epochs each (the same budget
        # caps each stage), then the fine-tuning above
        layer_epochs = int(_get(params, "layer_epochs", 25))
        for a, b in zip(dims[:-1], dims[1:]):
            s = pretrain_plan(n, b_pre, layer_epochs, budget)[1]
            steps += s
            pretrain_s += s * step_seconds([a, b], pretrain_flops_per_sample([a, b]), b_pre,
                                           gflops)
    if steps == 0:
        pretrain_s = 0.0
    if pretrained:
        steps, epochs_run, capped, pretrain_s = 0, 0, False, 0.0
    rate = max(gflops, 1e-3) * 1e9 * EFFICIENCY
    e = dims[-1]
    n_init = int(_get(params, "n_init", 20))
    kmeans_s = (KMEANS_FIXED_S + n * forward_flops_per_sample(dims, 0) / rate
                + n_init * (KMEANS_INIT_S + KMEANS_SEED_S * n * k + KMEANS_ITERS * 2.0 * n * k * e
                            / (rate / EFFICIENCY * KMEANS_EFFICIENCY)))
    b_dec = min(int(_get(params, "batch_size", 256)), n)
    max_iter = int(_get(params, "max_iter", 20000))
    asked = max(1, int(_get(params, "update_interval", 140)))
    interval = dec_update_interval(n, asked, max_iter, check_update_budget(
        params.get("update_budget")))
    n_layers = 2 * (len(dims) - 1) if method == "idec" else len(dims) - 1
    t_dec_step = step_seconds(dims, dec_flops_per_sample(dims, k, method), b_dec, gflops,
                              n_layers=n_layers + 1)
    t_update = (n * forward_flops_per_sample(dims, k) / rate
                + n * (k * UPDATE_PER_SAMPLE_S + UPDATE_SCORES_PER_SAMPLE_S))

    def dec_time(iters: float) -> float:
        return DEC_FIXED_S + iters * t_dec_step + (iters / interval + 1) * t_update

    dec_s = dec_time(max_iter)
    dec_exp = dec_time(expected_dec_iters(max_iter))
    d = dims[0]
    return CostEstimate(
        n_samples=n, gflops=gflops, pretrain_steps=steps, pretrain_epochs=epochs,
        pretrain_epochs_run=epochs_run, steps_per_epoch=per_epoch, capped=capped,
        pretrain_step_seconds=t_pre_step, pretrain_seconds=pretrain_s, kmeans_seconds=kmeans_s,
        dec_steps=max_iter, update_interval=interval, update_interval_asked=asked,
        dec_step_seconds=t_dec_step, update_seconds=t_update,
        dec_seconds=dec_s, dec_expected_seconds=dec_exp,
        total_seconds=pretrain_s + kmeans_s + dec_exp,
        total_max_seconds=pretrain_s + kmeans_s + dec_s,
        peak_bytes=peak_bytes(n, [d, *dims[1:]], k, max(b_pre, b_dec)),
    )


def fitting_settings(est: CostEstimate, params: Mapping, limit_s: float = WARN_SECONDS) -> dict:
    """Settings that bring an estimate under ``limit_s``: a step budget and a subsample size.

    Returns
    -------
    dict
        ``{"pretrain_steps": int or None, "n_samples": int or None, "together": bool}``: the
        largest step budget (a multiple of 1,000, at least 1,000) whose
        pretraining fits in the time left after k-means and the expected
        DEC time, and the largest subsample (a multiple of 1,000) whose whole
        estimate fits; None where nothing fits or nothing is needed. When
        neither fits alone, both together (``together=True``): a budget for
        half the time and the subsample that fits with it (apply both).
    """
    out: dict = {"pretrain_steps": None, "n_samples": None, "together": False}
    if est.total_seconds <= limit_s:
        return out
    pretrained = est.pretrain_steps == 0

    def budget_for(e: CostEstimate, seconds: float) -> int | None:
        """The largest budget (a multiple of 1,000, >= 1,000) whose pretraining fits."""
        steps = int(max(seconds - PRETRAIN_FIXED_S, 0) / e.pretrain_step_seconds) // 1000 * 1000
        return steps if 1000 <= steps < e.pretrain_steps else None

    def largest_n(p: Mapping) -> int | None:
        """The largest subsample (a multiple of 1,000 from 2,000 on) whose estimate fits."""
        lo, hi = 1, est.n_samples
        if estimate(lo, p, gflops=est.gflops, pretrained=pretrained).total_seconds > limit_s:
            return None
        while hi - lo > max(1, est.n_samples // 200):  # bisect: the estimate grows with n
            mid = (lo + hi) // 2
            if estimate(mid, p, gflops=est.gflops, pretrained=pretrained).total_seconds <= limit_s:
                lo = mid
            else:
                hi = mid
        n_fit = lo // 1000 * 1000 if lo >= 2000 else lo
        k = int(p.get("n_clusters") or 10)
        return n_fit if k <= n_fit < est.n_samples else None

    if est.pretrain_steps:
        out["pretrain_steps"] = budget_for(
            est, limit_s - est.kmeans_seconds - est.dec_expected_seconds)
    out["n_samples"] = largest_n(params)
    if out["pretrain_steps"] is None and out["n_samples"] is None and est.pretrain_steps:
        # neither alone: half the time for pretraining, and the rows that fit with it
        steps = budget_for(est, limit_s / 2)
        if steps:
            n_fit = largest_n({**params, "pretrain_steps": steps})
            if n_fit:
                out = {"pretrain_steps": steps, "n_samples": n_fit, "together": True}
    return out


# --------------------------------------------------------------------- the k sweep
# dec_core.selection.sweep on the 2-core machine at load 5 (2026-12-06, scripts/k_sweep_bench.py):
# iris 150 x 4 took 1.8 s, moons 1,000 x 2 2.2 s, breast_cancer 569 x 10 2.9 s, blobs
# 2,000 x 5 2.6 s, noise 2,000 x 8 4.8 s, digits' embedding 1,797 x 10 5.0 s: about 1.8 s
# of fixed cost (some 200 small k-means and 14 mixture fits) plus 0.18 ms per row and column.
SWEEP_ROWS = 2_000
"""A k sweep runs on at most this many rows (a seeded subsample): it stays near
2 s on digits' 1,797 rows on the 2-core machine and grows with n otherwise."""
SWEEP_FIXED_S = 1.8
SWEEP_PER_CELL_S = 0.18e-3
# Reducing wide data to the embedding's width first (PCA on at most 20,000 rows).
SWEEP_PCA_PER_CELL_S = 0.1e-6


def sweep_seconds(n_samples: int, n_features: int, width: int = 10) -> float:
    """Seconds a k sweep (:func:`dec_core.selection.choose_k`) takes on these data.

    Parameters
    ----------
    n_samples, n_features : int
        The data's shape.
    width : int, default=10
        The embedding's width: wider data are first reduced by PCA to it.

    Returns
    -------
    float
        The sweep runs on at most :data:`SWEEP_ROWS` rows
        of at most ``width`` columns, so this stays below about 5.5 s plus the PCA.
    """
    rows, cols = min(int(n_samples), SWEEP_ROWS), min(int(n_features), int(width))
    pca = (SWEEP_PCA_PER_CELL_S * min(int(n_samples), 20_000) * int(n_features) * cols
           if n_features > width else 0.0)
    return SWEEP_FIXED_S + SWEEP_PER_CELL_S * rows * cols + pca


# --------------------------------------------------------------------- words
def human_count(n: float) -> str:
    """A count with a k / M / G suffix, e.g. ``1.5 M``."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)}"


def human_seconds(s: float) -> str:
    """A duration for people: ``0.04 s``, ``12 s``, ``3.5 min``, ``2.1 h``."""
    if s < 1:
        return f"{s:.2f} s"
    if s < 90:
        return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def human_bytes(nbytes: float) -> str:
    """``512 B``, ``1.5 MB``, ``2.0 GB`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes < 1024 or unit == "TB":
            return f"{nbytes:,.1f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1024
    return f"{nbytes:.1f} TB"


def remaining_seconds(plan: Mapping, phase: str, *, pretrain_done: float = 0.0,
                      pretrain_elapsed: float = 0.0, phase_elapsed: float = 0.0,
                      dec_iteration: int = 0, dec_elapsed: float = 0.0,
                      dec_convergence: float | None = None, dec_updates: int = 0,
                      max_iter: int | None = None) -> float:
    """Seconds left in a run, from its plan (:meth:`CostEstimate.as_dict`) and its progress.

    An ETA from the first second: each phase still to come takes its planned
    time, scaled by how fast pretraining has run against its plan (the same
    machine load slows every phase); the phase under way blends the plan with
    its measured rate, the plan counting less as the phase advances
    (pretraining: fully measured from 5% of its steps; DEC: over its first
    five target updates, its iterations so far and the fall of the
    changed-label share towards tol predict how many are left, capped by
    ``max_iter``).

    Parameters
    ----------
    plan : mapping
        ``pretrain_seconds``, ``kmeans_seconds``, ``dec_step_seconds``,
        ``update_seconds``, ``dec_steps`` (max_iter) of the estimate.
    phase : {"pretraining", "kmeans", "dec", "saving"}
    pretrain_done : float
        Share of the pretraining steps done (0..1; 1 after it).
    pretrain_elapsed, phase_elapsed, dec_elapsed : float
        Seconds in pretraining (so far, or its whole duration after it), in
        the current phase, and since DEC began up to its last target update.
    dec_iteration : int
        DEC batches done at its last target update.
    dec_convergence : float, optional
        Progress of the changed-label share towards tol on a log scale (0..1).
    dec_updates : int
        Target updates so far.
    max_iter : int, optional
        Default ``plan["dec_steps"]``.

    Returns
    -------
    float
    """
    max_iter = int(plan["dec_steps"] if max_iter is None else max_iter)
    speed = 1.0  # measured / planned time of pretraining (so far, or all of it once done)
    pre_plan = float(plan["pretrain_seconds"])
    if pretrain_done >= 0.05 and pre_plan > 0 and pretrain_elapsed > 0:
        speed = (pretrain_elapsed / min(pretrain_done, 1.0)) / pre_plan
    speed = min(max(speed, 0.25), 4.0)
    interval = max(1, int(plan.get("update_interval") or 140))
    dec_iter_plan = float(plan["dec_step_seconds"]) + float(plan["update_seconds"]) / interval
    expected_iters = expected_dec_iters(max_iter)
    dec_plan = speed * (DEC_FIXED_S + expected_iters * dec_iter_plan + float(plan["update_seconds"]))
    km_plan = speed * float(plan["kmeans_seconds"])
    if phase == "pretraining":
        left = eta_seconds(pretrain_elapsed, pretrain_done, pre_plan)
        return left + km_plan + dec_plan
    if phase == "kmeans":
        return max(km_plan - phase_elapsed, 0.0) + dec_plan
    if phase != "dec":
        return 0.0
    it = max(int(dec_iteration), 0)
    per_iter = dec_elapsed / it if it > 0 and dec_elapsed > 0 else speed * dec_iter_plan
    prior_left = max(expected_iters - it, 0.1 * expected_iters)
    left_iters = prior_left
    if dec_convergence is not None and dec_updates > 1 and 0 < dec_convergence < 1:
        conv_left = it * (1 - dec_convergence) / dec_convergence
        w = min(1.0, (dec_updates - 1) / 4)
        left_iters = (1 - w) * prior_left + w * conv_left
    elif dec_convergence is not None and dec_convergence >= 1:
        left_iters = 0.0
    left_iters = min(left_iters, max(max_iter - it, 0))
    since_update = max(phase_elapsed - dec_elapsed, 0.0)
    return max(left_iters * per_iter - since_update, 0.0)


def eta_seconds(elapsed_in_phase: float, done: float, prior_total: float,
                trust_after: float = 0.05) -> float:
    """Seconds left in a phase from its progress, leaning on the prior estimate early.

    Parameters
    ----------
    elapsed_in_phase : float
        Seconds since the phase began.
    done : float
        Its share done, 0..1.
    prior_total : float
        The estimate of the whole phase (:func:`estimate`).
    trust_after : float, default=0.05
        From this share on, the measured rate alone counts; before it, the
        measured and prior totals are blended linearly.

    Returns
    -------
    float
    """
    done = min(max(float(done), 0.0), 1.0)
    if done <= 0:
        return max(float(prior_total) - elapsed_in_phase, 0.0)
    measured_total = elapsed_in_phase / done
    w = min(1.0, done / max(trust_after, 1e-9))
    total = w * measured_total + (1 - w) * max(float(prior_total), elapsed_in_phase)
    return max(total * (1 - done), 0.0) if w >= 1 else max(total - elapsed_in_phase, 0.0)

