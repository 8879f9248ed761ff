"""Benchmark of CSV reading: not a test, run by hand.

    python scripts/bench_csv.py make --mnist ../shared/data/mnist.npz   # writes the files to /tmp
    /usr/bin/time -v python scripts/bench_csv.py refuse /tmp/mnist60k.csv
    /usr/bin/time -v python scripts/bench_csv.py parse /tmp/mnist-limit.csv
    /usr/bin/time -v python scripts/bench_csv.py app /tmp/mnist60k.csv   # the app's upload path

``mnist60k.csv``: the 60,000 MNIST training images, 785 columns (label, then
784 pixels), a header; 47 M values, over the default limit of 20 M
(``DEC_MAX_UPLOAD_CELLS``). ``mnist-limit.csv``: the first 25,510 of them,
25,510 x 784 = 19,999,840 feature values, just under the limit.

Each command prints one JSON line: seconds, the outcome, the peak resident
memory of the process (ru_maxrss) and its rise during the call, and the
float32 array's size for comparison.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's dec_core

LIMIT = 20_000_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make(mnist: Path, out: Path) -> None:
    with np.load(mnist) as npz:
        x, y = npz["x_train"].reshape(60000, -1), npz["y_train"]
    header = "label," + ",".join(f"pixel{j}" for j in range(784))
    for name, n in (("mnist60k.csv", 60000), ("mnist-limit.csv", LIMIT // 784)):
        table = np.column_stack([y[:n], x[:n]])
        np.savetxt(out / name, table, fmt="%d", delimiter=",", header=header, comments="")
        print(f"{out / name}: {n} rows, {(out / name).stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["make", "refuse", "parse", "app"])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--mnist", type=Path, default=Path("../shared/data/mnist.npz"))
    parser.add_argument("--out", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    if args.what == "make":
        make(args.mnist, args.out)
        return
    from dec_core.datasets import load_dataset

    raw = args.path.read_bytes()  # as an upload arrives: the bytes are in memory already
    base = _current_rss_mb()
    t0 = time.perf_counter()
    outcome = "loaded"
    shape = None
    try:
        if args.what == "app":
            from explorer.data import load

            ds = load({"name": "file", "n_samples": 0, "scale": "auto", "seed": 0,
                       "label_column": "auto", "noise": None},
                      {"name": args.path.name, "bytes": raw})
        else:
            ds = load_dataset("file", data=raw, filename=args.path.name,
                              max_cells=LIMIT if args.what == "refuse" else None)
        shape = list(ds.x.shape)
    except ValueError as err:
        outcome = f"refused: {err}"
    seconds = time.perf_counter() - t0
    peak = _rss_mb()
    print(json.dumps({
        "what": args.what, "file": str(args.path), "bytes": len(raw), "seconds": round(seconds, 2),
        "outcome": outcome, "shape": shape, "peak_rss_mb": round(peak, 1),
        "rss_before_mb": round(base, 1), "rise_mb": round(peak - base, 1),
        "float32_array_mb": None if shape is None else round(shape[0] * shape[1] * 4 / 2**20, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
