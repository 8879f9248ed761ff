"""Facts about an autoencoder shape: parameters, FLOPs, a time estimate, a drawing.

No streamlit here; the Model page shows what these return.
"""

from __future__ import annotations

import time


def layer_pairs(dims: list[int]) -> list[tuple[int, int]]:
    """(in, out) of every dense layer of the symmetric autoencoder, encoder then decoder."""
    enc = list(zip(dims[:-1], dims[1:]))
    dec = [(b, a) for a, b in reversed(enc)]
    return enc + dec


def param_count(dims: list[int]) -> int:
    """Weights and biases of the autoencoder built from ``dims``."""
    return sum(a * b + b for a, b in layer_pairs(dims))


def flops_per_sample(dims: list[int]) -> int:
    """Forward FLOPs for one sample (2 per multiply-add); training is about 3x this."""
    return sum(2 * a * b for a, b in layer_pairs(dims))


def matmul_gflops(n: int = 1024, repeats: int = 3) -> float:
    """This machine's float32 matmul rate in GFLOP/s (NumPy, best of ``repeats``)."""
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def seconds_per_epoch(dims: list[int], n_samples: int, gflops: float,
                      efficiency: float = 0.5) -> float:
    """Estimated seconds for one pretraining epoch over ``n_samples``.

    Training costs about three forward passes (forward, and backward for
    inputs and weights); small layers reach only part of the peak rate,
    hence ``efficiency``.
    """
    work = 3 * flops_per_sample(dims) * n_samples
    return work / (max(gflops, 1e-3) * 1e9 * efficiency)


def human_count(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)}"


def autoencoder_dot(dims: list[int], max_units_drawn: int = 2000) -> str:
    """A Graphviz DOT drawing: input, encoder, the embedding, decoder, reconstruction."""
    enc = dims
    dec = list(reversed(dims))
    names = ([f"input\\n{enc[0]}"] + [f"{u}\\nReLU" for u in enc[1:-1]] + [f"embedding z\\n{enc[-1]}"]
             + [f"{u}\\nReLU" for u in dec[1:-1]] + [f"reconstruction\\n{dec[-1]}"])
    sizes = enc + dec[1:]
    lines = [
        "digraph AE {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.15;',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
        'color="#9aa0a6", fillcolor="#f0f2f6"];',
        '  edge [color="#9aa0a6", arrowsize=0.6];',
    ]
    biggest = max(sizes)
    mid = len(enc) - 1
    for i, (name, units) in enumerate(zip(names, sizes)):
        height = 0.4 + 1.6 * min(units, max_units_drawn) / min(biggest, max_units_drawn)
        fill = "#ffe3e3" if i == mid else ("#e8f1fb" if i < mid else "#eaf6ea")
        lines.append(f'  n{i} [label="{name}", height={height:.2f}, fillcolor="{fill}"];')
    for i in range(len(sizes) - 1):
        label = "encoder" if i < mid else "decoder"
        lines.append(f'  n{i} -> n{i + 1} [tooltip="{label}"];')
    lines.append("}")
    return "\n".join(lines)
