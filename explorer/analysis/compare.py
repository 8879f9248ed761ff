"""Method comparison on the same data and the same pretrained embedding (no streamlit).

The Compare page sets five clusterings of one data set side by side (names
and the raw k-means baseline come from :mod:`dec_core.baselines`):

* ``kmeans_raw``: k-means on the raw features
  (:func:`dec_core.baselines.kmeans_raw_labels`);
* ``ae_kmeans``: k-means in the pretrained autoencoder's embedding (DEC's start);
* ``dec``: DEC, self-training with ``L = KL(P || Q)``;
* ``idec``: IDEC (Guo et al., 2017), which keeps the decoder:
  ``L = L_r + gamma * KL(P || Q)`` with ``gamma = 0.1``
  (:func:`companion_config` makes the config of the run that is missing);
* ``n2d``: N2D (McConville et al., 2020), UMAP of the pretrained embedding
  to ``k`` dimensions, then a Gaussian mixture (:func:`n2d`).

:func:`align_to` and :func:`panel_colors` give every method's clusters the one
colour rule of :mod:`explorer.charts.theme`: class ``c`` is ``class_color(c)``, and
each cluster takes the colour of the class it is matched to (Hungarian).
:func:`comparison_table` builds the ACC / NMI / ARI table and
:func:`style_table` highlights the best value per metric.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from dec_core.baselines import NAMES, compile_umap, import_umap, n2d_labels
from dec_core.presets import VARIANTS, apply_variant, method_of, switch_method, variant_of

METHODS: tuple[str, ...] = ("kmeans_raw", "ae_kmeans", "dec", "idec", "n2d")
METRICS: tuple[str, ...] = ("ACC", "NMI", "ARI")
IDEC_GAMMA = 0.1
"""IDEC's coefficient of the clustering loss, the paper's value."""
HIGHLIGHT = "background-color: rgba(255, 75, 75, 0.16); font-weight: 700"


def method_names() -> dict[str, str]:
    """Display names of the methods (:data:`dec_core.baselines.NAMES`) and variant rows."""
    return {**NAMES, **{variant_key(v): VARIANTS[v]["label"] for v in VARIANT_ROWS}}


VARIANT_ROWS: tuple[str, ...] = tuple(v for v in VARIANTS if v != "dec")
"""The accuracy variants (:data:`dec_core.presets.VARIANTS`) with a row of their own;
plain DEC is the ``dec`` row."""


def variant_key(name: str) -> str:
    """The row key of a variant, e.g. ``"variant:dec-da"``."""
    return f"variant:{name}"


def row_key(name: str) -> str:
    """The table row of a variant: ``"dec"`` for plain DEC, else :func:`variant_key`."""
    return "dec" if name == "dec" else variant_key(name)


def variant_config(app: Mapping, name: str) -> dict:
    """The config of the run that fills a variant's row: this run's, with the variant.

    Data, network, pretraining and every other setting are the run's; the
    objective is plain DEC (with its optimiser) and the variant's settings
    replace the run's (see :func:`dec_core.presets.apply_variant`).

    Returns
    -------
    dict
        ``{"data", "model", "train"}``.
    """
    from explorer.session.state import SECTIONS

    config = {k: {**copy.deepcopy(SECTIONS[k]), **copy.deepcopy(dict(app.get(k) or {}))}
              for k in ("data", "model", "train")}
    config["train"] = apply_variant(switch_method(config["train"], "dec"), name)
    return config


def run_variant(app: Mapping) -> str | None:
    """The variant this run is (its own row), or None for IDEC / other settings."""
    train = dict(app.get("train") or {})
    if method_of(train) != "dec":
        return None
    return variant_of(train)


def variant_seconds(timings: Mapping | None) -> float | None:
    """A variant's time: the whole fit, since variants change pretraining (DEC-DA) or repeat it."""
    if not timings:
        return None
    return float(timings.get("total", 0.0))


# --------------------------------------------------------------------------- methods


def n2d(embedding: np.ndarray, k: int, seed: int = 0, max_fit: int = 10_000,
        n_neighbors: int = 20) -> np.ndarray:
    """N2D's labels (UMAP to ``k`` dims + GMM): :func:`dec_core.baselines.n2d_labels`."""
    return n2d_labels(embedding, k, seed, max_fit, n_neighbors)


_UMAP_WARM = False


def warm_up_umap(k: int = 2) -> float:
    """Get UMAP's numba code ready once per process so timings leave it out: 6-13 s
    the first time after an install, about 1 s once numba's cache holds it
    (:func:`dec_core.baselines.import_umap`).

    Runs :func:`dec_core.baselines.compile_umap`; later calls return at once.

    Returns
    -------
    float
        Seconds spent (0.0 when already warm).
    """
    global _UMAP_WARM
    if _UMAP_WARM:
        return 0.0
    t0 = time.perf_counter()
    compile_umap(import_umap(), k)
    _UMAP_WARM = True
    return time.perf_counter() - t0


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    """``(fn(*args, **kwargs), seconds it took)``."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


# ------------------------------------------------------------------------- matching


def align_to(reference: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rename clusters after the reference group each one matches best.

    The clusters of ``labels`` are matched one to one to the groups of
    ``reference`` by the Hungarian algorithm on their overlap counts; a
    matched cluster takes its group's id. Clusters left over (more clusters
    than groups) get new ids after ``max(reference)``, largest cluster first.

    Parameters
    ----------
    reference : ndarray of shape (n,)
        Non-negative integer ids (true classes, or another method's clusters).
    labels : ndarray of shape (n,)
        The cluster ids to rename.

    Returns
    -------
    ndarray of shape (n,), dtype int64

    Examples
    --------
    >>> align_to(np.array([0, 0, 1, 1, 2]), np.array([5, 5, 3, 3, 9])).tolist()
    [0, 0, 1, 1, 2]
    """
    ref = np.asarray(reference).ravel().astype(np.int64)
    lab = np.asarray(labels).ravel()
    if ref.shape != lab.shape:
        raise ValueError(f"reference and labels must have the same length; received "
                         f"{ref.shape[0]} and {lab.shape[0]}.")
    if ref.size and ref.min() < 0:
        raise ValueError("reference ids must be non-negative integers.")
    clusters, inv = np.unique(lab, return_inverse=True)
    groups, ginv = np.unique(ref, return_inverse=True)
    counts = np.zeros((clusters.size, groups.size), dtype=np.int64)
    np.add.at(counts, (inv, ginv), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    new = np.full(clusters.size, -1, dtype=np.int64)
    new[rows] = groups[cols]
    left = [r for r in np.argsort(-counts.sum(axis=1), kind="stable") if new[r] < 0]
    start = int(ref.max()) + 1 if ref.size else 0
    for i, r in enumerate(left):
        new[r] = start + i
    return new[inv]


def panel_colors(results: Mapping[str, np.ndarray], y: np.ndarray | None = None,
                 anchor: str = "dec", n_clusters: int | None = None
                 ) -> tuple[dict[str, dict[int, str]], dict[str, dict[int, int]]]:
    """The colour of every cluster of every method, under the one colour rule.

    With true labels, each method's clusters are matched to the classes
    (Hungarian) and take their class's colour (:func:`explorer.charts.explore.cluster_palette`,
    the rule of the Explore page), and ``"truth"`` colours each class with
    ``theme.class_color``. Without labels, the ``anchor``'s cluster ``j`` is
    ``theme.color(j)`` and every other method's clusters take the colour of
    the anchor cluster they overlap most (:func:`align_to`).

    Parameters
    ----------
    results : mapping of str to ndarray of shape (n,)
        Cluster ids per method; must contain ``anchor``.
    y : ndarray of shape (n,), optional
        True labels (non-negative integers).
    anchor : str, default="dec"
        The method whose cluster ids give the colours when there are no labels.
    n_clusters : int, optional
        Colour the clusters ``0 .. n_clusters - 1`` that hold no point too.

    Returns
    -------
    colors : dict of str to dict of int to str
        ``{method: {cluster: hex colour}}``, plus ``"truth"`` with labels.
    matched : dict of str to dict of int to int
        ``{method: {cluster: class}}`` (empty dicts without labels).
    """
    from explorer.charts.explore import cluster_palette
    from explorer.charts.theme import class_color, cluster_colors, color

    colors: dict[str, dict[int, str]] = {}
    matched: dict[str, dict[int, int]] = {}
    if y is not None:
        y = np.asarray(y).astype(np.int64)
        colors["truth"] = {int(c): class_color(c) for c in np.unique(y)}
        matched["truth"] = {}
        for name, labels in results.items():
            colors[name], matched[name] = cluster_palette(labels, y, n_clusters)
        return colors, matched
    base = np.asarray(results[anchor]).astype(np.int64)
    base_colors = cluster_colors(set(base.tolist()) | set(range(int(n_clusters or 0))))
    for name, labels in results.items():
        labels = np.asarray(labels).astype(np.int64)
        if name == anchor:
            colors[name] = dict(base_colors)
        else:
            pairs = dict(zip(labels.tolist(), align_to(base, labels).tolist()))
            colors[name] = {int(c): color(a) for c, a in pairs.items()}
        matched[name] = {}
    return colors, matched


# ---------------------------------------------------------------------------- table


def comparison_table(y: np.ndarray | None, results: Mapping[str, np.ndarray | None],
                     times: Mapping[str, float | None] | None = None, *,
                     names: Mapping[str, str] | None = None,
                     reference: np.ndarray | None = None,
                     status: Mapping[str, str] | None = None,
                     saved: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """ACC / NMI / ARI (and time) of each method, one row per method.

    Parameters
    ----------
    y : ndarray of shape (n,) or None
        True labels. Without them, ``reference`` (e.g. DEC's clusters) is
        scored against instead and the columns are named ``NMI vs ref`` /
        ``ARI vs ref`` (no ACC).
    results : mapping of str to ndarray or None
        Cluster ids per method key (see :data:`METHODS`); None for a method
        not computed yet (its row is kept, with NaN scores).
    times : mapping of str to float, optional
        Seconds per method (NaN when missing).
    names : mapping of str to str, optional
        Row names per key (default :func:`method_names`).
    reference : ndarray of shape (n,), optional
        Scored against when ``y`` is None.
    status : mapping of str to str, optional
        A note per method (e.g. "press Compute"), in a ``Status`` column.
    saved : mapping of str to mapping, optional
        Scores the run saved (``extra["baselines"]``: ``{"acc", "nmi", "ari"}``)
        for a method whose labels are not here: its row shows them, so a page
        shows the figure the Explore page shows, from the same source.

    Returns
    -------
    pandas.DataFrame
        Index ``method`` (display names); columns ``ACC``, ``NMI``, ``ARI``
        (or the ``vs ref`` pair), ``Clusters``, ``Time (s)`` and ``Status``.
    """
    from dec_core.metrics import ari as ari_score
    from dec_core.metrics import cluster_acc, nmi

    names = dict(names or method_names())
    times = dict(times or {})
    status = dict(status or {})
    truth = y if y is not None else reference
    cols = list(METRICS) if y is not None else ["NMI vs ref", "ARI vs ref"]
    rows = {}
    for key, labels in results.items():
        row = {c: float("nan") for c in cols}
        row["Clusters"] = pd.NA
        if labels is not None:
            labels = np.asarray(labels)
            row["Clusters"] = int(np.unique(labels).size)
            if truth is not None:
                if y is not None:
                    row["ACC"] = cluster_acc(truth, labels)
                    row["NMI"], row["ARI"] = nmi(truth, labels), ari_score(truth, labels)
                else:
                    row["NMI vs ref"] = nmi(truth, labels)
                    row["ARI vs ref"] = ari_score(truth, labels)
        elif y is not None and (saved or {}).get(key):
            row.update({c: float(saved[key][c.lower()]) for c in METRICS})
        t = times.get(key)
        row["Time (s)"] = float("nan") if t is None else float(t)
        row["Status"] = status.get(key, "done" if labels is not None else "")
        rows[names.get(key, key)] = row
    df = pd.DataFrame.from_dict(rows, orient="index",
                                columns=[*cols, "Clusters", "Time (s)", "Status"])
    df["Clusters"] = df["Clusters"].astype("Int64")
    df.index.name = "method"
    return df


def table_notes(table: pd.DataFrame, k: int, *, restarts: Mapping[str, list] | None = None
                ) -> list[str]:
    """What a class asks about the scores table, answered from its own numbers.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`comparison_table`.
    k : int
        The clusters every method was asked for.
    restarts : mapping of str to list of dict, optional
        Per row name, a restarts run's ``history["restarts"]`` (each restart's
        ``kl`` and ``acc``, and ``chosen``).

    Returns
    -------
    list of str
        One sentence per row that uses fewer than ``k`` clusters (some ended
        empty), and one per restarts row whose kept fit is not its most accurate.
    """
    notes = []
    for name, row in table.iterrows():
        used = row["Clusters"]
        if pd.notna(used) and int(used) < k:
            empty = k - int(used)
            notes.append(
                f"{name} uses {int(used)} of the k = {k} clusters: {empty} ended empty (no "
                f"point has its highest q there), so its ACC counts at most {int(used)} "
                "classes." if "ACC" in table.columns else
                f"{name} uses {int(used)} of the k = {k} clusters: {empty} ended empty.")
    for name, rows in (restarts or {}).items():
        done = [r for r in rows if r.get("acc") is not None and r.get("kl") is not None]
        kept = [r for r in done if r.get("chosen")]
        if not kept or len(done) < 2:
            continue
        best = max(done, key=lambda r: r["acc"])
        if best["acc"] <= kept[0]["acc"]:
            continue
        each = ", ".join(f"KL {r['kl']:.3f} → ACC {r['acc']:.3f}" for r in done)
        notes.append(
            f"{name}: its {len(done)} fits ended at {each}. The lowest final KL(P‖Q) was kept, "
            "chosen without the labels, and here the lowest KL is not the highest ACC "
            f"({kept[0]['acc']:.3f} kept, {best['acc']:.3f} possible).")
    return notes


def score_columns(df: pd.DataFrame) -> list[str]:
    """The score columns of a :func:`comparison_table` (higher is better)."""
    return [c for c in df.columns if c in METRICS or c.endswith("vs ref")]


def best_rows(df: pd.DataFrame) -> dict[str, list[str]]:
    """Per score column, the method(s) with the highest value (ties all count)."""
    out = {}
    for c in score_columns(df):
        col = pd.to_numeric(df[c], errors="coerce")
        if col.notna().any():
            out[c] = [str(i) for i in col.index[np.isclose(col, col.max(), equal_nan=False)]]
    return out


def style_table(df: pd.DataFrame, props: str = HIGHLIGHT):
    """A pandas ``Styler``: scores to 3 decimals, the best per metric highlighted."""
    scores = score_columns(df)

    def _best(col: pd.Series) -> list[str]:
        vals = pd.to_numeric(col, errors="coerce")
        if not vals.notna().any():
            return [""] * len(col)
        return [props if (pd.notna(v) and np.isclose(v, vals.max())) else "" for v in vals]

    return (df.style.apply(_best, subset=scores)
            .format("{:.3f}", subset=scores, na_rep="—")
            .format("{:.1f}", subset=["Time (s)"], na_rep="—"))


# ------------------------------------------------------------------ data and runs


def companion_config(app: Mapping, gamma: float = IDEC_GAMMA) -> tuple[dict, str, float]:
    """The config of the run that completes DEC vs IDEC, and which one it is.

    Parameters
    ----------
    app : mapping
        ``run.config["extra"]["app"]``: ``{"data", "model", "train", ...}``;
        missing settings take the app's defaults.
    gamma : float, default=0.1
        IDEC's coefficient of the clustering loss when the run is plain DEC
        (the paper's value).

    Returns
    -------
    config : dict
        ``{"data", "model", "train"}`` with ``train["method"]`` (and, for an
        IDEC companion, ``train["gamma"]``) changed.
    method : {"idec", "dec"}
        ``"idec"`` when the run is DEC; ``"dec"`` when the run is IDEC
        (see :func:`method_of`).
    run_gamma : float
        The run's own ``gamma`` (meaningful for IDEC runs only).
    """
    from explorer.session.state import SECTIONS

    # the run's method from its own settings, before the defaults fill the gaps (an old
    # run has no "method", and the default one would hide its gamma > 0)
    method = method_of(app.get("train"))
    config = {k: {**copy.deepcopy(SECTIONS[k]), **copy.deepcopy(dict(app.get(k) or {}))}
              for k in ("data", "model", "train")}
    train = config["train"]
    run_gamma = float(train.get("gamma") or 0.0)
    # the companion's clustering optimiser follows its method (presets.METHOD_OPTIMIZER)
    if method == "idec":
        config["train"] = switch_method(train, "dec")
        config["train"]["gamma"] = run_gamma if run_gamma > 0 else float(gamma)
        return config, "dec", run_gamma
    config["train"] = switch_method(train, "idec")
    config["train"]["gamma"] = float(gamma)
    return config, "idec", run_gamma


def _floats(obj):
    """Numbers as floats (``0`` and ``0.0`` compare equal), recursively."""
    if isinstance(obj, Mapping):
        return {str(k): _floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_floats(v) for v in obj]
    if isinstance(obj, (int, float, np.integer, np.floating)) and not isinstance(obj, bool):
        return float(obj)
    return obj


def _normal(obj) -> str:
    return json.dumps(_floats(obj), sort_keys=True, default=str)


def find_run(root: str | os.PathLike, config: Mapping, n_samples: int | None = None,
             exclude: str | os.PathLike | None = None) -> Path | None:
    """The newest complete run under ``root`` trained with exactly ``config``.

    Parameters
    ----------
    root : path-like
        A folder of run folders (one owner's).
    config : mapping
        ``{"data", "model", "train"}`` as submitted to the job manager.
    n_samples : int, optional
        Also require this many samples.
    exclude : path-like, optional
        A run folder to skip (the run being compared).

    Returns
    -------
    Path or None
    """
    from dec_core.runs import MANIFEST, check_run

    root = Path(root)
    if not root.is_dir():
        return None
    want = {k: _normal(config[k]) for k in ("data", "model", "train")}
    found: list[tuple[float, Path]] = []
    for p in root.iterdir():
        if not p.is_dir() or p.name.startswith(".") or (exclude and p == Path(exclude)):
            continue
        try:
            cfg = json.loads((p / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        app = (cfg.get("extra") or {}).get("app") or {}
        if any(_normal(app.get(k)) != want[k] for k in want):
            continue
        if n_samples is not None and int(cfg.get("n_samples", -1)) != int(n_samples):
            continue
        if check_run(p):
            continue
        found.append(((p / MANIFEST).stat().st_mtime, p))
    return max(found)[1] if found else None


def run_features(run, upload: Mapping | None = None) -> np.ndarray:
    """The data the run was trained on, as float32 (n, d).

    Uses, in order: the saved table ``arrays["x"]`` (exact); the data set
    reloaded from ``extra["app"]["data"]`` with :func:`explorer.data.load`
    (exact, when it has the run's number of rows); the saved images
    ``arrays["x_images"] / 255`` (to 1/510).

    Raises
    ------
    ValueError
        When none of them is available.
    """
    n = int(np.asarray(run.labels).shape[0])
    if run.arrays.get("x") is not None:
        return np.asarray(run.arrays["x"], dtype=np.float32)
    spec = ((run.config.get("extra") or {}).get("app") or {}).get("data")
    if spec:
        try:
            from explorer.data import load
            from explorer.session.state import DATA_DEFAULTS

            ds = load({**DATA_DEFAULTS, **spec}, dict(upload) if upload else None)
            if ds.x.shape[0] == n:
                return np.asarray(ds.x, dtype=np.float32)
        except (ValueError, OSError, KeyError, TypeError):
            pass
    if run.arrays.get("x_images") is not None:
        imgs = np.asarray(run.arrays["x_images"])
        return (imgs.reshape(imgs.shape[0], -1).astype(np.float32) / 255.0)
    raise ValueError("The run was saved without its data (too large to keep), and the data "
                     "set cannot be reloaded: k-means on raw data needs it.")


def pretrained_embedding(run) -> tuple[np.ndarray, bool]:
    """``(embedding, is_pretrained)``: the autoencoder's embedding before DEC.

    Runs saved before the job kept it fall back to the final DEC embedding
    (``is_pretrained`` False).
    """
    z = run.arrays.get("ae_embedding")
    if z is not None:
        return np.asarray(z, dtype=np.float32), True
    return np.asarray(run.embedding, dtype=np.float32), False


def step_seconds(timings: Mapping | None, method: str) -> float | None:
    """Seconds of a method's own step from a run's ``timings``.

    ``ae_kmeans`` is the k-means step; ``dec`` / ``idec`` are k-means plus the
    self-training (the shared pretraining is not counted).
    """
    if not timings:
        return None
    if method == "ae_kmeans":
        return float(timings.get("kmeans", 0.0))
    return float(timings.get("kmeans", 0.0)) + float(timings.get("dec", 0.0))


def light_run(path: str | os.PathLike):
    """A run folder's arrays and settings, without loading its Keras model.

    Raises ValueError for an incomplete run; see :func:`dec_core.runs.load_run`.
    """
    from dec_core.runs import load_run

    return load_run(path, with_model=False)
