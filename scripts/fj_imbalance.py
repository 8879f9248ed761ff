"""Does dividing DEC's target by the cluster size f_j matter? Measure it on a data set.

For each seed: one autoencoder is pretrained (the data set's preset, as the app and the
CLI run it), then DEC runs twice from it and from the same k-means start, once with
``p_ij ∝ q_ij^2 / f_j`` (the paper's) and once without the division
(``DEC(normalize_frequency=False)``). Printed per seed and as a mean: ACC, and for the
smallest true class its recall (the share of its points in the cluster the Hungarian
matching of ACC gives it) and that cluster's size and precision (the share of its points
from that class), after k-means and after each DEC.

Usage::

    python scripts/fj_imbalance.py                          # imbalanced_blobs, seeds 0,1,2
    python scripts/fj_imbalance.py --dataset digits --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def small_class_figures(y: np.ndarray, labels: np.ndarray, small: int) -> dict:
    """ACC, and the smallest class's recall, matched cluster size and precision.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        True classes.
    labels : ndarray of shape (n_samples,)
        Cluster ids.
    small : int
        The class to follow.

    Returns
    -------
    dict
        ``acc``, ``recall``, ``size`` (0 when no cluster is matched to the class) and
        ``precision``.
    """
    from dec_core.metrics import cluster_acc

    acc, mapping = cluster_acc(y, labels, return_mapping=True)
    matched = [c for c, k in mapping.items() if k == small]
    if not matched:
        return {"acc": acc, "recall": 0.0, "size": 0, "precision": 0.0}
    members = labels == matched[0]
    hits = int(np.sum(members & (y == small)))
    return {"acc": acc, "recall": hits / int(np.sum(y == small)), "size": int(members.sum()),
            "precision": hits / max(1, int(members.sum()))}


def measure(dataset: str, seed: int) -> dict:
    """One seed: k-means, DEC with / f_j and DEC without, from one pretrained autoencoder."""
    from dec_core import DEC, load_dataset
    from dec_core.callbacks import Callback
    from dec_core.presets import estimator_params, preset_for

    data = load_dataset(dataset, random_state=seed)
    classes, counts = np.unique(data.y, return_counts=True)
    small = int(classes[np.argmin(counts)])
    params = estimator_params(preset_for(dataset), data.n_features, data.n_classes)

    class Pretrained(Callback):
        def on_pretrain_end(self, logs=None):
            self.weights = self.model.autoencoder_.get_weights()

    grab = Pretrained()
    t0 = time.perf_counter()
    with_fj = DEC(random_state=seed, **params).fit(data.x, data.y, callbacks=[grab])
    with_fj.autoencoder_.set_weights(grab.weights)  # back to the pretrained weights
    without = DEC(random_state=seed, **{**params, "normalize_frequency": False})
    without.fit(data.x, data.y, autoencoder=with_fj.autoencoder_)
    if not np.array_equal(with_fj.kmeans_labels_, without.kmeans_labels_):
        raise RuntimeError("the two runs started from different k-means solutions")
    k = int(params["n_clusters"])
    return {
        "dataset": dataset, "seed": seed, "class_sizes": counts.tolist(),
        "small_class": data.class_name(small),
        "kmeans": small_class_figures(data.y, with_fj.kmeans_labels_, small),
        "with_fj": small_class_figures(data.y, with_fj.labels_, small),
        "without_fj": small_class_figures(data.y, without.labels_, small),
        "sizes": {"kmeans": np.bincount(with_fj.kmeans_labels_, minlength=k).tolist(),
                  "with_fj": np.bincount(with_fj.labels_, minlength=k).tolist(),
                  "without_fj": np.bincount(without.labels_, minlength=k).tolist()},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="imbalanced_blobs")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    rows = [measure(args.dataset, int(s)) for s in args.seeds.split(",")]
    for row in rows:
        print(json.dumps(row), flush=True)
    print(f"\n{args.dataset}, class sizes {rows[0]['class_sizes']}, smallest class "
          f"{rows[0]['small_class']!r}, seeds {args.seeds}")
    print(f"{'':12}{'ACC':>16}{'small recall':>16}{'small cluster':>22}{'its precision':>16}")
    for arm in ("kmeans", "with_fj", "without_fj"):
        figs = [r[arm] for r in rows]
        acc = " ".join(f"{f['acc']:.3f}" for f in figs)
        rec = " ".join(f"{f['recall']:.2f}" for f in figs)
        size = " ".join(f"{f['size']}" for f in figs)
        prec = " ".join(f"{f['precision']:.2f}" for f in figs)
        print(f"{arm:12}{acc:>16}{rec:>16}{size:>22}{prec:>16}")
    for arm in ("kmeans", "with_fj", "without_fj"):
        mean = {key: float(np.mean([r[arm][key] for r in rows]))
                for key in ("acc", "recall", "size", "precision")}
        print(f"mean {arm:11} ACC {mean['acc']:.3f}  small recall {mean['recall']:.2f}  "
              f"small cluster {mean['size']:.0f} points, precision {mean['precision']:.2f}")


if __name__ == "__main__":
    main()
