"""Where a pretraining step's time goes: matmuls, the rest of forward/backward, Adam.

usage (from the project root, in its venv):
    python scripts/profile_pretrain.py [--batch 64] [--dims 64,256,256,512,10] [--steps 290]

Times the digits default's compiled step (``dec_core.autoencoder.StepRunner``:
gather, Gaussian input noise, forward, backward, fused Adam) and its parts, each
as the best of a few runs of ``--steps`` steps in one call:

* ``matmuls``: only the step's 23 matmuls (forward, weight and input gradients);
* ``fwd+bwd``: the real loss and gradients, no optimizer update;
* ``step``: the whole step as pretraining runs it.

Each line gives CPU seconds (all threads of the process) and wall seconds per
step, and GFLOP/s against the same process's rate on a 2048 x 2048 matmul, per
CPU second and per wall second. Per CPU second is what the arithmetic costs, and
stays meaningful on a busy machine; the ratio of the two shows how many cores
the step keeps busy. Compare thread settings with TensorFlow's own variables, e.g.
``TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=2 python scripts/profile_pretrain.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.getcwd())

import numpy as np  # noqa: E402


def best_of(fn, repeats: int) -> tuple[float, float]:
    """Best (CPU seconds, wall seconds) of ``repeats`` calls of ``fn``."""
    cpu = wall = np.inf
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--dims", default="64,256,256,512,10")
    ap.add_argument("--steps", type=int, default=290)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import tensorflow as tf

    from dec_core.autoencoder import (
        StepRunner,
        _mse_loss,
        batch_plan,
        build_autoencoder,
        make_optimizer,
    )
    from dec_core.cost import pretrain_flops_per_sample

    dims = [int(v) for v in args.dims.split(",")]
    b, steps, n = args.batch, args.steps, 1797
    x = tf.constant(np.random.default_rng(0).random((n, dims[0]), dtype=np.float32))
    full = dims + dims[-2::-1]
    shapes = list(zip(full[:-1], full[1:]))
    flops = pretrain_flops_per_sample(dims) * b

    big = tf.random.uniform((2048, 2048))
    mm = tf.function(lambda m: tf.reduce_sum(tf.matmul(m, m)[0, :1]))
    mm(big).numpy()

    w_mats = [tf.Variable(tf.random.normal((i, o)) * 0.05) for i, o in shapes]
    h0 = tf.random.normal((b, dims[0]))

    @tf.function
    def matmuls(k):  # the step's matmuls alone: forward, dW, dX (none for the input)
        acc = tf.constant(0.0)
        for _ in tf.range(k):
            h, hs = h0, [h0]
            for w in w_mats:
                h = tf.matmul(h, w)
                hs.append(h)
            g = h
            for i in reversed(range(len(w_mats))):
                acc += tf.matmul(hs[i], g, transpose_a=True)[0, 0]
                if i > 0:
                    g = tf.matmul(g, w_mats[i], transpose_b=True)
        return acc

    ae, _ = build_autoencoder(dims, seed=0)
    variables = ae.trainable_variables
    loss_fn = _mse_loss(ae, 0.4)

    @tf.function
    def fwd_bwd(idx):  # the real loss and gradients, no update
        acc = tf.constant(0.0)
        for s in tf.range(tf.shape(idx)[0]):
            rows = tf.gather(x, idx[s])
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn(rows, None, tf.stack([tf.cast(s, tf.int64), 0])))
            grads = tape.gradient(loss, variables)
            acc += loss + tf.add_n([tf.reshape(g, [-1])[0] for g in grads])
        return acc

    opt = make_optimizer("adam", 1e-3)
    opt.build(variables)
    runner = StepRunner(loss_fn, variables, opt, x, seed=0, jit_compile=False)
    rng, state = np.random.default_rng(0), {}
    idx = batch_plan(n, b, steps, rng, state)
    idx_t = tf.constant(idx)
    parts = {
        "matmuls": lambda: matmuls(tf.constant(steps)).numpy(),
        "fwd+bwd": lambda: fwd_bwd(idx_t).numpy(),
        "step": lambda: float(runner.run(idx)),
    }
    for fn in parts.values():
        fn()  # trace
    cpu_big, wall_big = best_of(lambda: mm(big).numpy(), args.repeats)
    rate_cpu, rate_wall = 2 * 2048**3 / cpu_big / 1e9, 2 * 2048**3 / wall_big / 1e9
    threads = (tf.config.threading.get_intra_op_parallelism_threads(),
               tf.config.threading.get_inter_op_parallelism_threads())
    print(f"dims {dims}, batch {b}: {flops / 1e6:.1f} MFLOP a step; threads intra/inter "
          f"{threads} (0 = TF default), env {os.environ.get('TF_NUM_INTRAOP_THREADS')}/"
          f"{os.environ.get('TF_NUM_INTEROP_THREADS')}; load {os.getloadavg()[0]:.1f}")
    print(f"2048^2 matmul: {rate_cpu:.0f} GFLOP/s per CPU second, {rate_wall:.0f} per wall second")
    for name, fn in parts.items():
        cpu, wall = best_of(fn, args.repeats)
        cpu, wall = cpu / steps, wall / steps
        f = flops  # the matmuls' count (dec_core.cost): every part does this arithmetic
        print(f"{name:8s} CPU {cpu * 1e3:6.3f} ms  wall {wall * 1e3:6.3f} ms a step  "
              f"{f / cpu / 1e9:5.0f} GFLOP/s per CPU s ({100 * f / cpu / 1e9 / rate_cpu:3.0f}% of "
              f"the big matmul's)  {f / wall / 1e9:5.0f} per wall s "
              f"({100 * f / wall / 1e9 / rate_wall:3.0f}%)  cores busy {cpu / wall:.2f}")


if __name__ == "__main__":
    main()
