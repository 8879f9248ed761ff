"""dec_core: Deep Embedded Clustering (DEC / IDEC) as a scikit-learn-style estimator.

>>> from dec_core import DEC, load_dataset
>>> data = load_dataset("digits")
>>> labels = DEC(n_clusters=10, random_state=0).fit_predict(data.x)  # doctest: +SKIP

Heavy modules (TensorFlow) load on first use, so ``import dec_core`` is quick.
"""

from __future__ import annotations

import importlib
import os

# Keras 3 picks its backend at import; this engine is written for TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_LAZY = {
    "DEC": "estimator",
    "DivergenceWarning": "estimator",
    "check_dims": "dims",
    "ClusteringLayer": "layers",
    "target_distribution": "target",
    "build_autoencoder": "autoencoder",
    "Callback": "callbacks",
    "StopOnEvent": "callbacks",
    "ProgressLogger": "callbacks",
    "CentroidHistory": "callbacks",
    "Dataset": "datasets",
    "load_dataset": "datasets",
    "DATASETS": "datasets",
    "cluster_acc": "metrics",
    "clustering_scores": "metrics",
    "matched_confusion_matrix": "metrics",
    "save_run": "runs",
    "load_run": "runs",
    "list_runs": "runs",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'dec_core' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
