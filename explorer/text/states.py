"""The job states in words: phases, step-mode status (no streamlit)."""

from __future__ import annotations

# A job's phase as people read it (Train page, sidebar, Runs page).
PHASES = {"queued": "Waiting in the queue", "loading": "Loading data",
          "pretraining": "1/3 Pretraining the autoencoder", "kmeans": "2/3 k-means in the embedding",
          "dec": "3/3 DEC self-training", "saving": "Saving the run", "finished": "Finished"}


def phase_text(phase: str) -> str:
    """The words for a job phase (``"loading"`` -> ``"Loading data"``)."""
    return PHASES.get(phase, phase.replace("_", " ").capitalize())


def step_status(v: dict) -> str:
    """A step-mode job's state in words, from its :meth:`~explorer.jobs.Job.view`.

    The Step by step page and the Runs page both say it:
    ``"waiting for Step (update 3)"``, ``"playing (update 5)"``, ``"training
    towards update 4"``; before DEC, the phase (:func:`phase_text`).
    """
    update = v["dec"][-1]["update"] if v["dec"] else None
    if v["state"] != "running" or update is None or v["phase"] != "dec":
        return phase_text(v["phase"]) if v["state"] == "running" else v["state"]
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
