"""Benchmarks: ``python -m dec_core bench --protocol NAME --seeds 0,1,2``.

A protocol is a named, fixed configuration (data set, network, schedules).
The bench runs it once per seed and writes

* ``<out-dir>/<protocol>.json``: every figure of every seed, the mean and
  standard deviation over seeds, the machine, the command and the load;
* ``<out-dir>/<protocol>.md``: the same as a Markdown table.

Figures: ACC / NMI / ARI of DEC and of its k-means initialisation, wall time
of each phase (pretrain, kmeans, dec, total), DEC iterations, and the
pretraining throughput (samples/s, achieved GFLOP/s) as a fraction of this
machine's float32 matmul rate, measured in the same run.

Protocols:

``digits``
    The CLI's and the app's default configuration on scikit-learn's 8x8
    digits (1,797 samples, :data:`dec_core.presets.DIGITS`), end to end
    through ``DEC.fit``.
``mnist-quick``
    10,000 MNIST samples (a fixed stratified subsample, ``data_seed=0``) with
    the MNIST-like images preset (:data:`dec_core.presets.IMAGES`): dims
    784-500-500-2000-10, a pretraining budget of a few minutes on a 2-core CPU.
``mnist-paper``
    All 70,000 MNIST samples with the DEC-keras reference settings: 300
    epochs of end-to-end pretraining with SGD(lr=1, momentum=0.9), batch
    256, VarianceScaling(1/3, fan_in, uniform) init; DEC with SGD(0.01,
    0.9), batch 256, update interval 140, tol 0.001. Long on a CPU, so it is
    resumable: the autoencoder is checkpointed every few epochs and each
    finished seed is saved, under ``--work-dir``; run the same command again
    to continue. Uses the GPU when TensorFlow sees one.

Give MNIST with ``--data-path ../shared/data/mnist.npz`` (or ``DEC_DATA_DIR``).
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .cost import matmul_rates, pretrain_flops_per_sample
from .presets import DIGITS, IMAGES, apply_variant, estimator_params, switch_method

PROTOCOLS: dict[str, dict] = {
    "digits": {
        "description": "sklearn digits (1,797 x 64), the CLI/app default config, end to end",
        "config": {"dataset": "digits", **DIGITS},
        "resumable": False,
    },
    "mnist-quick": {
        "description": "10,000 MNIST samples, dims 784-500-500-2000-10, a few minutes of pretraining",
        "config": {"dataset": "mnist", "n_samples": 10000, "data_seed": 0, **IMAGES},
        "resumable": False,
    },
    "mnist-paper": {
        "description": "all 70,000 MNIST samples, DEC-keras reference settings (300 epochs SGD lr=1)",
        "config": {
            "dataset": "mnist",
            "dims": [500, 500, 2000, 10],
            "init": "dec",
            "pretrain": "end_to_end",
            "pretrain_epochs": 300,
            "pretrain_batch_size": 256,
            "pretrain_optimizer": "sgd",
            "pretrain_lr": 1.0,
            "pretrain_schedule": "constant",
            "pretrain_noise": 0.0,
            "momentum": 0.9,
            "optimizer": "sgd",
            "learning_rate": 0.01,
            "batch_size": 256,
            "update_interval": 140,
            "tol": 0.001,
            "max_iter": 20000,
            "n_init": 20,
        },
        "resumable": True,
        "checkpoint_every": 5,
    },
}


# --------------------------------------------------------------------- machine
def machine_info() -> dict:
    """CPU, cores, accelerator, library versions and load average."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "gpus": gpus,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "tf_threads": tf_threads(),
    }


def tf_threads() -> dict:
    """TensorFlow's thread pools as this process runs them.

    ``intra`` / ``inter`` are ``tf.config.threading``'s settings (0: TF's
    default, one thread per core); ``env`` the ``TF_NUM_INTRAOP_THREADS`` /
    ``TF_NUM_INTEROP_THREADS`` variables TF reads at start-up, which set the
    same pools without code (``TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=2
    python -m dec_core bench --protocol digits`` compares a setting).
    """
    import tensorflow as tf

    return {"intra": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter": tf.config.threading.get_inter_op_parallelism_threads(),
            "env": {k: os.environ.get(k) for k in ("TF_NUM_INTRAOP_THREADS",
                                                    "TF_NUM_INTEROP_THREADS")}}


# --------------------------------------------------------------------- configs
def protocol_config(name: str, overrides: dict | None = None,
                    variant: str | None = None) -> dict:
    """The full config of a protocol, with a variant's settings, then ``overrides``, applied.

    ``digits`` and ``mnist-quick`` are the presets of :mod:`dec_core.presets`;
    ``mnist-paper`` is a fixed reference and takes nothing from them (its
    finished seeds are matched by config when resuming).
    """
    if name not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {name!r}; choose one of {', '.join(PROTOCOLS)}.")
    config = copy.deepcopy(PROTOCOLS[name]["config"])
    if variant is not None:
        config = apply_variant(config, variant)
    overrides = dict(overrides or {})
    if "method" in overrides and name != "mnist-paper":
        # the method's own clustering optimiser, as in the CLI and the app (unless overridden)
        config = switch_method(config, overrides["method"])
    config.update(overrides)
    return config


# --------------------------------------------------------------------- resumable pretraining
class _Checkpointer:
    """Pretraining events that checkpoint the autoencoder every few epochs."""

    def __init__(self, path: Path, autoencoder, every: int, done: int, total: int,
                 seconds: float, losses: list[float], log):
        self.path, self.autoencoder, self.every = path, autoencoder, max(1, int(every))
        self.done, self.total, self.seconds0, self.losses = done, total, seconds, losses
        self.t0 = time.perf_counter()
        self.log = log

    def seconds(self) -> float:
        return self.seconds0 + time.perf_counter() - self.t0

    def should_stop(self) -> bool:
        return False

    def epoch(self, stage: str, epoch: int, total: int, logs: dict) -> bool:
        self.done += 1
        self.losses.append(float(logs["loss"]))
        if self.done % self.every == 0 or self.done == self.total:
            save_autoencoder(self.path, self.autoencoder, self.done, self.seconds(), self.losses)
        self.log(f"[pretrain] epoch {self.done}/{self.total} loss={logs['loss']:.5f} "
                 f"({self.seconds():.0f} s)")
        return not np.isfinite(logs["loss"])


def save_autoencoder(path: Path, autoencoder, epochs_done: int, seconds: float,
                     losses: list[float]) -> None:
    """Atomically save the autoencoder's weights and the pretraining progress."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    weights = autoencoder.get_weights()
    np.savez(tmp, *weights, epochs_done=np.int64(epochs_done), seconds=np.float64(seconds),
             losses=np.asarray(losses, np.float64), n_weights=np.int64(len(weights)))
    os.replace(tmp, path)


def load_autoencoder_checkpoint(path: Path, autoencoder) -> tuple[int, float, list[float]]:
    """Load weights saved by :func:`save_autoencoder`; returns (epochs_done, seconds, losses)."""
    with np.load(path, allow_pickle=False) as npz:
        n = int(npz["n_weights"])
        autoencoder.set_weights([npz[f"arr_{i}"] for i in range(n)])
        return int(npz["epochs_done"]), float(npz["seconds"]), npz["losses"].tolist()


def _pretrain_resumable(est, x, ckpt: Path, every: int, log) -> tuple[object, float, list]:
    """Pretrain (or continue pretraining) ``est``'s autoencoder with checkpoints."""
    import keras

    from .autoencoder import (
        PretrainConfig,
        build_autoencoder,
        pretrain_autoencoder,
        use_mixed_precision,
    )
    from .estimator import strategy_scope
    from .params import check_params

    seed = est.random_state
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    with strategy_scope(est.strategy):
        ae, _ = build_autoencoder(est.dims, init=est.init, seed=seed,
                                  mixed_precision=use_mixed_precision())
    done, seconds, losses = 0, 0.0, []
    if ckpt.is_file():
        done, seconds, losses = load_autoencoder_checkpoint(ckpt, ae)
        log(f"[pretrain] resuming from {ckpt} at epoch {done}/{est.pretrain_epochs}")
    remaining = est.pretrain_epochs - done
    if remaining > 0:
        cfg = PretrainConfig.from_params(check_params(est.get_params(deep=False)),
                                         epochs=remaining)
        if done:  # a fresh shuffle stream for the continuation
            cfg.shuffle_seed = (seed or 0) * 100003 + done
        events = _Checkpointer(ckpt, ae, every, done, est.pretrain_epochs, seconds, losses, log)
        with strategy_scope(est.strategy):
            pretrain_autoencoder(ae, x, cfg, events)
        seconds = events.seconds()
        save_autoencoder(ckpt, ae, events.done, seconds, losses)
    return ae, seconds, losses


# --------------------------------------------------------------------- one seed
class _PretrainClock:
    """CPU seconds (all threads of this process) spent between pretraining's begin and end.

    With the wall seconds this gives the cores pretraining kept busy: on a 2-core
    machine 2.0 means both cores worked all the time, 1.0 one (a small-batch step
    whose matmuls do not split well over threads), so a low share of the matmul
    rate can be told apart from a busy machine (load) or idle waits.
    """

    def __init__(self):
        from .callbacks import Callback

        outer = self

        class _Cb(Callback):
            def on_pretrain_begin(self, logs=None):
                outer.t0 = time.process_time()

            def on_pretrain_end(self, logs=None):
                if outer.t0 is not None:
                    outer.seconds = time.process_time() - outer.t0

        self.t0: float | None = None
        self.seconds: float | None = None
        self.callback = _Cb()


class _Embeddings:
    """Keeps the pretrained embedding of each fit (one per restart) for N2D."""

    def __init__(self):
        from .callbacks import Callback

        outer = self

        class _Cb(Callback):
            def on_kmeans_end(self, logs=None):
                outer.seen.append(np.asarray((logs or {}).get("embedding")))

        self.seen: list[np.ndarray] = []
        self.callback = _Cb()


def n2d_figures(z: np.ndarray, y, k: int, seed: int) -> dict:
    """N2D (:func:`dec_core.baselines.n2d_labels`) on an embedding: scores and seconds."""
    from .baselines import n2d_labels
    from .metrics import clustering_scores

    t0 = time.perf_counter()
    labels = n2d_labels(z, k, seed)
    return {**clustering_scores(y, labels), "seconds": time.perf_counter() - t0}


def run_seed(protocol: str, config: dict, data, seed: int, *, work_dir: Path | None = None,
             log=None, n2d: bool = False) -> dict:
    """Run one seed of a protocol on loaded data; returns its figures.

    With ``n2d``, N2D is also scored on the pretrained embedding DEC started
    from (the kept restart's), so the two share one autoencoder.
    """
    from .estimator import DEC
    from .metrics import clustering_scores

    log = log or (lambda text: None)
    spec = PROTOCOLS[protocol]
    params = estimator_params(config, data.n_features, data.n_classes)
    est = DEC(random_state=seed, **params)
    emb = _Embeddings()
    clock = _PretrainClock()
    t0 = time.perf_counter()
    if spec.get("resumable") and work_dir is not None:
        ckpt = work_dir / f"seed{seed}-autoencoder.npz"
        ae, pretrain_s, _ = _pretrain_resumable(est, data.x, ckpt, spec.get("checkpoint_every", 5),
                                                log)
        est.fit(data.x, data.y, autoencoder=ae, callbacks=[emb.callback, clock.callback])
        timings = dict(est.timings_)
        timings["pretrain"] = pretrain_s
        timings["total"] = pretrain_s + est.timings_["total"]
    else:
        est.fit(data.x, data.y, callbacks=[emb.callback, clock.callback])
        timings = dict(est.timings_)
    wall = time.perf_counter() - t0
    samples = est.pretrain_epochs * data.n_samples if est.pretrain == "end_to_end" else None
    out = {
        "seed": int(seed),
        **clustering_scores(data.y, est.labels_),
        "kmeans": {k: est.history_["kmeans"].get(k) for k in ("acc", "nmi", "ari")},
        "seconds": {k: float(v) for k, v in timings.items()},
        "wall_seconds": wall,
        "n_iter": int(est.n_iter_),
        "n_updates": len(est.history_["dec"].get("iteration", [])),
        "stop_reason": est.stop_reason_,
        "pretrain_epochs": int(est.pretrain_epochs),
        "variant_settings": {k: config.get(k) for k in
                             ("augment", "centroid_init", "n_restarts", "restart_criterion")},
    }
    restarts = getattr(est, "restarts_", None)
    if restarts:
        out["restarts"] = restarts
    if n2d and emb.seen:
        kept = next((i for i, r in enumerate(restarts or []) if r["chosen"]), -1)
        out["n2d"] = n2d_figures(emb.seen[kept], data.y, est.n_clusters, seed)
        log(f"[bench] seed {seed}: N2D on the same autoencoder acc={out['n2d']['acc']:.4f} "
            f"({out['n2d']['seconds']:.1f} s)")
    if clock.seconds is not None and timings["pretrain"] > 0:
        out["pretrain_cpu_seconds"] = clock.seconds
        out["pretrain_cores_busy"] = clock.seconds / timings["pretrain"]
    if samples and timings["pretrain"] > 0:
        rate = samples / timings["pretrain"]
        out["pretrain_samples_per_s"] = rate
        out["pretrain_gflops"] = rate * pretrain_flops_per_sample(est.dims_) / 1e9
    return out


# --------------------------------------------------------------------- summary
def _mean_std(values: list[float]) -> dict[str, float]:
    arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if arr.size == 0:
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1) if arr.size > 1 else 0.0)}


def summarise(runs: list[dict], matmul: dict) -> dict:
    """Mean and standard deviation (ddof=1) over seeds of every figure."""
    summary: dict = {}
    for key in ("acc", "nmi", "ari", "wall_seconds", "n_iter", "pretrain_samples_per_s",
                "pretrain_gflops", "pretrain_cpu_seconds", "pretrain_cores_busy"):
        summary[key] = _mean_std([r.get(key) for r in runs])
    for key in ("acc", "nmi", "ari"):
        summary[f"kmeans_{key}"] = _mean_std([r["kmeans"].get(key) for r in runs])
    for phase in ("pretrain", "kmeans", "dec", "total"):
        summary[f"{phase}_seconds"] = _mean_std([r["seconds"].get(phase) for r in runs])
    if any("n2d" in r for r in runs):
        for key in ("acc", "nmi", "ari", "seconds"):
            summary[f"n2d_{key}"] = _mean_std([r["n2d"][key] for r in runs if "n2d" in r])
    rows = [row for r in runs for row in r.get("restarts", [])]
    if rows and all("acc" in row for row in rows):
        summary["restart_correlation"] = restart_correlations(runs)
    g = summary["pretrain_gflops"]["mean"]
    summary["pretrain_fraction_of_matmul"] = g / matmul["best"] if np.isfinite(g) else None
    return summary


def restart_correlations(runs: list[dict]) -> dict:
    """How well each restart criterion tracks ACC, over every restart of every seed.

    Returns, per criterion, the Spearman correlation of the criterion with ACC
    across all restarts (sign flipped for criteria where lower wins, so +1
    means "the criterion's preferred restart is the accurate one"), the mean
    ACC of the restart it would keep on each seed, and that of the best
    restart (an oracle using labels) and of restart 0 (no restarts).
    """
    from scipy.stats import spearmanr

    from .restarts import RESTART_CRITERIA, choose_restart

    rows = [row for r in runs for row in r.get("restarts", [])]
    acc = np.asarray([row["acc"] for row in rows])
    out: dict = {"n_restarts_total": len(rows),
                 "first_acc": float(np.mean([r["restarts"][0]["acc"] for r in runs])),
                 "oracle_acc": float(np.mean([max(x["acc"] for x in r["restarts"])
                                              for r in runs]))}
    for name, sense in RESTART_CRITERIA.items():
        v = np.asarray([row[name] for row in rows], dtype=np.float64)
        rho = spearmanr(v if sense == "max" else -v, acc).statistic if len(rows) > 2 else np.nan
        picked = [r["restarts"][choose_restart([x[name] for x in r["restarts"]], name)]["acc"]
                  for r in runs]
        out[name] = {"spearman": float(rho), "chosen_acc": float(np.mean(picked))}
    return out


def _fmt(stat: dict, digits: int = 3) -> str:
    if not np.isfinite(stat["mean"]):
        return "n/a"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def markdown(result: dict) -> str:
    """The result as a Markdown section: header lines, per-seed rows, mean ± std."""
    m, s = result["machine"], result["summary"]
    mm = result["matmul"]
    lines = [
        f"### {result['protocol']}"
        + (f" ({result['variant']})" if result.get("variant") else "")
        + f": {PROTOCOLS[result['protocol']]['description']}",
        "",
        f"- date: {result['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores"
        + (f", GPU {', '.join(m['gpus'])}" if m["gpus"] else ", no GPU")
        + f"; TensorFlow {m['tensorflow']}, Keras {m['keras']}",
        f"- load average at start / end: {result['load_start']} / {result['load_end']}",
        f"- command: `{result['command']}`",
        f"- data: {result['data']['name']}, {result['data']['n_samples']:,} x "
        f"{result['data']['n_features']}; dims {result['dims']}",
        f"- matmul rate ({mm['n']}x{mm['n']} float32): TensorFlow {mm['tensorflow']:.0f} "
        f"GFLOP/s, NumPy {mm['numpy']:.0f} GFLOP/s",
        "",
        "| seed | ACC | NMI | ARI | k-means ACC | pretrain s | k-means s | DEC s | total s "
        "| DEC iters | pretrain samples/s | GFLOP/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        sec = r["seconds"]
        lines.append(
            f"| {r['seed']} | {r['acc']:.3f} | {r['nmi']:.3f} | {r['ari']:.3f} "
            f"| {r['kmeans']['acc']:.3f} | {sec['pretrain']:.1f} | {sec['kmeans']:.1f} "
            f"| {sec['dec']:.1f} | {sec['total']:.1f} | {r['n_iter']} "
            f"| {r.get('pretrain_samples_per_s', float('nan')):,.0f} "
            f"| {r.get('pretrain_gflops', float('nan')):.0f} |"
        )
    frac = s["pretrain_fraction_of_matmul"]
    lines += [
        f"| **mean ± std** | {_fmt(s['acc'])} | {_fmt(s['nmi'])} | {_fmt(s['ari'])} "
        f"| {_fmt(s['kmeans_acc'])} | {_fmt(s['pretrain_seconds'], 1)} "
        f"| {_fmt(s['kmeans_seconds'], 1)} | {_fmt(s['dec_seconds'], 1)} "
        f"| {_fmt(s['total_seconds'], 1)} | {_fmt(s['n_iter'], 0)} "
        f"| {_fmt(s['pretrain_samples_per_s'], 0)} | {_fmt(s['pretrain_gflops'], 0)} |",
        "",
    ]
    if "n2d_acc" in s:
        lines += [f"N2D on the same autoencoders: ACC {_fmt(s['n2d_acc'])}, NMI "
                  f"{_fmt(s['n2d_nmi'])}, per seed "
                  + ", ".join(f"{r['n2d']['acc']:.3f}" for r in result["runs"] if "n2d" in r)
                  + f" ({_fmt(s['n2d_seconds'], 1)} s each).", ""]
    if "restart_correlation" in s:
        c = s["restart_correlation"]
        lines += [f"Restarts ({c['n_restarts_total']} fits): restart 0 alone ACC "
                  f"{c['first_acc']:.3f}, best restart per seed (labels) {c['oracle_acc']:.3f}; "
                  + "; ".join(f"{name}: Spearman {c[name]['spearman']:+.2f} with ACC, keeps "
                              f"{c[name]['chosen_acc']:.3f}" for name in ("kl", "silhouette",
                                                                           "inertia")) + ".", ""]
    lines += [
        f"Pretraining ran at {'n/a' if frac is None else f'{100 * frac:.0f}%'} of the measured "
        f"matmul rate ({mm['best']:.0f} GFLOP/s)"
        + (f", keeping {_fmt(s['pretrain_cores_busy'], 2)} of {m['cores']} cores busy "
           f"({_fmt(s['pretrain_cpu_seconds'], 1)} CPU s)"
           if np.isfinite(s.get("pretrain_cores_busy", {}).get("mean", np.nan)) else "")
        + f"; TF threads intra {_threads(m)}. Data loading took "
        f"{result['load_seconds']:.1f} s (once, not in the per-seed totals).",
        "",
    ]
    return "\n".join(lines)


def _threads(machine: dict) -> str:
    """``intra/inter`` thread settings in words ("n/a" for a result that does not record them)."""
    t = machine.get("tf_threads")
    if not t:
        return "n/a"
    env = {k: v for k, v in t["env"].items() if v is not None}
    text = f"{t['intra'] or 'default'} / inter {t['inter'] or 'default'}"
    return text + (f" (env {', '.join(f'{k}={v}' for k, v in env.items())})" if env else "")


# --------------------------------------------------------------------- driver
def run_bench(protocol: str, seeds: Sequence[int], *, data_path: str | None = None,
              out_dir: str | os.PathLike = "bench-results", work_dir: str | os.PathLike | None = None,
              overrides: dict | None = None, fresh: bool = False, quiet: bool = False,
              command: str | None = None, matmul_size: int = 3072,
              variant: str | None = None, n2d: bool = False) -> dict:
    """Run ``protocol`` for each seed; write ``<out_dir>/<protocol>.json`` and ``.md``.

    Parameters
    ----------
    protocol : str
        A key of :data:`PROTOCOLS`.
    seeds : sequence of int
        One full run per seed (weights, shuffling, k-means).
    data_path : str, optional
        MNIST ``.npz`` (Keras layout) or a folder holding it.
    out_dir : path-like, default="bench-results"
    work_dir : path-like, optional
        Checkpoints and finished seeds of a resumable protocol; default
        ``<out_dir>/<protocol>-work``.
    overrides : dict, optional
        Config keys to change (for tests and experiments; recorded in the result).
    fresh : bool, default=False
        Ignore the saved checkpoints and finished seeds.
    quiet : bool, default=False
        No progress on stderr.
    command : str, optional
        The command line to record.
    matmul_size : int, default=3072
        Side of the square matmul that measures this machine's float32 rate.
    variant : str, optional
        A key of :data:`dec_core.presets.VARIANTS`; its settings are applied
        before ``overrides`` and the files are named ``<protocol>.<variant>``.
    n2d : bool, default=False
        Also score N2D on each seed's pretrained embedding.

    Returns
    -------
    dict
        What was written to the JSON file.
    """
    from .datasets import load_dataset

    def log(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    config = protocol_config(protocol, overrides, variant)
    spec = PROTOCOLS[protocol]
    stem = protocol if variant is None else f"{protocol}.{variant}"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(work_dir) if work_dir is not None else out_dir / f"{protocol}-work"
    if fresh and work.exists():
        for f in work.glob("seed*"):
            f.unlink()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    log(f"[bench] {protocol}: measuring the matmul rate")
    matmul = matmul_rates(matmul_size)
    log(f"[bench] matmul: TF {matmul['tensorflow']:.0f} GFLOP/s, NumPy {matmul['numpy']:.0f} GFLOP/s")

    t0 = time.perf_counter()
    opts: dict = {"n_samples": config.get("n_samples"),
                  "random_state": config.get("data_seed", 0)}
    if data_path:
        opts["path"] = data_path
    data = load_dataset(config["dataset"], **opts)
    load_seconds = time.perf_counter() - t0
    log(f"[bench] data {data.name}: {data.x.shape} in {load_seconds:.1f} s")

    warmup = 0.0
    if n2d or config.get("centroid_init") == "manifold":
        # UMAP's numba code is readied once per process (compiled or loaded from numba's
        # cache: baselines.import_umap); as in the app's warm
        # workers, that is not any seed's time (recorded as umap_warmup_seconds)
        from .baselines import n2d_labels

        t1 = time.perf_counter()
        n2d_labels(np.random.default_rng(0).normal(size=(80, 4)), 3, 0)
        warmup = time.perf_counter() - t1
        log(f"[bench] UMAP warm-up (numba compile): {warmup:.1f} s")

    runs = []
    for seed in seeds:
        done_file = work / f"seed{seed}-result.json"
        if spec.get("resumable") and done_file.is_file() and not fresh:
            r = json.loads(done_file.read_text(encoding="utf-8"))
            if r.get("config") == config:
                log(f"[bench] seed {seed}: already done (from {done_file})")
                runs.append(r["run"])
                continue
        log(f"[bench] seed {seed}: running")
        r = run_seed(protocol, config, data, int(seed), work_dir=work, log=log, n2d=n2d)
        log(f"[bench] seed {seed}: acc={r['acc']:.4f} nmi={r['nmi']:.4f} ari={r['ari']:.4f} "
            f"pretrain={r['seconds']['pretrain']:.1f}s kmeans={r['seconds']['kmeans']:.1f}s "
            f"dec={r['seconds']['dec']:.1f}s total={r['seconds']['total']:.1f}s")
        runs.append(r)
        if spec.get("resumable"):
            work.mkdir(parents=True, exist_ok=True)
            done_file.write_text(json.dumps({"config": config, "run": r}), encoding="utf-8")

    result = {
        "protocol": protocol,
        "variant": variant,
        "description": spec["description"],
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command or f"python -m dec_core bench --protocol {protocol} "
                              f"--seeds {','.join(str(s) for s in seeds)}",
        "machine": machine_info(),
        "load_start": [round(v, 2) for v in load_start] if load_start else None,
        "load_end": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "matmul": matmul,
        "config": config,
        "overrides": overrides or {},
        "data": {"name": data.name, "n_samples": data.n_samples, "n_features": data.n_features},
        "dims": estimator_params(config, data.n_features, data.n_classes)["dims"],
        "load_seconds": load_seconds,
        "umap_warmup_seconds": warmup,
        "runs": runs,
        "summary": summarise(runs, matmul),
    }
    (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(markdown(result), encoding="utf-8")
    log(f"[bench] wrote {out_dir / f'{stem}.json'} and {out_dir / f'{stem}.md'}")
    return result
