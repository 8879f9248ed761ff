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

from .bench import PROTOCOLS
from .datasets import SYNTHETIC_NOISE
from .presets import (
    METHOD_OPTIMIZER,
    VARIANTS,
    apply_variant,
    estimator_params,
    legacy_method,
    preset_for,
)


def _int_list(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from err


def _n_clusters(text: str) -> int | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, got {text!r}") from err


def _variant_help() -> str:
    text = "variants (dec_core.presets.VARIANTS): " + "; ".join(
        f"{name}: {spec['help']}" for name, spec in VARIANTS.items())
    return text.replace("%", "%%")  # argparse %-formats help strings ("10% of the side")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dec_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train DEC on a dataset and print the figures")
    run.add_argument("--config", type=Path, help="a JSON config (e.g. exported from the app)")
    run.add_argument("--dataset", help="digits (default), mnist, fashion_mnist, blobs, moons, "
                                       "circles, imbalanced_blobs, file; picks the preset of "
                                       "dec_core.presets")
    run.add_argument("--data-path", help="a local file (.npz in Keras layout, .csv, .npy, .npz)")
    run.add_argument("--n-samples", type=int, help="stratified subsample size")
    run.add_argument("--dims", type=_int_list,
                     help="hidden sizes after the input width, e.g. 500,500,2000,10 "
                          "(default: the preset's)")
    run.add_argument("--n-clusters", type=_n_clusters,
                     help="a number, or auto: a k sweep (dec_core.selection) on the pretrained "
                          "embedding (the shipped autoencoder's when it fits, else the data, "
                          "PCA-reduced to the embedding's width) picks k from the silhouette "
                          "curve and tests for structure with the gap statistic; its evidence "
                          "goes to stderr and the JSON line gains k_chosen and structure "
                          "(found / none). Default: the number of distinct labels "
                          "(10 without labels)")
    run.add_argument("--pretrain-epochs", type=int, help="default: the preset's")
    run.add_argument("--pretrain-steps", type=int,
                     help="budget of pretraining gradient steps: the epochs stop once this many "
                          "batches ran (default: the preset's, 20000; >= 1)")
    run.add_argument("--pretrain", choices=["end_to_end", "layerwise"],
                     help="default: end_to_end")
    run.add_argument("--method", choices=["dec", "idec"],
                     help="dec: L = KL(P||Q) (default); idec: L = L_r + gamma * KL(P||Q), "
                          "keeping the decoder (Guo et al. 2017)")
    run.add_argument("--gamma", type=float,
                     help="IDEC: coefficient of the clustering loss (default 0.1; > 0)")
    run.add_argument("--target-power", type=float,
                     help="exponent of the target p_ij ∝ q_ij^power / f_j (default 2, the paper's)")
    run.add_argument("--normalize-frequency", action=argparse.BooleanOptionalAction,
                     default=None, help="divide the target by the soft cluster size f_j "
                                        "(default: on, as in the paper)")
    run.add_argument("--variant", choices=list(VARIANTS), help=_variant_help())
    run.add_argument("--max-iter", type=int, help="most DEC batches (default: the preset's)")
    run.add_argument("--update-budget", type=int,
                     help="most rows the DEC target updates embed in all: past it the update "
                          "interval widens to fit (default: the preset's, 10000000; >= 1)")
    run.add_argument("--seed", type=int, help="random seed (default 0)")
    run.add_argument("--out", type=Path, help="save the run to this folder")
    run.add_argument("--checkpoint", type=Path,
                     help="keep the training state in this .npz (every 15 s, and on SIGTERM / "
                          "Ctrl-C); run the same command again to resume from it")
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")

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
    bench.add_argument("--variant", choices=list(VARIANTS),
                       help="apply an accuracy variant's settings; results go to "
                            "<protocol>.<variant>.json. " + _variant_help())
    bench.add_argument("--n2d", action="store_true",
                       help="also score N2D (UMAP + GMM) on each seed's pretrained embedding")
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
    """Merge, in rising priority: the data set's preset, ``--config``, explicit flags.

    The preset comes from :func:`dec_core.presets.preset_for`, the same
    defaults the app starts from.
    """
    config: dict = {}
    if args.config is not None:
        try:
            config = json.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(f"Cannot read config {args.config}: {err}") from err
        if not isinstance(config, dict):
            raise ValueError(f"Config {args.config} must hold a JSON object.")
        config = legacy_method(config)  # saved before `method`: gamma > 0 meant IDEC
    flags = {
        "dataset": args.dataset,
        "data_path": args.data_path,
        "n_samples": args.n_samples,
        "dims": args.dims,
        "n_clusters": args.n_clusters,
        "pretrain_epochs": args.pretrain_epochs,
        "pretrain_steps": args.pretrain_steps,
        "pretrain": args.pretrain,
        "method": args.method,
        "gamma": args.gamma,
        "target_power": args.target_power,
        "normalize_frequency": args.normalize_frequency,
        "max_iter": args.max_iter,
        "update_budget": args.update_budget,
        "seed": args.seed,
    }
    config.update({k: v for k, v in flags.items() if v is not None})
    if getattr(args, "variant", None):
        # a variant's settings win over the config file; explicit flags are not variant keys
        config = apply_variant(config, args.variant)
    config.setdefault("dataset", "digits")
    config.setdefault("seed", 0)
    preset = preset_for(config["dataset"])
    # The clustering optimiser follows the method unless given (IDEC trains best with its own).
    for key, value in METHOD_OPTIMIZER[config.get("method", preset["method"])].items():
        config.setdefault(key, value)
    for key, value in preset.items():
        config.setdefault(key, value)
    return config


def data_options(config: dict) -> dict:
    """Keyword arguments for :func:`dec_core.datasets.load_dataset` from a config.

    ``data_seed`` (default: ``seed``) seeds the subsample and synthetic data;
    ``data_path``, ``scale``, ``label_column`` (files) and ``noise``
    (synthetic sets) are passed on when the config holds them.
    """
    data_seed = config.get("data_seed")
    opts = {"n_samples": config.get("n_samples") or None,
            "random_state": int(config.get("seed", 0) if data_seed is None else data_seed)}
    if config.get("data_path"):
        opts["path"] = config["data_path"]
    keys = ["scale", "label_column"] if config["dataset"] == "file" else ["scale"]
    if config["dataset"] in SYNTHETIC_NOISE:
        keys.append("noise")
    for key in keys:
        if config.get(key) is not None:
            opts[key] = config[key]
    return opts


def _choose_k(x, params: dict, seed: int, quiet: bool):
    """``--n-clusters auto``: the k sweep of :func:`dec_core.selection.choose_k`, told on stderr."""
    from .cost import human_seconds, sweep_seconds
    from .selection import choose_k

    if not quiet:
        print(f"[estimate] k sweep ~{human_seconds(sweep_seconds(*x.shape, params['dims'][-1]))}",
              file=sys.stderr, flush=True)
    sw = choose_k(x, {**params, "random_state": seed}, seed=seed)
    if not quiet:
        say = lambda text: print(f"[k sweep] {text}", file=sys.stderr, flush=True)  # noqa: E731
        rows = (f"{sw.n_used:,} of {sw.n_total:,} rows (a seeded subsample)"
                if sw.n_used < sw.n_total else f"{sw.n_total:,} rows")
        say(f"on {sw.space}: {rows}, {sw.seconds:.1f} s")
        say("k   silhouette  stability(ARI)  GMM BIC      gap (s)")
        for j, k in enumerate(sw.ks):
            g = sw.gap.ks.index(k)
            say(f"{k:<3} {sw.silhouette[j]:>10.3f}  {sw.stability[j]:>14.2f}  {sw.bic[j]:>10.1f}"
                f"  {sw.gap.gap[g]:.3f} ({sw.gap.s[g]:.3f})")
        j = sw.ks.index(sw.suggested_k)
        how = ("the highest silhouette" if sw.rule == "peak" else
               "the knee of the silhouette curve (a larger k separates only a little better)")
        say(f"k_chosen = {sw.suggested_k}: {how}, {sw.silhouette[j]:.3f}; "
            f"resampled fits agree with ARI {sw.stability[j]:.2f}")
        g1 = sw.gap.gap[0]
        best = int(max(range(len(sw.gap.gap)), key=sw.gap.gap.__getitem__))
        top = f"Gap({sw.gap.ks[best]}) = {sw.gap.gap[best]:.3f} (s = {sw.gap.s[best]:.3f})"
        if sw.structure == "none":
            say(f"structure = none: no more structure than noise. No split gains over one "
                f"cluster against the uniform reference: Gap(1) = {g1:.3f}, the highest is "
                f"{top}; DEC will still return {sw.suggested_k} clusters")
        else:
            say(f"structure = found: {top} exceeds Gap(1) = {g1:.3f} by more than s")
    return sw


def run(config: dict, *, out: Path | None = None, quiet: bool = False,
        checkpoint: Path | None = None) -> dict:
    """Load the data, fit DEC, optionally save the run; return the figures.

    With ``checkpoint``, the fit resumes from that file when it exists and
    keeps it up to date (:mod:`dec_core.checkpoint`); SIGTERM / SIGINT then
    save it and raise :class:`dec_core.checkpoint.Interrupted`.
    """
    from .callbacks import CentroidHistory, ProgressLogger
    from .datasets import load_dataset
    from .estimator import DEC
    from .metrics import clustering_scores
    from .params import check_params

    t0 = time.perf_counter()
    data_opts = data_options(config)
    data = load_dataset(config["dataset"], **data_opts)
    load_seconds = time.perf_counter() - t0

    auto = config.get("n_clusters") == "auto"
    params = estimator_params({**config, "n_clusters": None} if auto else config,
                              data.n_features, data.n_classes)
    dims = params["dims"]
    dec = DEC(random_state=config["seed"], **params)
    trail = CentroidHistory()  # saved beside the run as arrays/centroids.npy
    callbacks = [trail] if quiet else [trail, ProgressLogger(every=10)]
    if not quiet:
        print(f"[data] {data.name}: x{data.x.shape}, classes={data.n_classes}, "
              f"dims={dims}", file=sys.stderr, flush=True)
    chosen = None
    if auto:
        chosen = _choose_k(data.x, params, int(config["seed"]), quiet)
        params["n_clusters"] = chosen.suggested_k
        dec.set_params(n_clusters=chosen.suggested_k)
    autoencoder, source = None, "live"
    if config.get("autoencoder") == "shipped":  # as the app's "use the shipped autoencoder"
        from .pretrained import find

        shipped = find(data.x, dec.get_params())
        if shipped is not None:
            autoencoder, source = shipped.autoencoder(), "shipped"
    check_params(dec.get_params(deep=False))  # a bad setting fails here, before the fit
    if not quiet:
        from .cost import estimate

        cost = estimate(data.n_samples, params, pretrained=autoencoder is not None)
        print(f"[estimate] {cost.summary()}", file=sys.stderr, flush=True)
    ck = None
    if checkpoint is not None:
        import signal
        import threading

        from .checkpoint import Checkpointer

        asked = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: asked.set())
        ck = Checkpointer(checkpoint, every_s=15.0, interrupt=asked.is_set, resume=True)
    dec.fit(data.x, data.y, callbacks=callbacks, autoencoder=autoencoder, checkpoint=ck)
    result = {
        "dataset": data.name,
        "n_samples": int(data.x.shape[0]),
        "n_clusters": int(params["n_clusters"]),
        "dims": dims,
        "seed": config["seed"],
        **({"acc": None, "nmi": None, "ari": None} if data.y is None
           else clustering_scores(data.y, dec.labels_)),
        "kmeans_acc": dec.history_["kmeans"].get("acc"),
        "centroid_init": params.get("centroid_init", "kmeans"),
        **({"restarts": dec.restarts_} if hasattr(dec, "restarts_") else {}),
        "load_seconds": round(load_seconds, 3),
        "pretrain_seconds": round(dec.timings_["pretrain"], 3),
        "kmeans_seconds": round(dec.timings_["kmeans"], 3),
        "dec_seconds": round(dec.timings_["dec"], 3),
        "total_seconds": round(time.perf_counter() - t0, 3),
        "n_iter": int(dec.n_iter_),
        "stop_reason": dec.stop_reason_,
        "autoencoder": source,
        **({"k_chosen": chosen.suggested_k, "structure": chosen.structure} if chosen else {}),
    }
    if out is not None:
        from .runs import save_run

        save_run(out, dec, data.x, data.y, dataset={"name": data.name, **{
            k: v for k, v in data_opts.items() if v is not None}}, extra={"config": config},
            arrays={"centroids": trail.array()} if trail.centers else None)
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
                quiet=args.quiet, matmul_size=args.matmul_size, variant=args.variant,
                n2d=args.n2d,
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
        result = run(config, out=args.out, quiet=args.quiet, checkpoint=args.checkpoint)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        from .checkpoint import Interrupted

        if not isinstance(err, Interrupted):
            raise
        print(f"{err}; run the same command again to resume.", file=sys.stderr)
        return 130
    print(json.dumps(result))
    return 0
