"""Time the Explore and Compare computations a lesson waits for, and what they block.

``python scripts/bench_views.py [--run RUN_FOLDER] [--repeats 3]`` prints JSON:

* ``explore_umap``: Explore's 2-D UMAP of the DEC embedding (1,797 digits);
* ``compare_kmeans_raw``, ``compare_n2d``, ``compare_umap_view``: the three
  parts of Compare's "Compute k-means and N2D";
* ``numba_compile``: UMAP's one-off compilation in a fresh process (the first
  UMAP a server runs pays it).

Each is timed in a background thread, as the pages run it
(:mod:`explorer.session.background`), in wall seconds and in CPU seconds of the
process (on a busy machine only the second is stable), while the main thread
ticks every 10 ms:
``max_stall_ms`` is the longest the main thread (standing in for the
Streamlit server) waited for the GIL, so a large value would mean a frozen
page. Without ``--run``, the embedding is a stand-in: PCA of the digits to
10 dimensions, the shape of the default model's embedding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time

import numpy as np


def _stand_in() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    x = (load_digits().data / 16.0).astype(np.float32)
    return x, PCA(10, random_state=0).fit_transform(x).astype(np.float32)


def _from_run(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from dec_core.runs import load_run
    from explorer.analysis import compare

    run = load_run(path, with_model=False)
    z, _ = compare.pretrained_embedding(run)
    return compare.run_features(run), np.asarray(run.embedding, dtype=np.float32), z


def timed_in_thread(fn, tick: float = 0.01) -> dict:
    """Run ``fn()`` in a thread; time it and the main thread's longest stall.

    Parameters
    ----------
    fn : callable
    tick : float, default=0.01
        The main thread sleeps this long per tick; a stall is a tick that took
        longer than asked.

    Returns
    -------
    dict
        ``{"seconds": ..., "max_stall_ms": ..., "ticks": ...}``.
    """
    done = threading.Event()
    out: dict = {}

    def work() -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            fn()
        finally:
            out["seconds"] = time.perf_counter() - t0
            out["cpu"] = time.process_time() - c0
            done.set()

    worker = threading.Thread(target=work, daemon=True)
    worst, ticks = 0.0, 0
    worker.start()
    while not done.is_set():
        t0 = time.perf_counter()
        time.sleep(tick)
        worst = max(worst, time.perf_counter() - t0 - tick)
        ticks += 1
    worker.join()
    return {"seconds": round(out["seconds"], 3), "cpu_seconds": round(out["cpu"], 3),
            "max_stall_ms": round(worst * 1000, 1), "ticks": ticks}


def _summary(rows: list[dict]) -> dict:
    secs = [r["seconds"] for r in rows]
    return {"median_s": round(statistics.median(secs), 3), "runs_s": secs,
            "median_cpu_s": round(statistics.median(r["cpu_seconds"] for r in rows), 3),
            "max_stall_ms": max(r["max_stall_ms"] for r in rows)}


def measure(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print its JSON; returns the dict."""
    from dec_core.baselines import kmeans_raw_labels, n2d_labels
    from explorer.analysis import compare, projection

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", help="a saved run folder (default: a stand-in embedding)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args(argv)

    if args.run:
        x, emb, z_pre = _from_run(args.run)
    else:
        x, emb = _stand_in()
        z_pre = emb
    result: dict = {"n_points": int(emb.shape[0]), "embedding_dim": int(emb.shape[1]),
                    "source": args.run or "digits, PCA to 10-d (stand-in)",
                    "cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_1min": round(os.getloadavg()[0], 2)}
    result["numba_compile"] = timed_in_thread(lambda: compare.warm_up_umap(args.k))
    jobs = {
        "explore_umap": lambda: projection.project(emb, "umap", 2, 0),
        "compare_kmeans_raw": lambda: kmeans_raw_labels(x, args.k, 0),
        "compare_n2d": lambda: n2d_labels(z_pre, args.k, 0),
        "compare_umap_view": lambda: projection.project(z_pre, "umap", 2, 0),
    }
    for name, fn in jobs.items():
        result[name] = _summary([timed_in_thread(fn) for _ in range(max(1, args.repeats))])
    parts = ("compare_kmeans_raw", "compare_n2d", "compare_umap_view")
    result["compare_compute_total_s"] = round(sum(result[p]["median_s"] for p in parts), 3)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    measure()
