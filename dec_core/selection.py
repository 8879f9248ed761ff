"""How many clusters, and are they real? Criteria for choosing k, as plain functions.

NumPy in, numbers out; no estimator, no TensorFlow. Everything a page, the CLI
(``--n-clusters auto``) or a script needs to read a k sweep lives here:

* :func:`within_dispersion`: W_k, the pooled within-cluster sum of squares;
* :func:`silhouette`: scikit-learn's mean silhouette coefficient;
* :func:`gmm_bic`: the BIC of a Gaussian mixture (scikit-learn) with k components;
* :func:`stability`: the mean adjusted Rand index between k-means fits on random
  subsamples, each labelling every point;
* :func:`gap_statistic`: Tibshirani, Walther & Hastie's gap statistic (2001)
  against their PCA-aligned uniform reference, read by :func:`gap_global_choice`
  (Dudoit & Fridlyand's global one-standard-error rule, which the verdict uses);
* :func:`sweep`: all of them for k = 2 ... 15 (bounded by n), the suggested k
  with the rule that gave it (:func:`suggest_k`: the silhouette's clear peak,
  else its :func:`knee`), and the verdict "found" or "none"
  (:func:`structure_verdict`): whether the data hold more cluster structure
  than the null reference;
* :func:`sweep_space` and :func:`choose_k`: the space the sweep runs in (the
  shipped autoencoder's embedding when it fits these data and settings, else that
  of one already pretrained for them when given, else the data, PCA-reduced to the
  embedding's width), and the one call the app and the CLI share;
* :func:`best_match_jaccard`: how well each cluster of one run survives in another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .cost import SWEEP_ROWS
from .kmeans import fit_kmeans

K_MAX = 15
"""The largest k a sweep tries (k = 2 ... 15, and at most n - 1)."""


GAP_REFS = 6
"""Reference data sets drawn for the gap statistic, B (the paper used 10-20; on
2,000 rows 6 keep each s_k within about 0.02, and the sweep within budget)."""

PEAK_MARGIN = 0.02
"""A silhouette peak is clear when every larger k scores this much lower (see
:func:`suggest_k`); digits' embedding creeps up by 0.002-0.01 per k past 10."""

STABILITY_FITS = 5
"""k-means fits on subsamples whose labellings :func:`stability` compares (10 pairs)."""

STABILITY_FRACTION = 0.8
"""Each stability fit sees this share of the rows (drawn without replacement)."""



# --------------------------------------------------------------------- criteria
def within_dispersion(x, labels) -> float:
    """W_k: the sum over clusters of the squared distances of points to their cluster mean.

    Tibshirani et al. write it ``W_k = Σ_r D_r / (2 n_r)`` with ``D_r`` the sum of
    all pairwise squared distances in cluster r; the two are equal.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)

    Returns
    -------
    float
    """
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    total = 0.0
    for c in np.unique(labels):
        part = x[labels == c]
        total += float(((part - part.mean(axis=0)) ** 2).sum())
    return total


def kmeans_labels(x, k: int, seed: int = 0, n_init: int = 3) -> np.ndarray:
    """k-means labels (scikit-learn, ``n_init`` k-means++ restarts) of ``x``; k = 1 gives zeros."""
    x = np.asarray(x, dtype=np.float64)
    if k <= 1:
        return np.zeros(len(x), dtype=np.int64)
    return fit_kmeans(x, k, n_init=n_init, random_state=seed).labels_.astype(np.int64)


def silhouette(x, labels, *, distances: np.ndarray | None = None) -> float:
    """The mean silhouette coefficient (scikit-learn's ``silhouette_score``, Euclidean).

    For point i, ``a`` is its mean distance to the rest of its cluster and ``b``
    the smallest mean distance to another cluster; ``s_i = (b - a) / max(a, b)``
    (0 for a point alone in its cluster). Between -1 and 1; higher is better.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)
    distances : ndarray of shape (n_samples, n_samples), optional
        The Euclidean distances of ``x``, when already computed (a sweep
        reuses them for every k).
    """
    from sklearn.metrics import silhouette_score

    if distances is not None:
        return float(silhouette_score(distances, np.asarray(labels), metric="precomputed"))
    return float(silhouette_score(np.asarray(x, dtype=np.float64), np.asarray(labels)))


def gmm_bic(x, k: int, seed: int = 0) -> float:
    """The BIC of a k-component Gaussian mixture (full covariances) fitted to ``x``.

    ``BIC = -2 log L + p log n``, with p the number of free parameters
    (scikit-learn's ``GaussianMixture.bic``). Lower is better.
    """
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    x = np.asarray(x, dtype=np.float64)
    gm = GaussianMixture(n_components=int(k), covariance_type="full", random_state=seed,
                         reg_covar=1e-5, max_iter=100)
    with threadpool_limits(limits=1):  # small data: threads only wait at barriers
        gm.fit(x)
    return float(gm.bic(x))


def stability(x, k: int, *, n_fits: int = STABILITY_FITS, fraction: float = STABILITY_FRACTION,
              seed: int = 0) -> float:
    """Mean ARI between k-means clusterings fitted on random subsamples.

    Each of ``n_fits`` fits sees a random ``fraction`` of the rows (its own seed)
    and then labels every row by its nearest centroid; the result is the mean
    adjusted Rand index over all pairs of these labellings. 1: every fit finds
    the same partition; near 0: the partition is an accident of the sample.
    """
    from sklearn.metrics import adjusted_rand_score

    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    size = max(int(k) + 1, int(round(fraction * len(x))))
    runs = []
    for i in range(int(n_fits)):
        rows = rng.choice(len(x), size=min(size, len(x)), replace=False)
        km = fit_kmeans(x[rows], k, n_init=1, random_state=seed * 1000 + i)
        runs.append(km.predict(x))
    pairs = [adjusted_rand_score(runs[i], runs[j])
             for i in range(len(runs)) for j in range(i + 1, len(runs))]
    return float(np.mean(pairs))


def uniform_reference(x, rng: np.random.Generator) -> np.ndarray:
    """One draw of the gap statistic's PCA-aligned uniform reference for ``x``.

    Tibshirani et al.'s reference (b): centre x, rotate it onto its principal
    axes, draw uniformly in the box the rotated data span, rotate back.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    rotated = (x - mean) @ vt.T
    lo, hi = rotated.min(axis=0), rotated.max(axis=0)
    return rng.uniform(lo, hi, size=rotated.shape) @ vt + mean


@dataclass(frozen=True)
class Gap:
    """The gap statistic for each k in ``ks``.

    Attributes
    ----------
    ks : list of int
    log_w : list of float
        log W_k of the data.
    ref_log_w : list of float
        The mean log W_k over the reference draws, E*[log W_k].
    gap : list of float
        ``Gap(k) = E*[log W_k] - log W_k``.
    s : list of float
        ``s_k = sd_k * sqrt(1 + 1/B)``, sd_k the reference draws' standard deviation.
    """

    ks: list[int]
    log_w: list[float]
    ref_log_w: list[float]
    gap: list[float]
    s: list[float]


def gap_statistic(x, ks, *, n_refs: int = GAP_REFS, seed: int = 0,
                  labels: dict[int, np.ndarray] | None = None) -> Gap:
    """Tibshirani, Walther & Hastie's gap statistic against the PCA-aligned uniform reference.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
    ks : sequence of int
        The numbers of clusters (1 allowed: one cluster, no split).
    n_refs : int, default=GAP_REFS
        B, the reference data sets drawn.
    seed : int, default=0
    labels : dict, optional
        k -> the data's k-means labels, when already computed.

    Returns
    -------
    Gap
    """
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    ks = [int(k) for k in ks]
    labels = labels or {}
    log_w = [np.log(within_dispersion(x, labels[k] if k in labels else
                                      kmeans_labels(x, k, seed))) for k in ks]
    ref = np.empty((int(n_refs), len(ks)))
    for b in range(int(n_refs)):
        xb = uniform_reference(x, rng)
        for j, k in enumerate(ks):
            ref[b, j] = np.log(within_dispersion(xb, kmeans_labels(xb, k, seed + b, n_init=1)))
    mean = ref.mean(axis=0)
    s = ref.std(axis=0) * np.sqrt(1.0 + 1.0 / int(n_refs))
    return Gap(ks=ks, log_w=[float(v) for v in log_w], ref_log_w=[float(v) for v in mean],
               gap=[float(v) for v in mean - np.asarray(log_w)], s=[float(v) for v in s])


# --------------------------------------------------------------------- the sweep
@dataclass
class Sweep:
    """A k sweep's figures and what they suggest.

    Attributes
    ----------
    ks : list of int
        The k tried (2 ... K).
    silhouette, bic, stability : list of float
        Each criterion at each k (silhouette: higher is better; BIC: lower;
        stability: mean ARI, higher).
    gap : Gap
        The gap statistic for k = 1 ... K.
    gap_k : int
        The gap statistic's k (:func:`gap_global_choice`; 1: no more structure
        than the uniform reference).
    suggested_k : int
        The k to use (see :func:`suggest_k`).
    rule : str
        Which reading of the silhouette gave it: ``"peak"`` or ``"knee"``.
    structure : str
        ``"found"`` or ``"none"``.
    n_used, n_total : int
        Rows the sweep ran on (a seeded subsample when fewer than n_total).
    seconds : float
    space : str
        What the rows were (set by the caller, e.g. "the shipped autoencoder's embedding").
    """

    ks: list[int]
    silhouette: list[float]
    bic: list[float]
    stability: list[float]
    gap: Gap
    gap_k: int
    suggested_k: int
    rule: str
    structure: str
    n_used: int
    n_total: int
    seconds: float = 0.0
    space: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain JSON-ready figures."""
        return asdict(self)


def k_range(n_samples: int, k_max: int = K_MAX) -> list[int]:
    """k = 2 ... min(k_max, n - 1): a silhouette needs at least one cluster of two."""
    top = min(int(k_max), int(n_samples) - 1)
    if top < 2:
        raise ValueError(f"A k sweep needs at least 3 samples; received n_samples={n_samples}.")
    return list(range(2, top + 1))


def knee(ks, values) -> int:
    """The knee of a rising curve (Kneedle, Satopää et al. 2011).

    Both axes are scaled to [0, 1]; the knee is the k whose point lies furthest
    above the straight line from the first point to the highest one: where
    a larger k stops buying much more. Only the curve up to its highest point
    counts, so on a curve that peaks and falls it is the peak or a k before it;
    with no point above the chord (a curve rising ever faster) it is the peak.
    """
    ks = np.asarray(list(ks), dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    top = int(np.argmax(y))
    if top == 0:
        return int(ks[0])
    xs, ys = ks[: top + 1], y[: top + 1]
    xn = (xs - xs[0]) / (xs[-1] - xs[0])
    yn = (ys - ys.min()) / (ys.max() - ys.min()) if ys.max() > ys.min() else np.zeros_like(ys)
    above = yn - xn
    if above.max() <= 1e-9:  # no point above the chord: the curve has no knee before its peak
        return int(xs[-1])
    return int(xs[int(np.argmax(above))])


def suggest_k(ks, sil) -> tuple[int, str]:
    """The suggested k and the reading of the silhouette curve that gave it.

    The highest silhouette when the curve peaks clearly: every larger k scores
    at least :data:`PEAK_MARGIN` lower. Otherwise (the curve still rises, or
    keeps a plateau near its top, as a silhouette that rewards ever smaller
    pieces does) the knee of the curve (:func:`knee`): the k after which a
    larger k separates the clusters only a little better.

    Returns
    -------
    k : int
    rule : str
        ``"peak"`` or ``"knee"``.
    """
    ks, sil = list(ks), np.asarray(sil, dtype=np.float64)
    top = int(np.argmax(sil))
    later = sil[top + 1:]
    if later.size and later.max() < sil[top] - PEAK_MARGIN:
        return ks[top], "peak"
    return knee(ks, sil), "knee"


def gap_global_choice(gap: Gap) -> int:
    """The smallest k whose gap is within one standard error of the highest gap.

    Dudoit & Fridlyand's (2002) "global SE max" reading of the gap statistic
    (R's ``cluster::maxSE(method="globalSEmax")``): ``Gap(k) >= Gap(k*) - s_{k*}``
    with k* the k of the highest gap.
    """
    best = int(np.argmax(gap.gap))
    bar = gap.gap[best] - gap.s[best]
    return next(k for k, g in zip(gap.ks, gap.gap) if g >= bar)


def structure_verdict(gap: Gap) -> str:
    """``"none"`` when the data split no better than the reference, else ``"found"``.

    None when :func:`gap_global_choice` is k = 1: no split of the data gains more
    over the PCA-aligned uniform reference than one cluster does, within one
    standard error. (Tibshirani's first-SE rule, the smallest k with
    ``Gap(k) >= Gap(k+1) - s_{k+1}``, also stops at 1 on data whose gap rises
    slowly at k = 2, such as digits' embedding, so the verdict uses the global
    reading.)
    """
    return "none" if gap_global_choice(gap) == 1 else "found"


def subsample(x, max_rows: int = SWEEP_ROWS, seed: int = 0) -> np.ndarray:
    """At most ``max_rows`` rows of ``x``, a seeded draw without replacement, in order."""
    x = np.asarray(x)
    if len(x) <= max_rows:
        return x
    rows = np.sort(np.random.default_rng(seed).choice(len(x), size=int(max_rows), replace=False))
    return x[rows]


def sweep(x, *, k_max: int = K_MAX, seed: int = 0, max_rows: int = SWEEP_ROWS,
          n_refs: int = GAP_REFS, space: str = "") -> Sweep:
    """Run every criterion for k = 2 ... k_max and read the result.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
        The rows to cluster (e.g. an embedding).
    k_max : int, default=K_MAX
    seed : int, default=0
        Seeds the subsample, k-means, the mixtures and the references.
    max_rows : int, default=SWEEP_ROWS
        Larger data are subsampled to this many rows.
    n_refs : int, default=GAP_REFS
    space : str, optional
        What the rows are, kept on the result for the words.

    Returns
    -------
    Sweep
    """
    import time

    t0 = time.perf_counter()
    x_all = np.asarray(x, dtype=np.float64)
    if x_all.ndim != 2:
        raise ValueError(f"A k sweep needs a 2-D array; received shape {x_all.shape}.")
    xs = subsample(x_all, max_rows, seed)
    ks = k_range(len(xs), k_max)
    labels = {k: kmeans_labels(xs, k, seed) for k in ks}
    from sklearn.metrics import pairwise_distances

    dist = pairwise_distances(xs)  # (n, n), at most SWEEP_ROWS² values
    sil = [silhouette(xs, labels[k], distances=dist) if len(np.unique(labels[k])) > 1 else -1.0
           for k in ks]
    del dist
    bic = [gmm_bic(xs, k, seed) for k in ks]
    stab = [stability(xs, k, seed=seed) for k in ks]
    gap = gap_statistic(xs, [1, *ks], n_refs=n_refs, seed=seed, labels=labels)
    k, rule = suggest_k(ks, sil)
    return Sweep(ks=ks, silhouette=sil, bic=bic, stability=stab, gap=gap,
                 gap_k=gap_global_choice(gap), suggested_k=k, rule=rule,
                 structure=structure_verdict(gap),
                 n_used=len(xs), n_total=len(x_all), seconds=time.perf_counter() - t0,
                 space=space)


# --------------------------------------------------------------------- where the sweep runs
def encode(weights, x, depth: int) -> np.ndarray:
    """The encoder half of a Dense autoencoder in NumPy: ReLU layers, a linear last one.

    ``weights`` in Keras' order (kernel, bias per layer), ``depth`` encoder layers.
    """
    h = np.asarray(x, dtype=np.float32)
    for i in range(depth):
        h = h @ weights[2 * i] + weights[2 * i + 1]
        if i < depth - 1:
            h = np.maximum(h, 0.0)
    return h


def sweep_space(x, params, autoencoder: tuple[list, str] | None = None
                ) -> tuple[np.ndarray, str]:
    """The rows a k sweep runs on, and what they are in words.

    The shipped autoencoder's embedding when it fits these data and settings
    (:func:`dec_core.pretrained.find`), else that of ``autoencoder`` when one
    is given, else the data themselves, reduced by PCA to the embedding's
    width when wider (the same width DEC clusters in).

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
    params : mapping or DEC
        Estimator parameters (``dims`` in full).
    autoencoder : (list of ndarray, str), optional
        The weights (Keras' order, :func:`encode`) of an autoencoder already
        pretrained on these data with these settings, e.g. by an earlier
        training job, and what it is in words.
    """
    from . import pretrained

    x = np.asarray(x, dtype=np.float32)
    params = dict(params.get_params() if hasattr(params, "get_params") else params)
    # the settings given, then the data's hash; no TensorFlow (the app's server runs this)
    if pretrained.mismatch(x, params, defaults=False) == []:
        try:
            shipped = pretrained.load(pretrained.DEFAULT_NAME)
        except pretrained.PretrainedFileError:
            shipped = None
        if shipped is not None:
            depth = len(shipped.config["dims"]) - 1
            return encode(shipped.weights, x, depth), "the shipped autoencoder's embedding"
    if autoencoder is not None:
        weights, words = autoencoder
        return encode(weights, x, len(params["dims"]) - 1), words
    width = int(params["dims"][-1])
    if x.shape[1] <= width:
        return x, "the data (no pretrained autoencoder fits them)"
    from sklearn.decomposition import PCA

    z = PCA(n_components=width, random_state=0).fit_transform(subsample(x, 20_000))
    return z, (f"the data's first {width} principal components (no pretrained "
               "autoencoder fits them)")


def choose_k(x, params, *, seed: int = 0, autoencoder: tuple[list, str] | None = None
             ) -> Sweep:
    """The k sweep the app's Data page and ``--n-clusters auto`` both read.

    :func:`sweep_space` then :func:`sweep`, seeded with the training seed, so
    the same data, settings and seed give the same k and verdict in both.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
        The data exactly as ``DEC.fit`` gets it.
    params : mapping or DEC
        Estimator parameters (``dims`` in full; ``n_clusters`` is not read).
    seed : int, default=0
    autoencoder : (list of ndarray, str), optional
        See :func:`sweep_space`.

    Returns
    -------
    Sweep
    """
    z, space = sweep_space(x, params, autoencoder)
    return sweep(z, seed=int(seed), space=space)


# --------------------------------------------------------------------- stability of a result
def best_match_jaccard(labels, others) -> np.ndarray:
    """For each cluster of ``labels``, the Jaccard index of its best match in each other run.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        The reference run's clusters (ids 0 ... k-1).
    others : sequence of array-like of shape (n_samples,)
        Other runs' clusters on the same rows.

    Returns
    -------
    ndarray of shape (n_others, k)
        ``max_c |A ∩ B_c| / |A ∪ B_c|`` for each cluster A and each other run;
        0 for an empty cluster.
    """
    labels = np.asarray(labels).ravel()
    k = int(labels.max()) + 1 if labels.size else 0
    out = np.zeros((len(others), k))
    for r, other in enumerate(others):
        other = np.asarray(other).ravel()
        for a in range(k):
            in_a = labels == a
            if not in_a.any():
                continue
            best = 0.0
            for c in np.unique(other[in_a]):
                in_c = other == c
                best = max(best, (in_a & in_c).sum() / (in_a | in_c).sum())
            out[r, a] = best
        # a cluster of labels with no rows keeps 0
    return out
