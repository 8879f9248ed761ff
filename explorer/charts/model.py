"""Facts about an autoencoder shape for the Model page: layers, parsing, a drawing.

No streamlit here; the Model page shows what these return. Counts, FLOPs and
the time estimate come from the engine's one cost model, :mod:`dec_core.cost`.

The autoencoder is symmetric: ``dims = [d, h1, ..., hk, e]`` gives the encoder
``d -> h1 -> ... -> hk -> e`` and the mirrored decoder ``e -> hk -> ... -> h1 -> d``,
every layer dense (weights and a bias). ``param_count`` and ``flops_per_sample``
are :mod:`dec_core.cost`'s (its docstring has the worked example).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dec_core.cost import (  # noqa: F401  (the one cost model; re-exported for the page)
    flops_per_sample,
    human_count,
    human_seconds,
    layer_pairs,
    numpy_matmul_gflops,
    param_count,
    training_flops_per_sample,
)
from explorer.charts.theme import DIAGRAM


def hidden_tokens(text: str) -> list[str]:
    """The sizes typed in the hidden-sizes box, split at commas, semicolons or spaces."""
    return [t for t in re.split(r"[,;\s]+", str(text).strip()) if t]


def hidden_text(hidden: Sequence[int]) -> str:
    """Hidden sizes as the box shows them: ``"500,500,2000,10"``."""
    return ",".join(str(int(h)) for h in hidden)


def parse_hidden(text: str, n_features: int) -> list[int]:
    """Read hidden sizes typed as ``"500, 500, 2000, 10"`` and validate them.

    Parameters
    ----------
    text : str
        Layer widths after the input width, separated by commas or spaces.
    n_features : int
        The data's width ``d``; the full dims are ``[d, *hidden]``.

    Returns
    -------
    list of int
        The hidden sizes (without ``d``).

    Raises
    ------
    ValueError
        For an empty entry, a value that is not a whole number, zero or a
        negative size; the message comes from
        :func:`dec_core.dims.check_dims` where it can.
    """
    from dec_core.dims import check_dims

    tokens = hidden_tokens(text)
    if not tokens:
        raise ValueError("Give at least the embedding size, e.g. 10 (or 500,500,2000,10).")
    hidden = []
    for tok in tokens:
        try:
            hidden.append(int(tok))
        except ValueError:
            raise ValueError(
                f"Layer sizes must be whole numbers separated by commas; {tok!r} is not one "
                f"(in {text!r})."
            ) from None
    return check_dims([int(n_features), *hidden], int(n_features))[1:]


def layer_table(dims: Sequence[int]) -> list[dict]:
    """One row per dense layer: part, shape, activation, parameters, FLOPs.

    Parameters
    ----------
    dims : sequence of int
        ``[n_features, hidden..., embedding_dim]``.

    Returns
    -------
    list of dict
        Keys ``layer``, ``part`` (encoder / decoder), ``in``, ``out``,
        ``activation``, ``parameters`` and ``forward FLOPs``.
    """
    pairs = layer_pairs(dims)
    n_enc = len(pairs) // 2
    rows = []
    for i, (a, b) in enumerate(pairs):
        enc = i < n_enc
        last = i == n_enc - 1 or i == len(pairs) - 1
        rows.append({
            "layer": f"{'encoder' if enc else 'decoder'} {i % n_enc + 1}",
            "part": "encoder" if enc else "decoder",
            "in": a,
            "out": b,
            "activation": "linear" if last else "ReLU",
            "parameters": a * b + b,
            "forward FLOPs": 2 * a * b,
        })
    return rows


def autoencoder_dot(dims: Sequence[int], n_clusters: int | None = None,
                    alpha: float | None = None, max_units_drawn: int = 2000,
                    method: str | None = None) -> str:
    """A Graphviz DOT drawing of the autoencoder (and the clustering head).

    Parameters
    ----------
    dims : sequence of int
        ``[n_features, hidden..., embedding_dim]``.
    n_clusters : int, optional
        When given, draw DEC's clustering layer (``k`` centroids) on the embedding.
    alpha : float, optional
        Student's t degrees of freedom, shown in the clustering box.
    max_units_drawn : int, default=2000
        Box heights grow with the layer width up to this many units.
    method : {"dec", "idec"}, optional
        Label the decoder as used for pretraining only (DEC) or kept during
        clustering (IDEC).

    Returns
    -------
    str
        A ``digraph`` left to right: input, encoder layers (blue), the
        embedding ``z`` (red), decoder layers (green), the reconstruction.
    """
    dims = [int(v) for v in dims]
    enc, dec = dims, list(reversed(dims))
    sizes = enc + dec[1:]
    mid = len(enc) - 1
    labels = ([f"input x\\n{enc[0]}"] + [f"{u}\\nReLU" for u in enc[1:-1]]
              + [f"embedding z\\n{enc[-1]}"] + [f"{u}\\nReLU" for u in dec[1:-1]]
              + [f"reconstruction x̂\\n{dec[-1]}"])
    biggest = min(max(sizes), max_units_drawn)
    c = DIAGRAM
    lines = [
        "digraph AE {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.2; ranksep=0.35;',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
        f'color="{c["line"]}", fillcolor="{c["node"]}", width=0.8];',
        f'  edge [color="{c["line"]}", arrowsize=0.6];',
        f'  graph [fontname="Helvetica", fontsize=11, fontcolor="{c["group_text"]}", '
        f'style="rounded,dashed", color="{c["group_line"]}", labeljust="l"];',
    ]

    def node(i: int) -> str:
        units = sizes[i]
        height = 0.45 + 1.6 * min(units, max_units_drawn) / biggest
        fill = c["embedding"] if i == mid else (c["encoder"] if i < mid else c["decoder"])
        edge = f', color="{c["embedding_line"]}", penwidth=1.5' if i == mid else ""
        return f'    n{i} [label="{labels[i]}", height={height:.2f}, fillcolor="{fill}"{edge}];'

    decoder = {"dec": "decoder (pretraining only)", "idec": "decoder (kept by IDEC)"}.get(
        method or "", "decoder")
    for part, members in (("encoder", range(1, mid)), (decoder, range(mid + 1, len(sizes) - 1))):
        if len(members):
            lines.append(f'  subgraph cluster_{part[:3]} {{ label="{part}";')
            lines += [node(i) for i in members]
            lines.append("  }")
    lines += [node(0), node(mid), node(len(sizes) - 1)]
    for i in range(len(sizes) - 1):
        lines.append(f"  n{i} -> n{i + 1};")
    if n_clusters:
        text = f"clustering layer\\n{int(n_clusters)} centroids μ"
        if alpha is not None:
            text += f"\\nStudent's t, α={float(alpha):g}"
        lines.append(f'  q [label="{text}\\n→ soft assignment q", shape=box, '
                     f'style="rounded,filled,dashed", fillcolor="{c["cluster"]}", '
                     f'color="{c["cluster_line"]}"];')
        lines.append(f'  n{mid} -> q [color="{c["cluster_line"]}", style=dashed];')
        lines.append(f"  {{ rank=same; n{mid}; q; }}")
    lines.append("}")
    return "\n".join(lines)
