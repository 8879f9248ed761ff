"""ACC of the default settings on tabular CSVs, through the CLI and through the app.

Not a test; run by hand:

    python scripts/tabular_paths.py make              # wine, iris, breast cancer CSVs in /tmp
    python scripts/tabular_paths.py run /tmp/cancer.csv /tmp/wine.csv --seeds 0,1,2

``run`` trains each file once per seed through ``dec_core.cli.run`` (what
``python -m dec_core run --dataset file --data-path F --seed S`` does) and once
through the app's path (``explorer.data.load``, ``explorer.session.state.dec_params``,
``DEC.fit``, as the job worker does), and prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code


def make(out: Path) -> None:
    from sklearn import datasets as skd

    for name, loader in (("wine", skd.load_wine), ("iris", skd.load_iris),
                         ("cancer", skd.load_breast_cancer)):
        d = loader()
        cols = [c.replace(" ", "_") for c in d.feature_names]
        lines = [",".join([*cols, "label"])]
        lines += [",".join([*(repr(float(v)) for v in row), str(d.target_names[t])])
                  for row, t in zip(d.data, d.target)]
        (out / f"{name}.csv").write_text("\n".join(lines) + "\n")
        print(out / f"{name}.csv")


def run(paths: list[Path], seeds: list[int]) -> None:
    from dec_core import cli
    from dec_core.estimator import DEC
    from dec_core.metrics import clustering_scores
    from explorer.data import load
    from explorer.session import state

    for path in paths:
        for seed in seeds:
            args = cli.build_parser().parse_args(
                ["run", "--dataset", "file", "--data-path", str(path), "--seed", str(seed)])
            r = cli.run(cli.resolve_config(args), quiet=True)
            print(json.dumps({"path": "cli", "file": path.name, "seed": seed, "dims": r["dims"],
                              "acc": round(r["acc"], 4), "nmi": round(r["nmi"], 4),
                              "seconds": r["total_seconds"]}), flush=True)
            data = {**state.DATA_DEFAULTS, "name": "file"}
            train = {**state.train_defaults("file"), "seed": seed}
            ds = load(data, {"name": path.name, "bytes": path.read_bytes()})
            params = state.dec_params(state.model_defaults("file"), train, ds.n_features,
                                      ds.n_classes)
            scores = clustering_scores(ds.y, DEC(**params).fit(ds.x).labels_)
            print(json.dumps({"path": "app", "file": path.name, "seed": seed,
                              "dims": params["dims"], "acc": round(scores["acc"], 4),
                              "nmi": round(scores["nmi"], 4)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["make", "run"])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp"))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    if args.what == "make":
        make(args.out)
    else:
        run(args.paths, [int(s) for s in args.seeds.split(",")])


if __name__ == "__main__":
    main()
