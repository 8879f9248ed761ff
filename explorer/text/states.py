"""The job states in words: every sentence the app says about a training job (no streamlit).

Phases and step-mode status, a job's status line, its progress and queue
place, and the messages a job ends with (stopped, interrupted, resumed, ended
while idle, failed) and where Resume continues. :mod:`explorer.jobs` words its
jobs' states from here; the pages say them from here. May import: ``dec_core``.
"""

from __future__ import annotations

from dec_core.checkpoint import describe
from explorer.text.teach import stop_text

# A job's phase as people read it (Train page, sidebar, Runs page).
PHASES = {"queued": "Waiting in the queue", "loading": "Loading data",
          "pretraining": "1/3 Pretraining the autoencoder", "kmeans": "2/3 k-means in the embedding",
          "dec": "3/3 DEC self-training", "saving": "Saving the run", "finished": "Finished"}


def phase_text(phase: str) -> str:
    """The words for a job phase (``"loading"`` -> ``"Loading data"``)."""
    return PHASES.get(phase, phase.replace("_", " ").capitalize())


# An ended job's state in a word or two (a status line that has no room for more).
ENDED = {"done": "finished", "stopped": "stopped", "failed": "failed",
         "interrupted": "interrupted"}


def short_status(v: dict) -> str:
    """A job's state in a few words: its phase while it is active, else how it ended."""
    if v["state"] in ("queued", "running"):
        return phase_text(v["phase"])
    return ENDED.get(v["state"], v["state"])


def step_status(v: dict) -> str:
    """A step-mode job's state in words, from its :meth:`~explorer.jobs.Job.view`.

    The Step by step page and the Runs page both say it:
    ``"waiting for Step (update 3)"``, ``"playing (update 5)"``, ``"training
    towards update 4"``; before DEC, and once it ended, :func:`short_status`.
    """
    update = v["dec"][-1]["update"] if v["dec"] else None
    if v["state"] != "running" or update is None or v["phase"] != "dec":
        return short_status(v)
    if v.get("waiting"):
        return f"waiting for Step (update {update})"
    if v.get("playing"):
        return f"playing (update {update})"
    return f"training towards update {update + 1}"


def eta_text(seconds: float | None) -> str:
    """A running job's time left (``"estimating…"`` until it has one)."""
    if seconds is None:
        return "estimating…"
    return f"{seconds:.0f} s left" if seconds < 120 else f"{seconds / 60:.1f} min left"


def progress_text(v: dict) -> str:
    """A running job's progress bar line, from its :meth:`~explorer.jobs.Job.view`."""
    return (f"**{phase_text(v['phase'])}** · {v['progress']:.0%} · {v['elapsed']:.0f} s elapsed "
            f"· {eta_text(v['eta'])}")


def queued_text(position: int, max_jobs: int, restored: bool) -> str:
    """Where a queued job stands (Train page)."""
    kept = " Your place was kept across a server restart." if restored else ""
    return (f"Queued: position {position} — {max_jobs} job(s) run at once on this server; yours "
            f"starts when a slot frees up. This page follows it.{kept}")


def failed_text(error: str) -> str:
    """The banner of a job whose training raised ``error``."""
    return f"Training failed: {error}"


def queue_place(position: int | None) -> str:
    """A queued job's place: ``"waiting in the queue (position 2)"``."""
    return f"waiting in the queue (position {position})"


def sidebar_text(phase: str) -> str:
    """The sidebar's line while the session's job is active: ``"Training: Loading data"``."""
    return f"Training: {phase_text(phase)}"


def sidebar_resume_text(message: str) -> str:
    """The sidebar's line for an interrupted job (``message``: :func:`interrupted_message`)."""
    return f"Your training was {message}. **Resume** it on the Train page."


def job_status(v: dict, position: int | None) -> str:
    """A job's state in words (the Runs page's "status" column).

    Parameters
    ----------
    v : dict
        The job's :meth:`~explorer.jobs.Job.view`.
    position : int or None
        Its place in the queue (:meth:`~explorer.jobs.JobManager.queue_position`).
    """
    if v["state"] == "queued":
        return queue_place(position)
    if v["state"] == "running" and v["step_mode"]:
        return f"step by step: {step_status(v)}"
    if v["state"] == "running":
        return f"running: {phase_text(v['phase'])}"
    if v["state"] == "failed":
        return f"failed: {v['error']}"
    if v["state"] == "stopped" and v.get("idle_ended"):
        return "ended after waiting for Step too long (saved)"
    if v["state"] == "interrupted":
        return f"{v['message']}; Resume on the Train page continues from {v['resume_from']}"
    if v["state"] == "stopped":  # saved unless it ended before its first save
        return "stopped by you (saved)" if v.get("run_path") else (v["message"] or "stopped")
    return {"done": ENDED["done"]}.get(v["state"], v["state"])


# -- the messages a job ends with, and where Resume continues
# How an interrupted job came to be, in words (Train, Runs, the sidebar say it).
INTERRUPTED_BY = "a server restart"
# Where a job's autoencoder came from, in words (the Train page and the saved run say it).
AUTOENCODER_SOURCES = {
    "live": "pretrained live",
    "shipped": "the shipped pretrained autoencoder (assets/digits.npz), skipping to k-means and DEC",
    "cached": "reusing the pretrained autoencoder (only DEC settings changed)",
    "resumed": "the autoencoder this job pretrained before it was interrupted",
}
STOPPED_BEFORE_START = "stopped before it started"
NO_RESULT = "the job's thread ended without a result"


def where(progress: dict) -> str:
    """A job's progress in words: ``"epoch 57 of 200"``, ``"update 12"``, ``"k-means"``.

    ``progress`` is :meth:`explorer.jobs.Job.progress_record` (the journal keeps it).
    """
    phase = progress.get("phase")
    if progress.get("update") is not None:
        return f"update {progress['update']}"
    if phase == "pretraining" and progress.get("epochs"):
        return f"epoch {progress.get('epoch', 0)} of {progress['epochs']}"
    return {"loading": "the start (loading the data)", "kmeans": "k-means",
            "dec": "the start of DEC", "saving": "the end (saving the run)"}.get(
                phase, "the start")


def interrupted_message(progress: dict) -> str:
    """An interrupted job's message: ``"interrupted by a server restart at update 12"``."""
    return f"interrupted by {INTERRUPTED_BY} at {where(progress)}"



def interrupted_text(message: str, resume_from: str) -> str:
    """The banner of a job a restart interrupted: what is kept, and what Resume redoes.

    Parameters
    ----------
    message : str
        The job's message (:func:`interrupted_message`).
    resume_from : str
        Where Resume continues and what it runs again (:func:`resume_point`).
    """
    return (f"This training was {message}. Kept: its settings, its data and its link. "
            f"**Resume** queues it again and continues from {resume_from}; it ends with the "
            "result an uninterrupted run gives. Start trains anew.")

def resumed_message(position: dict) -> str:
    """A resumed job's message until its autoencoder or its end says more."""
    return f"resumed from the checkpoint at {describe(position)}"


def resume_point(position: dict | None, autoencoder_cached: bool) -> str:
    """Where Resume continues an interrupted job, and what runs again, in words.

    Parameters
    ----------
    position : dict or None
        The job's checkpoint (:func:`dec_core.checkpoint.position`); None without one.
    autoencoder_cached : bool
        Whether the autoencoder the job pretrained is in the cache (pretraining
        had finished).
    """
    if position and position.get("phase") == "dec":
        return f"the checkpoint at {describe(position)}; the batches trained after it run again"
    if autoencoder_cached:
        return "the pretrained autoencoder (pretraining had finished; k-means and DEC run again)"
    if position:
        return (f"the checkpoint at {describe(position)}; the epochs after it, k-means "
                "and DEC run again")
    return ("the start: no checkpoint was saved before the interruption, so all the work "
            "done before it runs again")


def stop_grace_message(grace_s: float) -> str:
    """A stopped job whose worker did not end within ``grace_s`` seconds of Stop."""
    return (f"stopped: the worker did not end within {grace_s:g} s of Stop, so it was ended; "
            "nothing was saved")


def idle_end_message(idle_s: float) -> str:
    """A step-mode job ended after waiting ``idle_s`` seconds for Step."""
    return (f"ended after waiting {idle_s / 60:g} minutes for Step, so that other runs get "
            "the server; the model so far is saved (Start in step mode again to go on from "
            "the beginning)")


def worker_died_error(exitcode: int | None) -> str:
    """A failed job's error when its worker process ended without a word."""
    return (f"the worker process ended unexpectedly (exit code {exitcode}); it may have run "
            "out of memory")


# -- how long a job took, and the banners of its end (Train page)
WORKER_TIME = "worker time, from its start to the saved run"
"""What a job's ``elapsed`` counts (:meth:`explorer.jobs.Job.elapsed`): not the wait in
the queue, nor the page's drawing after the end."""


def duration_text(elapsed: float, queued_s: float | None = None) -> str:
    """A finished job's time with what it counts: ``"3.6 s (worker time, ...)"``.

    Parameters
    ----------
    elapsed : float
        The job's ``elapsed`` (from the worker's start to its end).
    queued_s : float, optional
        Seconds it waited in the queue before (said when at least 1 s).
    """
    queue = f"; {queued_s:.0f} s in the queue before" if queued_s and queued_s >= 1 else ""
    return f"{elapsed:.1f} s ({WORKER_TIME}{queue})"


def stopped_text(elapsed: float, saved: bool = True, message: str = "") -> str:
    """The banner of a job stopped by its owner.

    ``saved``: whether a run was saved (a job stopped before it started, or whose worker had
    to be ended after Stop's grace, has none; ``message`` then says why).
    """
    if saved:
        return f"Stopped after {duration_text(elapsed)} — the model keeps what it had learned."
    return f"Stopped after {duration_text(elapsed)} — {message or 'nothing was saved'}."


def finished_text(v: dict, n_samples: int | None) -> str:
    """The banner of a finished job, from its :meth:`~explorer.jobs.Job.view` ``v``.

    Why it stopped comes from :func:`explorer.text.teach.stop_text` (the stop rule taught).
    """
    again = (f" (after {v['resumed']} resume{'s' if v['resumed'] > 1 else ''} from a "
             "checkpoint; the same result as without the interruption)" if v["resumed"] else "")
    queued = (v["started"] - v["created"]) if v["started"] and not v["resumed"] else None
    return (f"Finished in {duration_text(v['elapsed'], queued)}{again} — "
            + stop_text(v.get("stop") or v["message"], n_samples, banner=True,
                        state=v["state"]))


def step_end_text(v: dict, n_samples: int | None) -> str:
    """The Step by step page's banner once its job ended: how, and why DEC stopped."""
    end = stop_text(v.get("stop") or v["message"], n_samples, banner=True, state=v["state"])
    return ("Finished: " if v["state"] == "done" else "Stopped: ") + end
