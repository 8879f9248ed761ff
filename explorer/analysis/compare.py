"""Compare's rows: five clusterings of one data set, and the DEC variants (no streamlit).

The Compare page sets five clusterings side by side (names and the raw
k-means baseline come from :mod:`dec_core.baselines`):

* ``kmeans_raw``: k-means on the raw features
  (:func:`dec_core.baselines.kmeans_raw_labels`);
* ``ae_kmeans``: k-means in the pretrained autoencoder's embedding (DEC's start);
* ``dec``: DEC, self-training with ``L = KL(P || Q)``;
* ``idec``: IDEC (Guo et al., 2017), which keeps the decoder:
  ``L = L_r + gamma * KL(P || Q)`` with :data:`dec_core.presets.IDEC_GAMMA`
  (:func:`companion_config` makes the config of the run that is missing);
* ``n2d``: N2D (McConville et al., 2020), UMAP of the pretrained embedding
  to ``k`` dimensions, then a Gaussian mixture
  (:func:`dec_core.baselines.n2d_labels`);

then one row per DEC variant (:data:`dec_core.presets.VARIANTS`).
:func:`subject` reads the compared run once, :func:`trained` says which run
fills a trained row, and :func:`compare_rows` builds every row, loading each
trained run through one loader (:func:`_fill_trained`), and the table
(:func:`comparison_table`). :func:`align_to` matches clusters to a reference,
for the panels' colours (:mod:`explorer.charts.compare`).
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from dec_core.augment import is_square_image
from dec_core.baselines import NAMES, compile_umap, import_umap, kmeans_raw_labels, n2d_labels
from dec_core.presets import (
    IDEC_GAMMA,
    VARIANTS,
    apply_variant,
    method_of,
    switch_method,
    variant_of,
)
from explorer.session.state import DATA_DEFAULTS, SECTIONS

METHODS: tuple[str, ...] = ("kmeans_raw", "ae_kmeans", "dec", "idec", "n2d")
METRICS: tuple[str, ...] = ("ACC", "NMI", "ARI")
COMPUTED: tuple[str, ...] = ("kmeans_raw", "n2d")
"""The rows "Compute k-means and N2D" fills, in background tasks."""


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


def with_defaults(app: Mapping) -> dict:
    """A run's ``{"data", "model", "train"}`` settings (copies), the app's defaults filling
    what it did not save."""
    return {k: {**copy.deepcopy(SECTIONS[k]), **copy.deepcopy(dict(app.get(k) or {}))}
            for k in ("data", "model", "train")}


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
    config = with_defaults(app)
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


def kmeans_raw_task(run, k: int, seed: int, upload: Mapping | None
                    ) -> tuple[np.ndarray, float]:
    """k-means on the run's raw data and its seconds (a background task)."""
    return timed(kmeans_raw_labels, run_features(run, upload), k, seed)


def n2d_task(z: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, float]:
    """N2D's labels on the embedding ``z`` (n, d) and its seconds (a background task).

    numba compiles UMAP once per server first, outside N2D's time.
    """
    warm_up_umap(k)
    return timed(n2d_labels, z, k, seed)


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



# ------------------------------------------------------------------ data and runs


def companion_config(app: Mapping, gamma: float = IDEC_GAMMA) -> tuple[dict, str, float]:
    """The config of the run that completes DEC vs IDEC, and which one it is.

    Parameters
    ----------
    app : mapping
        ``run.config["extra"]["app"]``: ``{"data", "model", "train", ...}``;
        missing settings take the app's defaults.
    gamma : float, default=IDEC_GAMMA
        IDEC's coefficient of the clustering loss when the run is plain DEC
        (the paper's value, :data:`dec_core.presets.IDEC_GAMMA`).

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
    # the run's method from its own settings, before the defaults fill the gaps (an old
    # run has no "method", and the default one would hide its gamma > 0)
    method = method_of(app.get("train"))
    config = with_defaults(app)
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
    from dec_core.runs import MANIFEST, check_run, read_config

    root = Path(root)
    if not root.is_dir():
        return None
    want = {k: _normal(config[k]) for k in ("data", "model", "train")}
    found: list[tuple[float, Path]] = []
    for p in root.iterdir():
        if not p.is_dir() or p.name.startswith(".") or (exclude and p == Path(exclude)):
            continue
        try:
            cfg = read_config(p)
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


def row_seconds(key: str, timings: Mapping | None) -> float | None:
    """A row's time from its run's ``timings``: a variant's whole fit, else the method's step."""
    if key.startswith("variant:"):
        return variant_seconds(timings)
    return step_seconds(timings, key)


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


# ------------------------------------------------------------------- the page's rows


@dataclass(frozen=True)
class Subject:
    """The run the Compare page compares, read once.

    Attributes
    ----------
    path : str
        Its run folder.
    run : dec_core.runs.Run
        Loaded without its Keras model.
    labels : ndarray of shape (n,), dtype int64
        Its clusters.
    k : int
        The clusters every method is asked for.
    y_true : ndarray of shape (n,) or None
    embedding : ndarray of shape (n, d)
        The pretrained embedding, or the final one when the run lacks it.
    pretrained : bool
        Whether ``embedding`` is the pretrained one.
    app : dict
        The app's settings of the run (``extra["app"]``).
    companion : dict
        The config of the run that completes DEC vs IDEC (:func:`companion_config`).
    companion_key : {"idec", "dec"}
    run_gamma : float
        The run's own IDEC ``gamma``.
    run_key : str
        This run's row: ``"dec"``, ``"idec"`` or a variant's key.
    own_variant : str or None
        The variant this run is (:func:`run_variant`).
    """

    path: str
    run: object
    labels: np.ndarray
    k: int
    y_true: np.ndarray | None
    embedding: np.ndarray
    pretrained: bool
    app: dict
    companion: dict
    companion_key: str
    run_gamma: float
    run_key: str
    own_variant: str | None

    @property
    def n(self) -> int:
        """The number of samples."""
        return int(self.labels.shape[0])

    @property
    def name(self) -> str:
        """The run's name: the one the app gave it, else its folder's."""
        return self.app.get("name") or Path(self.path).name

    @property
    def extra(self) -> dict:
        """The run's ``config["extra"]``."""
        return self.run.config.get("extra") or {}


def subject(run, path: str) -> Subject:
    """The :class:`Subject` of the run saved at ``path``."""
    extra = run.config.get("extra") or {}
    app = dict(extra.get("app") or {})
    labels = np.asarray(run.labels, dtype=np.int64)
    k = int(run.config.get("params", {}).get("n_clusters") or np.unique(labels).size)
    z, pretrained = pretrained_embedding(run)
    companion, companion_key, run_gamma = companion_config(app)
    own = run_variant(app)
    if own in VARIANT_ROWS:  # a variant run has its own row; DEC is trained like a variant
        run_key = variant_key(own)
    else:
        run_key = "idec" if companion_key == "dec" else "dec"
    return Subject(path=str(path), run=run, labels=labels, k=k,
                   y_true=None if run.y_true is None else np.asarray(run.y_true),
                   embedding=z, pretrained=pretrained, app=app, companion=companion,
                   companion_key=companion_key, run_gamma=run_gamma, run_key=run_key,
                   own_variant=own)


def shown_variants(sub: Subject) -> list[str]:
    """The variants with a row for this run: DEC-DA only on square images; plain DEC
    first when the run is itself a variant."""
    square = is_square_image(int(sub.run.config.get("n_features_in") or 0))
    variants = [v for v in VARIANT_ROWS if square or not VARIANTS[v]["settings"].get("augment")]
    if sub.own_variant in VARIANT_ROWS:
        variants.insert(0, "dec")
    return variants


@dataclass(frozen=True)
class Trained:
    """A row that a trained run fills: the DEC / IDEC companion, or a variant.

    Attributes
    ----------
    key : str
        The row (:data:`METHODS` or a variant's key).
    path : str or None
        The run that fills it, once there is one.
    active : bool
        Its job is queued or training.
    button : str
        The button that trains it, named in the Status column until then.
    """

    key: str
    path: str | None
    active: bool
    button: str


def trained(key: str, job, find: Callable[[], Path | None], button: str,
            own_path: str | None = None) -> Trained:
    """Which run fills row ``key``: ``own_path``, the job's run, or one trained earlier.

    Parameters
    ----------
    key : str
    job : explorer.jobs.Job or None
        The job this session started for the row.
    find : callable
        Finds a run trained earlier with the row's config (another session,
        before a refresh): called only when this session started no job.
    button : str
        The label of the button that trains the row.
    own_path : str, optional
        The compared run's folder, when it is the row's run.
    """
    active = job is not None and job.active
    path = own_path
    if path is None and job is not None and job.state in ("done", "stopped") and job.run_path:
        path = job.run_path
    elif path is None and job is None:
        found = find()
        path = str(found) if found else None
    return Trained(key, path, active, button)


@dataclass
class Rows:
    """Every row of the scores table, and what the notes and panels need.

    Attributes
    ----------
    results : dict of str to ndarray or None
        Cluster ids per row key (None until computed or trained), in table order.
    times : dict of str to float or None
    status : dict of str to str
    saved : dict of str to dict
        Scores the run saved for a row whose labels are not here.
    restarts : dict of str to list
        Per row name, a restarts run's fits (``kl``, ``acc``, ``chosen``).
    errors : list of str
        Why a run could not be opened or a computation failed.
    table : pandas.DataFrame
        :func:`comparison_table` of the rows.
    """

    results: dict = field(default_factory=lambda: dict.fromkeys(METHODS))
    times: dict = field(default_factory=lambda: dict.fromkeys(METHODS))
    status: dict = field(default_factory=dict)
    saved: dict = field(default_factory=dict)
    restarts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    table: pd.DataFrame | None = None


def compare_rows(sub: Subject, companion: Trained, variants: Sequence[Trained],
                 computed: Mapping[str, Future] | None, seed: int,
                 load: Callable[[str], object]) -> Rows:
    """The rows of the Compare page, from the run, the trained runs and the computed tasks.

    Parameters
    ----------
    sub : Subject
    companion : Trained
        The DEC / IDEC row.
    variants : sequence of Trained
        The variant rows, in table order.
    computed : mapping of str to Future, optional
        ``kmeans_raw`` and ``n2d`` (``(labels, seconds)`` each) once Compute
        was pressed; None before.
    seed : int
        Compute's seed: the run's saved raw k-means stands in for its row
        while Compute has not run with the run's own seed.
    load : callable
        ``load(path)``: a run folder's run (the page's cached loader).

    Returns
    -------
    Rows
    """
    names = method_names()
    rows = Rows()
    timings = sub.run.history.get("timings") or {}
    kmeans = sub.run.kmeans_labels
    rows.results["ae_kmeans"] = None if kmeans is None else np.asarray(kmeans)
    rows.times["ae_kmeans"] = step_seconds(timings, "ae_kmeans")
    rows.results[sub.run_key] = sub.labels
    rows.times[sub.run_key] = row_seconds(sub.run_key, timings)
    _fill_trained(rows, companion, sub, load, names)
    _fill_computed(rows, computed, names)
    _fill_saved(rows, sub, seed)
    for row in variants:
        rows.results[row.key] = rows.times[row.key] = None
        _fill_trained(rows, row, sub, load, names)
    rows.table = comparison_table(sub.y_true, rows.results, rows.times, names=names,
                                  reference=sub.labels if sub.y_true is None else None,
                                  status=rows.status, saved=rows.saved)
    return rows


def _fill_trained(rows: Rows, row: Trained, sub: Subject, load: Callable[[str], object],
                  names: Mapping[str, str]) -> None:
    """The one run loader: row ``row.key`` from its run, or the status saying why not."""
    if row.path is None:
        rows.status[row.key] = "training…" if row.active else f"press “{row.button}”"
        return
    try:
        other = sub.run if row.path == sub.path else load(row.path)
        if other.labels.shape[0] != sub.n:
            rows.status[row.key] = "different data size"
            return
        rows.results[row.key] = np.asarray(other.labels)
        rows.times[row.key] = row_seconds(row.key, other.history.get("timings"))
        variant = "dec" if row.key == "dec" else row.key.removeprefix("variant:")
        if VARIANTS.get(variant, {}).get("settings", {}).get("restart_criterion") == "kl":
            fits = (other.history.get("history") or {}).get("restarts") or []
            rows.restarts[names[row.key]] = fits
    except (ValueError, OSError) as err:
        rows.status[row.key] = "unreadable run"
        rows.errors.append(f"The {names[row.key]} run cannot be opened: {err}")


def _fill_computed(rows: Rows, computed: Mapping[str, Future] | None,
                   names: Mapping[str, str]) -> None:
    """The rows of "Compute k-means and N2D": results, "computing…" or the failure."""
    if computed is None:
        for key in COMPUTED:
            rows.status[key] = "press Compute"
        return
    for key in COMPUTED:
        fut = computed[key]
        if not fut.done():
            rows.status[key] = "computing…"
        elif fut.exception() is not None:
            rows.status[key] = "no data" if key == "kmeans_raw" else "failed"
            rows.errors.append(f"{names[key]}: {fut.exception()}")
        else:
            rows.results[key], rows.times[key] = fut.result()


def _fill_saved(rows: Rows, sub: Subject, seed: int) -> None:
    """The run's own raw k-means (the worker's, as Explore shows it) until Compute runs
    it with the run's seed: one figure, one source."""
    raw = (sub.extra.get("baselines") or {}).get("kmeans_raw")
    run_seed = int(sub.run.config.get("params", {}).get("random_state") or 0)
    if rows.results["kmeans_raw"] is None and raw and seed == run_seed:
        rows.saved["kmeans_raw"] = raw
        rows.status["kmeans_raw"] = "saved with the run (Compute draws it)"
