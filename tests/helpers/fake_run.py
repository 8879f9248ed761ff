"""A small, real run folder for tests: what the training job would write.

:func:`make_fake_run` fits a tiny :class:`dec_core.DEC` on a subsample of
scikit-learn's digits and saves it with :func:`dec_core.runs.save_run`, with the
``extra`` config (``app``, ``image_shape``, ``class_names``, ``baselines``) and
the ``arrays`` (``x_images`` or ``x``, ``snapshots``, ``snapshot_index``,
``snapshot_labels``, ``centroids`` and, for images, ``prototypes``) the Explore page reads. It takes a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

N_CLUSTERS = 10
SNAPSHOT_POINTS = 200
UPDATE_INTERVAL = 5


def make_fake_run(
    path: str | os.PathLike,
    *,
    n: int = 300,
    images: bool = True,
    labels: bool = True,
    n_updates: int = 4,
    params: dict | None = None,
) -> Path:
    """Fit a tiny DEC on digits and save it as a run folder.

    Parameters
    ----------
    path : path-like
        The run folder to write (replaced if it exists).
    n : int, default=300
        Number of digits (a random subsample of the 1,797).
    images : bool, default=True
        Save the data as 8x8 images (``arrays["x_images"]`` uint8 and
        ``image_shape``); otherwise as a table (``arrays["x"]`` float32).
    labels : bool, default=True
        Keep the true labels (``y_true``, class names, baselines); otherwise
        the run has none, like an unlabelled upload.
    n_updates : int, default=4
        Number of DEC target updates recorded as embedding snapshots (>= 2).
    params : dict, optional
        Estimator parameters that replace the defaults (e.g. ``alpha``,
        ``target_power``, ``n_clusters``).

    Returns
    -------
    Path
        The run folder.
    """
    from sklearn.datasets import load_digits

    from dec_core import DEC
    from dec_core.baselines import kmeans_raw_labels
    from dec_core.callbacks import Callback
    from dec_core.metrics import clustering_scores
    from dec_core.runs import save_run

    overrides = dict(params or {})
    n_updates = max(2, int(n_updates))
    digits = load_digits()
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(digits.data.shape[0], size=min(n, digits.data.shape[0]),
                              replace=False))
    x = (digits.data[rows] / 16.0).astype(np.float32)
    y = digits.target[rows].astype(np.int64) if labels else None
    snap_index = np.sort(rng.choice(x.shape[0], size=min(SNAPSHOT_POINTS, x.shape[0]),
                                    replace=False)).astype(np.int64)

    class Snapshots(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings: list[np.ndarray] = []
            self.labels: list[np.ndarray] = []
            self.centers: list[np.ndarray] = []

        def on_dec_update(self, iteration, logs=None):
            logs = logs or {}
            if logs.get("embedding") is not None:
                self.embeddings.append(np.asarray(logs["embedding"])[snap_index].astype(np.float32))
                self.labels.append(np.asarray(logs["labels"])[snap_index].astype(np.int64))
                self.centers.append(np.asarray(logs["centers"], dtype=np.float32))

    snaps = Snapshots()
    params = {
        "dims": [x.shape[1], 16, 4], "pretrain_epochs": 1, "pretrain_batch_size": 64,
        "batch_size": 64, "update_interval": UPDATE_INTERVAL, "tol": 0.0,
        "max_iter": UPDATE_INTERVAL * (n_updates - 1), "n_init": 2, "random_state": 0,
    }
    params.update(overrides)
    k = int(params.pop("n_clusters", N_CLUSTERS))
    est = DEC(k, **params).fit(x, y, callbacks=[snaps])

    baselines = {"kmeans_raw": None, "ae_kmeans": None, "dec": None}
    if y is not None:
        baselines["kmeans_raw"] = clustering_scores(y, kmeans_raw_labels(x, k, 0))
        baselines["ae_kmeans"] = clustering_scores(y, est.kmeans_labels_)
        baselines["dec"] = clustering_scores(y, est.labels_)
    arrays: dict[str, np.ndarray] = {}
    if images:
        arrays["x_images"] = np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)
    else:
        arrays["x"] = x
    if snaps.embeddings:
        arrays["snapshots"] = np.stack(snaps.embeddings[:n_updates])
        arrays["snapshot_labels"] = np.stack(snaps.labels[:n_updates])
        arrays["snapshot_index"] = snap_index
        arrays["centroids"] = np.stack(snaps.centers[:n_updates])
    if images:
        arrays["prototypes"] = np.clip(est.inverse_transform(est.cluster_centers_), 0, 1)
    name = "digits" if images else "digits-table"
    extra = {
        "app": {"data": {"name": "digits", "n_samples": n}, "model": {"hidden": [16, 4]},
                "train": params, "name": f"fake {name}"},
        "image_shape": [8, 8] if images else None,
        "class_names": [str(i) for i in range(10)] if labels else None,
        "baselines": baselines,
        "stop_reason": est.stop_reason_,
    }
    dataset = {"name": name, "n_samples": int(x.shape[0]), "n_features": int(x.shape[1]),
               "image_shape": [8, 8] if images else None}
    return save_run(path, est, x, y, dataset=dataset, extra=extra, arrays=arrays)


if __name__ == "__main__":  # python -m tests.helpers.fake_run /tmp/fake_run
    import sys

    out = make_fake_run(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fake_run")
    print(out)
