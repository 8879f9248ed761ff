"""DRAFT: to be merged into explorer/text/states.py once it is mine."""

from __future__ import annotations

from dec_core.checkpoint import describe

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
