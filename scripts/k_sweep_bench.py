"""Print what the k sweep (``dec_core.selection.choose_k``) says on blobs, noise, digits, moons, circles and the small tables.

Each data set goes through the app's own reader and scaling (a CSV without a
label column, read by ``dec_core.readers``, standardised), then the same
``choose_k`` the Data page and ``python -m dec_core run --n-clusters auto`` call,
with the default settings of its kind (``dec_core.presets``) and seed 0.

    python scripts/k_sweep_bench.py            # the table, in Markdown
    python scripts/k_sweep_bench.py --seeds 0,1,2

Timings: the sweep's wall-clock seconds (``Sweep.seconds``), which follow
whatever else the machine runs, and the CPU seconds of this process for the
whole call (the sweep's k-means and mixtures run on one thread each, so on a
quiet 2-core machine the wall clock is about the CPU time).
"""

from __future__ import annotations

import argparse
import io
import os
import time

import numpy as np


def _csv(x: np.ndarray) -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, x, delimiter=",", fmt="%.6f")
    return buf.getvalue().encode()


def data_sets() -> dict[str, tuple[bytes | None, int | None]]:
    """name -> (CSV bytes without labels, or None for a built-in set; true classes)."""
    from sklearn.datasets import (
        load_breast_cancer,
        load_iris,
        load_wine,
        make_blobs,
        make_circles,
        make_moons,
    )

    blobs, _ = make_blobs(2000, n_features=5, centers=4, cluster_std=1.0, random_state=0)
    noise = np.random.default_rng(0).standard_normal((2000, 8))
    moons, _ = make_moons(1000, noise=0.08, random_state=0)
    circles, _ = make_circles(1000, noise=0.05, factor=0.5, random_state=0)
    return {
        "blobs (2,000 x 5, 4 centres)": (_csv(blobs), 4),
        "Gaussian noise (2,000 x 8)": (_csv(noise), None),
        "digits": (None, 10),
        "moons (1,000, noise 0.08)": (_csv(moons), 2),
        "circles (1,000, noise 0.05)": (_csv(circles), 2),
        "iris": (_csv(load_iris().data), 3),
        "wine": (_csv(load_wine().data), 3),
        "breast_cancer": (_csv(load_breast_cancer().data), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    from dec_core.datasets import load_dataset
    from dec_core.presets import estimator_params, preset_for
    from dec_core.selection import choose_k

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("| data | n x d | classes | seed | k chosen | rule | silhouette at k | stability at k "
          "| gap's k | structure | space | wall s | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (content, classes) in data_sets().items():
        if content is None:
            ds, kind = load_dataset("digits"), "digits"
        else:
            ds = load_dataset("file", data=content, filename="data.csv", label_column="none")
            kind = "file"
        params = estimator_params(preset_for(kind), ds.n_features, ds.n_classes)
        for seed in seeds:
            c0 = time.process_time()
            sw = choose_k(ds.x, {**params, "random_state": seed}, seed=seed)
            cpu = time.process_time() - c0
            j = sw.ks.index(sw.suggested_k)
            print(f"| {name} | {ds.n_samples:,} x {ds.n_features} | {classes or 'none'} | {seed} "
                  f"| {sw.suggested_k} | {sw.rule} | {sw.silhouette[j]:.2f} "
                  f"| {sw.stability[j]:.2f} | {sw.gap_k} | {sw.structure} | {sw.space} "
                  f"| {sw.seconds:.1f} | {cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
