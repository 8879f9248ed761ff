"""Submitting the session's training job, and finding the job a session follows."""

from __future__ import annotations

import streamlit as st

from explorer.session.state import session_upload
from explorer.session.url import JOB_PARAM


def attach_job() -> None:
    """Give a session without a job the one this browser's owner has.

    The job in the URL (a refresh, a link copied from this browser's address bar),
    else the owner's newest running or queued training (a second tab of the same
    browser: it follows the first tab's job, as the Runs page lists it). Step by
    step keeps its own job; a job of another owner is never attached.
    """
    from explorer.jobs import manager

    owner, jobs = st.session_state["owner"], manager()
    linked = jobs.get(str(st.query_params.get(JOB_PARAM, "")), owner)
    job = linked or running_job(owner)
    if job is not None:
        st.session_state["job_id"] = job.id


def attach_interrupted() -> None:
    """Give a session without a job the owner's job that a server restart interrupted.

    A refresh or a second tab reattaches in :func:`attach_job`; after a restart the
    journal (:mod:`explorer.jobs.journal`) brings the job back, and the Train page
    shows it even without the link, so its owner sees it and can resume it.
    """
    from explorer.jobs import manager

    if "job_id" in st.session_state:
        return
    cut = manager().interrupted_for(st.session_state["owner"])
    if cut is not None:
        st.session_state["job_id"] = cut.id


def submit(config: dict | None = None, **kwargs):
    """Submit a job for this browser's owner, with the session's upload when the data are a file.

    Parameters
    ----------
    config : dict, optional
        ``{"data", "model", "train"}`` (default: copies of the session's settings).
    **kwargs
        Passed to :meth:`explorer.jobs.JobManager.submit` (``step_mode``, ``name``, ...).

    Returns
    -------
    explorer.jobs.Job
    """
    from explorer.jobs import manager

    state = st.session_state
    config = config or {k: dict(state[k]) for k in ("data", "model", "train")}
    upload = session_upload(state, config["data"])
    return manager().submit(state["owner"], config, upload, **kwargs)


def start_job(plan: dict | None = None) -> None:
    """Submit a training job with the session's data, model and train settings.

    The one way a page starts an ordinary training run (Train's Start, the Data
    page's "Pretrain an autoencoder"): the session follows the new job
    (``job_id``, and ``?job=`` so a refresh shows it again).

    Parameters
    ----------
    plan : dict, optional
        A :func:`dec_core.cost.estimate` (``as_dict``) for the job's ETA until its
        worker plans its own.
    """
    state = st.session_state
    new = submit(plan=plan)
    state["job_id"] = new.id
    st.query_params[JOB_PARAM] = new.id


def running_job(owner: str):
    """The owner's newest running or queued training job (not step by step), or None."""
    from explorer.jobs import manager

    running = [j for j in manager().jobs_for(owner) if j.active and not j.step_mode]
    return running[0] if running else None
