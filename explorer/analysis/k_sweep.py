"""The k sweep in the app: its key, its figures and its words (no streamlit here).

The numbers come from :func:`dec_core.selection.choose_k`, the same call
``python -m dec_core run --n-clusters auto`` makes, so the app and the CLI
agree on the same data, settings and seed. The Data page runs it (in a
background thread, :mod:`explorer.session.background`) and keeps the result in the
session under :data:`STATE_KEY`; Train and Explore read it back with
:func:`current` to say where k comes from and whether the data hold any
cluster structure at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping

import plotly.graph_objects as go

from dec_core.cost import human_seconds, sweep_seconds
from dec_core.pretrained import pretrain_settings
from explorer.charts.theme import ACCENT, DARK_GREY, NEUTRAL, color, layout

STATE_KEY = "k_sweep"
"""Session-state key of the last sweep: ``{"key": str, "result": dict}``."""

NO_STRUCTURE = "no more structure than noise"
"""The verdict's words when the sweep finds none (every page says it the same way)."""


CACHED_SPACE = ("the embedding of the autoencoder a training job already pretrained on "
                "these data with these settings")
"""Where the sweep ran when the job cache held an autoencoder for these data and settings."""


def sweep_key(data: Mapping, upload_digest: str | None, params: Mapping,
              autoencoder: str | None = None) -> str:
    """What a sweep's result depends on: the data spec, the upload, the pretraining settings,
    and the cached autoencoder it runs in (:func:`cached_autoencoder`; None: none).

    ``n_clusters`` and the DEC settings are left out: choosing k (or changing
    tol) does not change the sweep. The seed (``random_state``) is in.
    """
    payload = {"data": {k: data[k] for k in sorted(data)}, "upload": upload_digest,
               "pretrain": pretrain_settings(dict(params), defaults=False)}
    if autoencoder is not None:
        payload["autoencoder"] = autoencoder
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def session_params(state: Mapping, ds) -> dict:
    """The estimator parameters of the session's settings for data set ``ds``."""
    from explorer.session.state import dec_params

    return dec_params(state["model"], state["train"], ds.n_features, ds.n_classes)


def cached_autoencoder(config: Mapping, owner: str | None, upload: Mapping | None
                       ) -> str | None:
    """The job cache's key of an autoencoder pretrained for these data and settings, or None.

    The key a training job with this ``config`` (the app's data, model and train
    sections) would save its pretrained autoencoder under
    (:meth:`explorer.jobs.cache.AutoencoderCache.key`), when that file exists.
    An upload's autoencoders belong to its owner: none without one.
    """
    from explorer.jobs import manager
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir

    if upload is not None and not owner:
        return None
    try:
        key = AutoencoderCache.key({k: dict(config[k]) for k in ("data", "model", "train")},
                                   owner_dir(owner or ""), upload)
    except (KeyError, TypeError):  # settings saved with fewer keys than these
        return None
    return key if manager().autoencoders.path(key).is_file() else None


def session_key(state: Mapping, ds, *, cached: bool = True) -> str:
    """:func:`sweep_key` of the session's data, upload, settings and cached autoencoder
    (``cached=False``: the key of the sweep in the data's own space, as before one existed)."""
    from explorer.data import upload_digest

    data = state["data"]
    upload = state.get("upload") if data["name"] == "file" else None
    return sweep_key(data, upload_digest(upload["bytes"]) if upload else None,
                     session_params(state, ds),
                     cached_autoencoder(state, state.get("owner"), upload) if cached else None)


def run_key(app_config: Mapping, upload: Mapping | None, n_features: int,
            owner: str | None = None, *, cached: bool = True) -> str | None:
    """:func:`sweep_key` of the data and settings a saved run was trained with.

    ``app_config`` is the run's ``extra["app"]`` (its data, model and train
    sections); ``upload`` the session's file, needed when the run clustered one
    (None then gives None: the file is not here to compare); ``owner`` the
    session's, whose cached autoencoders an upload's sweep runs in; ``cached``
    as in :func:`session_key`.
    """
    from explorer.data import upload_digest
    from explorer.session.state import dec_params

    if not app_config or not all(k in app_config for k in ("data", "model", "train")):
        return None
    data = app_config["data"]
    if data.get("name") == "file" and not upload:
        return None
    try:
        params = dec_params(app_config["model"], app_config["train"], int(n_features), None)
    except (KeyError, TypeError, ValueError):  # a run saved with fewer settings than these
        return None
    mine = upload if data.get("name") == "file" else None
    return sweep_key(data, upload_digest(upload["bytes"]) if mine else None, params,
                     cached_autoencoder(app_config, owner, mine) if cached else None)


def compute(x, params: Mapping, seed: int, autoencoder: str | None = None) -> dict:
    """Run the sweep (:func:`dec_core.selection.choose_k`); its figures as a plain dict.

    ``autoencoder`` is :func:`cached_autoencoder`'s key: the sweep runs in that
    autoencoder's embedding unless the shipped one fits (it comes first). When
    it runs in neither, the result also holds ``pretrain_seconds``, what
    pretraining an autoencoder for these data would cost
    (:func:`dec_core.cost.estimate`), for :func:`space_text`.
    Runs in a background thread: no streamlit, no TensorFlow.
    """
    import numpy as np

    from dec_core.cost import estimate
    from dec_core.selection import choose_k
    from explorer.jobs import manager

    given = None
    if autoencoder is not None:
        cache = manager().autoencoders
        pinned = cache.pin(autoencoder)  # no eviction deletes it while it is read
        if pinned is not None:
            try:
                with np.load(pinned["path"], allow_pickle=False) as npz:
                    given = ([npz[f"arr_{i}"] for i in range(len(npz.files))], CACHED_SPACE)
            except (OSError, ValueError):  # gone or cut short: the data's own space
                given = None
            finally:
                cache.unpin(pinned["path"])
    result = choose_k(x, dict(params), seed=int(seed), autoencoder=given).as_dict()
    if result["space"].startswith("the data"):  # neither the shipped nor a cached one
        result["pretrain_seconds"] = estimate(len(x), dict(params)).pretrain_seconds
    return result


def run_sweeps_by_itself(app_config: Mapping, has_labels: bool) -> bool:
    """Whether Explore sweeps a saved run's data when the session has no sweep of them.

    As on the Data page (:func:`runs_by_itself`): for an uploaded file, and for
    any run without labels (a CLI run on a user's own data).
    """
    return (app_config or {}).get("data", {}).get("name") == "file" or not has_labels


def compute_run(arrays: Mapping, params: Mapping) -> dict | None:
    """The sweep on a saved run's own arrays, for Explore when the session has none.

    On the run's data (``arrays["x"]``, saved for tables) it is the very sweep
    the Data page runs (:func:`compute`, the run's settings and seed), so both
    pages give the same verdict. A run saved without them (images, or too many
    values) is swept in its pretrained embedding (``arrays["ae_embedding"]``,
    the autoencoder's before DEC moved it). None when the run kept neither.
    Runs in a background thread: no streamlit, no TensorFlow.
    """
    from dec_core.selection import sweep

    seed = int(params.get("random_state") or 0)
    if arrays.get("x") is not None:
        return compute(arrays["x"], params, seed)
    if arrays.get("ae_embedding") is not None:
        return sweep(arrays["ae_embedding"], seed=seed,
                     space="this run's pretrained embedding (before DEC)").as_dict()
    return None


def current(state: Mapping, key: str) -> dict | None:
    """The session's sweep result for ``key``, or None when none was run on these data."""
    found = state.get(STATE_KEY)
    return found["result"] if found and found.get("key") == key else None


def runs_by_itself(data: Mapping) -> bool:
    """Whether the sweep starts when the data load, without a click.

    For an uploaded file, whose structure nobody knows: its verdict must not
    wait for a button. A built-in set's answer is known (the README's table),
    so there the Data page offers the sweep as a button.
    """
    return data.get("name") == "file"


def task_key(key: str) -> tuple[str, str]:
    """The background task (:func:`explorer.session.background.tasks`) of the sweep with ``key``."""
    return ("k_sweep", key)


def resolve(state: MutableMapping, ds, *, start: bool | None = None
            ) -> tuple[dict | None, tuple[str, str], BaseException | None]:
    """The session's sweep on ``ds``: its result, its background task, its error.

    Reads the session (:data:`STATE_KEY`), else the background task, whose
    finished result it stores in the session; starts the task when ``start``
    (default: :func:`runs_by_itself`, or when the session holds a sweep of these
    data in their own space and a training job has since cached an autoencoder
    for them: the sweep re-runs in its embedding by itself). Train and Explore call it too, so a
    sweep started on the Data page reaches them even when it ends elsewhere.

    Returns
    -------
    result : dict or None
        None while it runs (but the session's sweep of these data in their own
        space, while one in a newly cached autoencoder runs), before it
        starts, or when it failed.
    task : tuple
        Its key in :func:`explorer.session.background.tasks` (for ``poll``).
    error : BaseException or None
        Why it failed (the failed task is kept, so no page retries it by itself).
    """
    from explorer.session.background import tasks

    key = session_key(state, ds)
    task = task_key(key)
    result = current(state, key)
    if result is not None:
        return result, task, None
    fut = tasks().get(task)
    if start is None:  # also when a sweep of these data ran before a job cached an autoencoder
        start = (runs_by_itself(state["data"])
                 or current(state, session_key(state, ds, cached=False)) is not None)
    if fut is None and start:
        upload = state.get("upload") if state["data"]["name"] == "file" else None
        fut = tasks().submit(task, compute, ds.x, session_params(state, ds),
                             int(state["train"]["seed"]),
                             cached_autoencoder(state, state.get("owner"), upload))
    if fut is None or not fut.done():
        # a training job has just cached an autoencoder for these data: until the sweep in
        # its embedding ends, the one before it (the data's own space) still answers
        older = current(state, session_key(state, ds, cached=False)) if fut else None
        return older, task, None
    if fut.exception() is not None:
        return None, task, fut.exception()
    result = fut.result()
    state[STATE_KEY] = {"key": key, "result": result}
    return result, task, None


def pretrain_offer(sw: dict) -> str | None:
    """The label of the Data page's button that pretrains an autoencoder for the sweep.

    None when the sweep ran in an autoencoder's embedding (nothing to offer);
    else the same cost :func:`space_text` quotes (``sw["pretrain_seconds"]``).
    """
    if sw.get("pretrain_seconds") is None:
        return None
    return f"Pretrain an autoencoder (~{human_seconds(sw['pretrain_seconds'])})"


PRETRAIN_OFFER_TEXT = (
    "The button starts a training run with these settings (follow it on the Train page). "
    "Once its pretraining ends the autoencoder is cached, this sweep re-runs in its "
    "embedding, and later runs with these settings reuse it.")
"""What the pretraining button does, in words beside it."""

def pretraining_text(job_config: Mapping, job_upload: Mapping | None, state: Mapping) -> str:
    """The panel's words while the owner's training job runs (no second one is offered).

    Whether that job pretrains the autoencoder this sweep would run in: the same
    job-cache key (:meth:`explorer.jobs.cache.AutoencoderCache.key`) as the
    session's data and settings.
    """
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir

    owner = owner_dir(state.get("owner") or "")
    upload = state.get("upload") if state["data"]["name"] == "file" else None
    try:
        same = (AutoencoderCache.key({k: dict(job_config[k]) for k in ("data", "model", "train")},
                                     owner, job_upload)
                == AutoencoderCache.key({k: dict(state[k]) for k in ("data", "model", "train")},
                                        owner, upload))
    except (KeyError, TypeError):  # a job saved with fewer settings than these
        same = False
    if same:
        return ("A training run with these data and settings is under way (Train page): "
                "when its pretraining ends, its autoencoder is cached and this sweep re-runs "
                "in its embedding.")
    return ("A training run with other data or settings is under way (Train page); "
            "pretraining one for these can start when it ends.")


def cost_text(n_samples: int, n_features: int, width: int) -> str:
    """What the sweep will cost and on how many rows, before it runs."""
    from dec_core.selection import SWEEP_ROWS

    seconds = human_seconds(sweep_seconds(n_samples, n_features, width))
    rows = (f"a seeded subsample of {SWEEP_ROWS:,} of the {n_samples:,} rows"
            if n_samples > SWEEP_ROWS else f"all {n_samples:,} rows")
    return f"about {seconds} on this machine, on {rows}"


def _at(sw: dict, k: int) -> int:
    return sw["ks"].index(k)


def _best_gap(sw: dict) -> int:
    gap = sw["gap"]["gap"]
    return max(range(len(gap)), key=gap.__getitem__)


def suggestion_text(sw: dict) -> str:
    """Why the suggested k: from the silhouette curve, with the figures shown."""
    k, j = sw["suggested_k"], _at(sw, sw["suggested_k"])
    sil, stab = sw["silhouette"], sw["stability"]
    top = max(range(len(sil)), key=sil.__getitem__)
    if sw["rule"] == "peak":
        why = f"the highest silhouette ({sil[j]:.2f}); every larger k separates worse"
    elif sil[top] - sil[j] < 0.005:
        why = (f"the highest silhouette ({sil[j]:.2f}), though others come within 0.005 of "
               f"it (from {min(sil):.2f} to {max(sil):.2f} over k = {sw['ks'][0]} ... "
               f"{sw['ks'][-1]})")
    else:
        why = (f"the knee of the silhouette curve ({sil[j]:.2f} at k = {k}; the curve goes on "
               f"to {sil[top]:.2f} at k = {sw['ks'][top]}): past it, more clusters separate "
               "only a little better")
    agree = (f"Fits on resampled data agree with ARI {stab[j]:.2f} at k = {k}"
             + (" (1 = the same clusters every time)." if stab[j] >= 0.8 else
                ": different samples give noticeably different clusters."))
    text = f"**Suggested k = {k}**: {why}. {agree}"
    if sw["structure"] == "none":
        text += f" With {NO_STRUCTURE}, this k is a cut like any other."
    return text


def structure_text(sw: dict) -> str:
    """The verdict, "structure found" or "no more structure than noise", with its numbers."""
    gap, s, ks = sw["gap"]["gap"], sw["gap"]["s"], sw["gap"]["ks"]
    b = _best_gap(sw)
    if sw["structure"] == "none":
        split = max(range(1, len(gap)), key=gap.__getitem__)
        figures = (f"Gap(1) = {gap[0]:.2f} is the highest; the best split, k = {ks[split]}, "
                   f"reaches {gap[split]:.2f}" if b == 0 else
                   f"Gap(1) = {gap[0]:.2f}, and the best split, Gap({ks[b]}) = {gap[b]:.2f}, "
                   f"is within its standard error ({s[b]:.2f})")
        return (f"**These data have {NO_STRUCTURE}.** Against a uniform reference of the same "
                f"shape (the gap statistic), no split gains over one cluster: {figures}. DEC "
                "will still return k clusters; they are cuts through one cloud, not groups.")
    return (f"**Structure found.** Against a uniform reference of the same shape (the gap "
            f"statistic), Gap({ks[b]}) = {gap[b]:.2f} exceeds Gap(1) = {gap[0]:.2f} by more "
            f"than its standard error ({s[b]:.2f}): the data split better than noise does.")


def space_text(sw: dict) -> str:
    """Which rows the sweep ran on, and, when in no autoencoder's embedding, what one costs."""
    rows = (f"a seeded subsample of {sw['n_used']:,} of the {sw['n_total']:,} rows"
            if sw["n_used"] < sw["n_total"] else f"all {sw['n_total']:,} rows")
    text = f"Computed on {sw['space']}, {rows}, in {sw['seconds']:.1f} s."
    if sw.get("pretrain_seconds") is not None:
        text += (" Pretraining an autoencoder for these data and settings would cost about "
                 f"{human_seconds(sw['pretrain_seconds'])}: Start on the Train page does it, "
                 "and a sweep after it runs in its embedding, the space DEC clusters in.")
    return text


def no_structure_warning(k_setting: int, n_classes: int | None,
                         where: str = "(Data page)") -> str:
    """Train's and Explore's sentence when the sweep found no structure.

    ``k_setting`` is the Model page's ``n_clusters`` (0: the default); ``where``
    names the sweep: the Data page's, or Explore's own "on this run's data".
    """
    from dec_core.presets import default_n_clusters

    k = default_n_clusters(k_setting, n_classes)
    return (f"The k sweep {where} found {NO_STRUCTURE} in these data. DEC still returns "
            f"{k} clusters, but they are cuts through one cloud, not groups.")


def header_clusters(k_setting: int, n_classes: int | None, sw: dict | None, *,
                    bold: bool = False) -> str:
    """Where k comes from, for Train's header.

    Parameters
    ----------
    k_setting : int
        The Model page's ``n_clusters`` (0: the default).
    n_classes : int or None
        The data's true classes (None: no labels, or not loaded).
    sw : dict or None
        The session's sweep on these data.
    bold : bool, default=False
        Write the number of clusters in bold (Markdown).
    """
    from dec_core.presets import default_n_clusters

    k = default_n_clusters(k_setting, n_classes)
    words = (f"**{k}**" if bold else f"{k}") + " cluster" + ("s" if k != 1 else "")
    if sw is not None and k == sw["suggested_k"]:
        return f"{words} (the k sweep's suggestion)"
    other = "" if sw is None else f"; the k sweep suggests {sw['suggested_k']}"
    if k_setting:
        return f"{words} (set on the Model page{other})"
    if n_classes:
        return f"{words} (as many as the labels' classes{other})"
    return (f"{words}: the default without labels; the Data page's k sweep suggests one"
            if sw is None else f"{words}: the default without labels; the k sweep suggests "
            f"{sw['suggested_k']}")


# --------------------------------------------------------------------- figures
def _marks(fig: go.Figure, sw: dict, true_k: int | None) -> None:
    """The suggested k (red) and the labels' number of classes (dotted grey), labelled at
    the top on the sides facing away from each other, so neighbours never overprint."""
    k = sw["suggested_k"]
    shown = true_k if true_k and sw["ks"][0] <= true_k <= sw["ks"][-1] else None
    if shown == k:
        fig.add_vline(x=k, line={"color": ACCENT, "width": 2},
                      annotation={"text": f"suggested {k} = {k} classes",
                                  "font": {"color": ACCENT}}, annotation_position="top right")
        return
    right_of_classes = shown is not None and k > shown
    fig.add_vline(x=k, line={"color": ACCENT, "width": 2},
                  annotation={"text": f"suggested {k}", "font": {"color": ACCENT}},
                  annotation_position="top right" if right_of_classes or shown is None
                  else "top left")
    if shown is not None:
        fig.add_vline(x=shown, line={"color": DARK_GREY, "width": 2, "dash": "dot"},
                      annotation={"text": f"{shown} classes", "font": {"color": DARK_GREY}},
                      annotation_position="top left" if right_of_classes else "top right")


def criterion_figure(sw: dict, which: str, true_k: int | None = None,
                     projector: bool | None = None) -> go.Figure:
    """One criterion against k, with the suggested k (and the true number of classes).

    Parameters
    ----------
    sw : dict
        :meth:`dec_core.selection.Sweep.as_dict`.
    which : {"silhouette", "stability", "bic", "gap"}
    true_k : int, optional
        The labels' number of classes, marked when the data have labels.
    projector : bool, optional
        See :func:`explorer.charts.theme.layout`.
    """
    ks = sw["ks"]
    if which == "gap":
        x, y, err = sw["gap"]["ks"], sw["gap"]["gap"], sw["gap"]["s"]
        title, axis = "Gap statistic (± s): data vs uniform reference", "Gap(k)"
    else:
        x, y, err = ks, sw[which], None
        title, axis = {
            "silhouette": ("Silhouette: how well separated (higher is better)", "silhouette"),
            "stability": ("Stability: ARI between resampled fits (higher)", "mean ARI"),
            "bic": ("Gaussian mixture BIC (lower is better)", "BIC"),
        }[which]
    trace = go.Scatter(x=x, y=y, mode="lines+markers", line={"color": color(0)},
                       marker={"size": 7}, name=axis,
                       hovertemplate="k = %{x}<br>" + axis + " %{y:.3f}<extra></extra>")
    if err is not None:
        trace.error_y = {"type": "data", "array": err, "visible": True, "color": NEUTRAL}
    fig = go.Figure(trace)
    _marks(fig, sw, true_k)
    fig.update_xaxes(title="k (number of clusters)", dtick=1, range=[x[0] - 0.5, x[-1] + 0.5])
    fig.update_yaxes(title=axis)
    if which == "stability":
        fig.update_yaxes(range=[min(0.0, min(y) - 0.05), 1.05])
    elif which == "silhouette":  # from 0: a flat curve (noise) must not look like a zigzag
        fig.update_yaxes(range=[min(0.0, min(y) - 0.02), max(y) + 0.05])
    fig.update_layout(showlegend=False)
    return layout(fig, title, height=300, projector=projector)


CRITERIA = ("silhouette", "stability", "bic", "gap")
"""The figures of a sweep, in the order the Data page draws them."""
