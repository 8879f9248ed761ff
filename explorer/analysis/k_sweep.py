"""The k sweep in the app: its key, its computation and the session's result (no streamlit).

The numbers come from :func:`dec_core.selection.choose_k`, the same call
``python -m dec_core run --n-clusters auto`` makes, so the app and the CLI
agree on the same data, settings and seed. The Data page runs it (in a
background thread, :mod:`explorer.session.background`) and keeps the result in the
session under :data:`STATE_KEY`; Train and Explore read it back with
:func:`current` to say where k comes from and whether the data hold any
cluster structure at all. Its figures are in :mod:`explorer.charts.sweep`, its
words in :mod:`explorer.text.teach` (the "k sweep" section).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping

from dec_core.pretrained import pretrain_settings
from explorer.session.state import missing_upload, session_upload
from explorer.text.teach import CACHED_SPACE

STATE_KEY = "k_sweep"
"""Session-state key of the last sweep: ``{"key": str, "result": dict}``."""

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
    (``cached=False``: the key of the sweep in the data's own space, with no autoencoder cached)."""
    from explorer.data import upload_digest

    data = state["data"]
    upload = session_upload(state)
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
    session = {"upload": upload}  # the session's upload, as session.state's helpers read it
    if missing_upload(session, data):
        return None
    try:
        params = dec_params(app_config["model"], app_config["train"], int(n_features), None)
    except (KeyError, TypeError, ValueError):  # a run saved with fewer settings than these
        return None
    mine = session_upload(session, data)
    return sweep_key(data, upload_digest(upload["bytes"]) if mine else None, params,
                     cached_autoencoder(app_config, owner, mine) if cached else None)


def compute(x, params: Mapping, seed: int, autoencoder: str | None = None) -> dict:
    """Run the sweep (:func:`dec_core.selection.choose_k`); its figures as a plain dict.

    ``autoencoder`` is :func:`cached_autoencoder`'s key: the sweep runs in that
    autoencoder's embedding unless the shipped one fits (it comes first). When
    it runs in neither, the result also holds ``pretrain_seconds``, what
    pretraining an autoencoder for these data would cost
    (:func:`dec_core.cost.estimate`), for :func:`explorer.text.teach.space_text`.
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
    wait for a button. A built-in set's answer is known (the table in docs/engine.md),
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
        upload = session_upload(state)
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


def job_pretrains_for(job_config: Mapping, job_upload: Mapping | None, state: Mapping,
                      job_key: str = "") -> bool:
    """Whether a training job pretrains the autoencoder the session's sweep would run in.

    The same job-cache key (:meth:`explorer.jobs.cache.AutoencoderCache.key`) for the
    job's data and settings as for the session's; False for a job saved with fewer
    settings than these. ``job_key``: the key a running job recorded
    (:attr:`explorer.jobs.Job.autoencoder_key`), which holds once its upload has left
    the server; without it the key is computed from ``job_config`` and ``job_upload``.
    """
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir

    owner = owner_dir(state.get("owner") or "")
    upload = session_upload(state)
    try:
        mine = AutoencoderCache.key({k: dict(state[k]) for k in ("data", "model", "train")},
                                    owner, upload)
        theirs = job_key or AutoencoderCache.key(
            {k: dict(job_config[k]) for k in ("data", "model", "train")}, owner, job_upload)
    except (KeyError, TypeError):
        return False
    return mine == theirs
