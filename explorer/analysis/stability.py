"""Check stability: retrain a finished run from other seeds and see which clusters survive.

No streamlit here. Explore submits the reseeded runs as ordinary training jobs
(:func:`reseeded_configs`, worker processes like any Start) and, once they have
finished, reads their saved labels: :func:`compare` gives the ARI between the
runs and, for each cluster of the run shown, the Jaccard index of its best
match in each other run (:func:`dec_core.selection.best_match_jaccard`).
Hennig's (2007) reading of that index names the flags: a cluster whose mean
Jaccard is at most :data:`DISSOLVED` does not survive; one at
:data:`STABLE` or more is stable. The words for all this are in
:mod:`explorer.text.teach` (the "Check stability" section).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

EXTRA_SEEDS = 2
"""How many more runs a check trains (seeds +1, +2 of the run's training seed)."""

DISSOLVED = 0.5
"""A cluster whose mean best-match Jaccard is at most this does not survive (Hennig 2007)."""

STABLE = 0.75
"""A cluster whose mean best-match Jaccard is at least this is stable (Hennig 2007)."""

STATE_KEY = "stability_jobs"
"""Session-state key: run path -> the ids of its reseeded jobs."""


def reseeded_configs(app_config: Mapping, n: int = EXTRA_SEEDS) -> list[dict]:
    """The job configs of the check: the run's own settings with seeds +1 ... +n.

    Parameters
    ----------
    app_config : mapping
        The run's ``extra["app"]``: its ``data``, ``model`` and ``train`` sections.
    n : int, default=EXTRA_SEEDS

    Returns
    -------
    list of dict
        ``{"data", "model", "train"}`` each, as :meth:`JobManager.submit` takes them.
        The data (and its subsample seed) stay the same, so the rows line up.
    """
    seed = int(app_config["train"].get("seed", 0))
    out = []
    for i in range(1, int(n) + 1):
        config = {key: copy.deepcopy(dict(app_config[key])) for key in ("data", "model", "train")}
        config["train"]["seed"] = seed + i
        out.append(config)
    return out


def compare(labels, others: Sequence) -> dict:
    """How well the run's clusters survive in the other runs.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        The run shown (clusters 0 ... k-1).
    others : sequence of array-like of shape (n_samples,)
        The reseeded runs' labels on the same rows.

    Returns
    -------
    dict
        ``ari``: the adjusted Rand index of the run against each other run;
        ``ari_between``: of the other runs between them (NaN with fewer than two);
        ``jaccard``: (n_others, k) best-match Jaccard per other run and cluster;
        ``mean_jaccard``: per cluster; ``dissolved`` / ``stable``: the clusters
        at most :data:`DISSOLVED` / at least :data:`STABLE`; ``sizes``: per cluster.
    """
    from sklearn.metrics import adjusted_rand_score

    from dec_core.selection import best_match_jaccard

    labels = np.asarray(labels).ravel()
    others = [np.asarray(o).ravel() for o in others]
    for o in others:
        if o.shape != labels.shape:
            raise ValueError(f"The runs cluster different rows: {labels.shape[0]:,} against "
                             f"{o.shape[0]:,}.")
    jac = best_match_jaccard(labels, others)
    mean = jac.mean(axis=0)
    k = jac.shape[1]
    between = [adjusted_rand_score(others[i], others[j])
               for i in range(len(others)) for j in range(i + 1, len(others))]
    sizes = np.bincount(labels, minlength=k)
    occupied = sizes > 0
    return {
        "ari": [float(adjusted_rand_score(labels, o)) for o in others],
        "ari_between": float(np.mean(between)) if between else float("nan"),
        "jaccard": jac.tolist(),
        "mean_jaccard": mean.tolist(),
        "dissolved": [int(c) for c in np.flatnonzero((mean <= DISSOLVED) & occupied)],
        "stable": [int(c) for c in np.flatnonzero((mean >= STABLE) & occupied)],
        "sizes": sizes.tolist(),
    }


def cluster_flags(result: Mapping) -> dict[int, str]:
    """cluster -> ``"does not survive"`` / ``"stable"`` / ``"survives partly"`` (occupied ones)."""
    out = {}
    for c, size in enumerate(result["sizes"]):
        if not size:
            continue
        out[c] = ("does not survive" if c in result["dissolved"] else
                  "stable" if c in result["stable"] else "survives partly")
    return out
