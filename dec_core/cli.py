"""Command line: ``python -m dec_core run ...`` for headless runs.

Progress goes to stderr; the last line of stdout is one JSON object with the
figures (dataset, n_samples, acc, nmi, ari, timings, n_iter).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# Per-dataset defaults: good results quickly on a 2-core CPU. Anything not
# listed falls back to the estimator's own defaults.
PRESETS: dict[str, dict] = {
    # Tuned on 2 cores (issue 4, see docs/benchmarks.md): a denoising
    # autoencoder (Gaussian input noise 0.4) pretrained for 200 epochs of
    # small batches with Adam and a cosine learning-rate decay, then DEC with
    # batch 64, a target update every 60 batches and tol 1e-4 (DEC keeps
    # improving well past tol 1e-3 on 1,797 samples).
    "digits": {
        "dims": [256, 256, 512, 10],
        "pretrain_epochs": 200,
        "pretrain_batch_size": 64,
        "pretrain_lr": 0.002,
        "pretrain_schedule": "cosine",
        "pretrain_noise": 0.4,
        "batch_size": 64,
        "update_interval": 60,
        "tol": 0.0001,
        "max_iter": 3000,
    },
    "mnist": {"dims": [500, 500, 2000, 10], "pretrain_epochs": 50},
    "fashion_mnist": {"dims": [500, 500, 2000, 10], "pretrain_epochs": 50},
}
DEFAULT_PRESET = {"dims": [64, 64, 128, 10], "pretrain_epochs": 50}

# Config keys that are DEC parameters (the rest describe the data or the run).
DEC_KEYS = (
    "n_clusters", "alpha", "pretrain", "pretrain_epochs", "layer_epochs",
    "pretrain_batch_size", "pretrain_optimizer", "pretrain_lr", "pretrain_noise",
    "pretrain_schedule", "augment_shift", "init",
    "dropout", "batch_size", "optimizer", "learning_rate", "momentum", "update_interval",
    "tol", "max_iter", "method", "gamma", "n_init",
)


def _int_list(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dec_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train DEC on a dataset and print the figures")
    run.add_argument("--config", type=Path, help="a JSON config (e.g. exported from the app)")
    run.add_argument("--dataset", help="digits, mnist, fashion_mnist, blobs, moons, circles, file")
    run.add_argument("--data-path", help="a local file (.npz in Keras layout, .csv, .npy, .npz)")
    run.add_argument("--n-samples", type=int, help="stratified subsample size")
    run.add_argument("--dims", type=_int_list, help="hidden sizes, e.g. 500,500,2000,10")
    run.add_argument("--n-clusters", type=int, help="default: the number of labels")
    run.add_argument("--pretrain-epochs", type=int)
    run.add_argument("--pretrain", choices=["end_to_end", "layerwise"])
    run.add_argument("--method", choices=["dec", "idec"], help="DEC (default) or IDEC")
    run.add_argument("--gamma", type=float,
                     help="IDEC: coefficient of the clustering loss, L = L_r + gamma*KL (default 0.1)")
    run.add_argument("--max-iter", type=int)
    run.add_argument("--seed", type=int, help="random seed (default 0)")
    run.add_argument("--out", type=Path, help="save the run to this folder")
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")

    from .bench import PROTOCOLS

    bench = sub.add_parser(
        "bench", help="run a benchmark protocol over seeds; write JSON and Markdown results")
    bench.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS))
    bench.add_argument("--seeds", type=_int_list, default=[0, 1, 2],
                       help="comma-separated seeds (default 0,1,2)")
    bench.add_argument("--data-path", help="MNIST .npz in Keras layout (or its folder)")
    bench.add_argument("--out-dir", type=Path, default=Path("bench-results"),
                       help="where <protocol>.json and <protocol>.md go (default bench-results)")
    bench.add_argument("--work-dir", type=Path,
                       help="checkpoints of resumable protocols (default <out-dir>/<protocol>-work)")
    bench.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="KEY=JSON", help="override a config key, e.g. pretrain_epochs=5")
    bench.add_argument("--fresh", action="store_true",
                       help="ignore saved checkpoints and finished seeds")
    bench.add_argument("--matmul-size", type=int, default=3072,
                       help="side of the square matmul timed for the machine's rate")
    bench.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _overrides(items: list[str]) -> dict:
    out: dict = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}.")
        try:
            out[key.strip()] = json.loads(text)
        except ValueError:
            out[key.strip()] = text
    return out


def resolve_config(args: argparse.Namespace) -> dict:
    """Merge, in rising priority: the preset, ``--config``, explicit flags."""
    config: dict = {}
    if args.config is not None:
        try:
            config = json.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(f"Cannot read config {args.config}: {err}") from err
        if not isinstance(config, dict):
            raise ValueError(f"Config {args.config} must hold a JSON object.")
    flags = {
        "dataset": args.dataset,
        "data_path": args.data_path,
        "n_samples": args.n_samples,
        "dims": args.dims,
        "n_clusters": args.n_clusters,
        "pretrain_epochs": args.pretrain_epochs,
        "pretrain": args.pretrain,
        "method": args.method,
        "gamma": args.gamma,
        "max_iter": args.max_iter,
        "seed": args.seed,
    }
    config.update({k: v for k, v in flags.items() if v is not None})
    config.setdefault("dataset", "digits")
    config.setdefault("seed", 0)
    preset = PRESETS.get(config["dataset"], DEFAULT_PRESET)
    for key, value in preset.items():
        config.setdefault(key, value)
    return config


def run(config: dict, *, out: Path | None = None, quiet: bool = False) -> dict:
    """Load the data, fit DEC, optionally save the run; return the figures."""
    from .callbacks import ProgressLogger
    from .datasets import load_dataset
    from .estimator import DEC
    from .metrics import clustering_scores

    t0 = time.perf_counter()
    data_seed = config.get("data_seed")
    data_opts = {"n_samples": config.get("n_samples"),
                 "random_state": config["seed"] if data_seed is None else int(data_seed)}
    if config.get("data_path"):
        data_opts["path"] = config["data_path"]
    for key in ("scale", "label_column"):
        if key in config:
            data_opts[key] = config[key]
    data = load_dataset(config["dataset"], **data_opts)
    load_seconds = time.perf_counter() - t0

    params = {k: config[k] for k in DEC_KEYS if k in config}
    if "n_clusters" not in params:
        params["n_clusters"] = data.n_classes or 10
    hidden = list(config["dims"])
    # Accept both "hidden sizes" and full dims that already start at the width.
    dims = hidden if hidden and hidden[0] == data.x.shape[1] and len(hidden) > 2 else [data.x.shape[1], *hidden]
    dec = DEC(dims=dims, random_state=config["seed"], **params)
    callbacks = [] if quiet else [ProgressLogger(every=10)]
    if not quiet:
        print(f"[data] {data.name}: x{data.x.shape}, classes={data.n_classes}, "
              f"dims={dims}", file=sys.stderr, flush=True)
    dec.fit(data.x, data.y, callbacks=callbacks)
    result = {
        "dataset": data.name,
        "n_samples": int(data.x.shape[0]),
        "n_clusters": int(params["n_clusters"]),
        "dims": dims,
        "seed": config["seed"],
        **({"acc": None, "nmi": None, "ari": None} if data.y is None
           else clustering_scores(data.y, dec.labels_)),
        "kmeans_acc": dec.history_["kmeans"].get("acc"),
        "load_seconds": round(load_seconds, 3),
        "pretrain_seconds": round(dec.timings_["pretrain"], 3),
        "kmeans_seconds": round(dec.timings_["kmeans"], 3),
        "dec_seconds": round(dec.timings_["dec"], 3),
        "total_seconds": round(time.perf_counter() - t0, 3),
        "n_iter": int(dec.n_iter_),
        "stop_reason": dec.stop_reason_,
    }
    if out is not None:
        from .runs import save_run

        save_run(out, dec, data.x, data.y, dataset={"name": data.name, **{
            k: v for k, v in data_opts.items() if v is not None}}, extra={"config": config})
        result["run"] = str(out)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "bench":
        from .bench import run_bench

        try:
            result = run_bench(
                args.protocol, args.seeds, data_path=args.data_path, out_dir=args.out_dir,
                work_dir=args.work_dir, overrides=_overrides(args.overrides), fresh=args.fresh,
                quiet=args.quiet, matmul_size=args.matmul_size,
                command="python -m dec_core " + " ".join(argv if argv is not None else sys.argv[1:]),
            )
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(json.dumps({"protocol": result["protocol"], **{
            k: v for k, v in result["summary"].items()}}))
        return 0
    try:
        config = resolve_config(args)
        result = run(config, out=args.out, quiet=args.quiet)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0
