"""One training job as the server keeps it: :class:`Job`, its states and its words."""

from __future__ import annotations

import copy
import hashlib
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from dec_core.cost import remaining_seconds
from explorer.jobs.worker import Controls

STATES_ACTIVE = ("queued", "running")
STATES_ENDED = ("done", "stopped", "failed", "interrupted")
# How an interrupted job came to be, in words (Train, Runs, the sidebar say it).
INTERRUPTED_BY = "a server restart"
# Where a job's autoencoder came from, in words (the Train page and the saved run say it).
AUTOENCODER_SOURCES = {
    "live": "pretrained live",
    "shipped": "the shipped pretrained autoencoder (assets/digits.npz), skipping to k-means and DEC",
    "cached": "reusing the pretrained autoencoder (only DEC settings changed)",
    "resumed": "the autoencoder this job pretrained before it was interrupted",
}



def owner_dir(owner: str) -> str:
    """The name of ``owner``'s run folder: 16 hex digits of the token's SHA-256.

    The token itself never appears on disk or on screen.
    """
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]


@dataclass(eq=False)  # a job is itself: compared and hashed by identity
class Job:
    """One training job and everything the page needs to draw it.

    The manager's thread for the job applies the worker's events; pages read
    :meth:`view` and use the step controls. ``version`` grows by one with every
    change a page could draw.
    """

    id: str
    owner: str                        # the token ("" for a job read back from the journal)
    config: dict                      # {"data": ..., "model": ..., "train": ...}
    upload: dict | None = field(default=None, repr=False)
    name: str = ""
    step_mode: bool = False
    state: str = "queued"             # queued | running | done | stopped | failed | interrupted
    phase: str = "queued"             # queued | loading | pretraining | kmeans | dec | saving | finished
    message: str = ""
    stop: dict | None = None  # the estimator's stop record (dec_core.stopping), when it ended
    error: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    first_event: float | None = None  # when the first chart point arrived
    pretrain: list = field(default_factory=list)   # dicts: epoch, stage, loss, seconds
    pretrain_epochs: int = 0
    kmeans: dict = field(default_factory=dict)     # scores of AE + k-means
    dec: list = field(default_factory=list)        # dicts: update, iteration, loss, delta_label, acc...
    step_info: dict = field(default_factory=dict, repr=False)  # q, p, f of the last update
    replay: list = field(default_factory=list, repr=False)  # explorer.live_map.replay frames, one per update
    sharpening: list = field(default_factory=list)  # mean max q and max p per update
    reused_autoencoder: bool = False
    autoencoder_source: str = "live"  # a key of AUTOENCODER_SOURCES
    dataset_info: dict = field(default_factory=dict)
    run_path: str | None = None
    scores: dict = field(default_factory=dict)
    pid: int | None = None
    warnings: list = field(default_factory=list)   # things people should know about the result
    waiting_since: float | None = None  # step mode: when it began to wait for Step (else None)
    idle_ended: bool = False            # step mode: ended by the manager after waiting too long
    plan: dict = field(default_factory=dict)       # dec_core.cost estimate, from the worker
    pretrain_done: float | None = None             # share of pretraining steps done
    phase_started: dict = field(default_factory=dict)  # phase -> time.time() it began
    dec_last_update: float | None = None           # time.time() of the last DEC update
    owner_key: str = ""               # owner_dir(owner): what the journal and lookups use
    seq: int = 0                      # submission order (the journal restores the queue by it)
    upload_name: str | None = None    # the uploaded file's name (its bytes: the journal's)
    resume_from: str = ""             # interrupted: where Resume continues, in words
    resumed: int = 0                  # how often the job was resumed
    restored: bool = False            # read back from the journal after a restart
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _estimator: object = field(default=None, repr=False)
    # step controls: the page's wishes, handed to the worker's Controls once it has one
    _controls: Controls | None = field(default=None, repr=False)
    _stop_requested: bool = field(default=False, repr=False)
    _playing: bool = field(default=False, repr=False)
    _credits: int = field(default=0, repr=False)
    _credited: int = field(default=-1, repr=False)  # latest update a credit was released at
    _interrupt_requested: bool = field(default=False, repr=False)
    _progress_floor: float = field(default=0.0, repr=False)  # the most progress() has said

    def __post_init__(self) -> None:
        if not self.owner_key:
            self.owner_key = owner_dir(self.owner)
        if self.upload is not None and self.upload_name is None:
            self.upload_name = self.upload.get("name")

    @property
    def estimator(self):
        """The fitted DEC, loaded from the saved run (None until the job is done)."""
        if self._estimator is None and self.run_path:
            from dec_core.runs import load_run

            self._estimator = load_run(self.run_path).estimator
        return self._estimator

    @property
    def active(self) -> bool:
        """Whether the job is queued or running."""
        return self.state in STATES_ACTIVE

    @property
    def playing(self) -> bool:
        """Step mode: whether updates run on without Step (after :meth:`play`)."""
        return self._playing

    @property
    def stop_requested(self) -> bool:
        """Whether Stop was pressed for this job."""
        return self._stop_requested

    def elapsed(self) -> float:
        """Seconds since the job started (0 while queued), up to when it finished."""
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    def progress(self) -> tuple[float, float | None]:
        """(fraction done 0..1, seconds left or None) for a progress bar.

        The fraction never falls while the job is active (the estimate behind it
        changes as the worker's plan and timings arrive; a bar that moves back
        says work was lost): it is the largest said so far, until a resume.
        """
        frac, eta = self._estimated_progress()
        if self.state in STATES_ACTIVE:
            frac = max(frac, self._progress_floor)
            self._progress_floor = frac
        return frac, eta

    def _estimated_progress(self) -> tuple[float, float | None]:
        """:meth:`progress` before its floor: the current estimate, which may fall.

        With the worker's plan (:func:`dec_core.cost.estimate`) the ETA comes
        from :func:`dec_core.cost.remaining_seconds` from the first moment of
        pretraining, and the fraction is the time spent over the time spent
        plus left; without one (an old worker), pretraining epochs and DEC
        iterations count as before and the ETA waits for 2% of the work.
        """
        if self.state not in STATES_ACTIVE:
            return 1.0, 0.0
        if self.phase == "queued" or (self.phase == "loading" and not self.plan):
            return 0.0, None
        train = self.config["train"]
        pre_frac = 1.0
        if self.pretrain_done is not None and not self.reused_autoencoder:
            pre_frac = self.pretrain_done
        elif self.pretrain_epochs and not self.reused_autoencoder:
            pre_frac = min(1.0, len(self.pretrain) / self.pretrain_epochs)
        conv = None
        dec_frac = 0.0
        if self.dec:
            it = self.dec[-1]["iteration"] / max(1, int(train["max_iter"]))
            if len(self.dec) > 1 and self.dec[1]["delta_label"] > 0:
                d0 = self.dec[1]["delta_label"]
                d, tol = max(self.dec[-1]["delta_label"], 1e-9), max(float(train["tol"]), 1e-6)
                conv = 0.0
                if d0 > tol:
                    conv = float(np.clip(math.log(d0 / d) / math.log(d0 / tol), 0.0, 1.0))
            dec_frac = float(np.clip(max(it, conv or 0.0), 0.0, 0.99))
        if self.step_mode:
            pre_share = 0.0 if self.reused_autoencoder else 0.8
            return float(pre_share * pre_frac + (1 - pre_share) * dec_frac), None
        now = time.time()
        spent = self.elapsed()
        if self.plan and self.phase == "loading":  # the page's plan, until the worker's
            return 0.0, remaining_seconds(self.plan, "pretraining")
        if self.plan and self.phase in ("pretraining", "kmeans", "dec"):
            t_phase = now - self.phase_started.get(self.phase, now)
            pre_t0 = self.phase_started.get("pretraining", now)
            # pretraining's duration so far, or all of it once k-means began
            t_pre = self.phase_started.get("kmeans", now) - pre_t0
            dec_t0 = self.phase_started.get("dec")
            dec_elapsed = (self.dec_last_update - dec_t0) if (
                dec_t0 is not None and self.dec_last_update is not None) else 0.0
            left = remaining_seconds(
                self.plan, self.phase, pretrain_done=0.0 if self.reused_autoencoder else pre_frac,
                pretrain_elapsed=t_pre, phase_elapsed=t_phase,
                dec_iteration=self.dec[-1]["iteration"] if self.dec else 0,
                dec_elapsed=dec_elapsed, dec_convergence=conv, dec_updates=len(self.dec),
                max_iter=int(train["max_iter"]))
            frac = spent / max(spent + left, 1e-9)
            return float(min(frac, 0.99)), left
        pre_share = 0.0 if self.reused_autoencoder else 0.8
        frac = pre_share * pre_frac + (1 - pre_share) * dec_frac
        eta = spent * (1 - frac) / frac if frac > 0.02 else None
        return float(frac), eta

    def view(self, since_version: int | None = None) -> dict | None:
        """The job's public state as a dict, safe to read while it runs.

        Parameters
        ----------
        since_version : int, optional
            The ``"version"`` of the view the caller drew last. When the job has
            not changed since, return None at once (nothing to redraw).

        Returns
        -------
        dict or None
            Lists (``pretrain``, ``dec``, ``sharpening``, ``warnings``) are
            shallow copies; their rows and ``step_info`` are shared and must
            not be changed.
        """
        if since_version is not None and since_version == self.version:
            return None
        with self.lock:
            frac, eta = self.progress()
            return {
                "id": self.id, "name": self.name, "state": self.state, "phase": self.phase,
                "version": self.version,
                "message": self.message, "stop": self.stop, "error": self.error,
                "created": self.created,
                "started": self.started, "finished": self.finished,
                "elapsed": self.elapsed(), "progress": frac, "eta": eta, "plan": dict(self.plan),
                "pretrain": list(self.pretrain), "pretrain_epochs": self.pretrain_epochs,
                "kmeans": dict(self.kmeans), "dec": list(self.dec),
                "reused_autoencoder": self.reused_autoencoder,
                "autoencoder_source": self.autoencoder_source,
                "dataset": dict(self.dataset_info), "run_path": self.run_path,
                "scores": dict(self.scores), "config": copy.deepcopy(self.config),
                "step_mode": self.step_mode, "playing": self._playing,
                "first_event": self.first_event, "step_info": dict(self.step_info),
                "replay": list(self.replay),
                "sharpening": list(self.sharpening), "warnings": list(self.warnings),
                # step mode: waiting for Step since (a time), or None (also while playing)
                "waiting": self.waiting_since is not None, "waiting_since": self.waiting_since,
                "idle_ended": self.idle_ended,
                "resume_from": self.resume_from, "resumed": self.resumed,
                "restored": self.restored,
            }

    # -- step mode controls (called from pages)
    def step(self, n: int = 1) -> None:
        """Step mode: let ``n`` more DEC updates through."""
        with self.lock:
            self._credited = max(self._credited, len(self.dec) - 1)
            self._release(n)

    def play(self) -> None:
        """Step mode: run the updates one after another, at the page's pace, until :meth:`pause`.

        The update waiting now is let through at once; each later one only when
        a page that has drawn the latest update calls :meth:`advance`, so
        every update is drawn, none skipped.
        """
        with self.lock:
            self._playing = True
            if self._controls is not None:
                self._controls.playing.set()
            self._advance_locked(len(self.dec) - 1)
            self.version += 1

    def advance(self, drawn_update: int) -> bool:
        """Playing: the page has drawn target update ``drawn_update``; let the next one through.

        Releases one credit when the job plays, ``drawn_update`` is the latest
        update and none was released for it yet (so several tabs or reruns
        drawing the same update release one credit between them). Returns
        whether a credit was released.
        """
        with self.lock:
            if not self._playing:
                return False
            return self._advance_locked(int(drawn_update))

    def _advance_locked(self, update: int) -> bool:
        latest = len(self.dec) - 1
        if update < 0 or update != latest or update <= self._credited:
            return False
        self._credited = update
        self._release(1)
        return True

    def _release(self, n: int) -> None:
        if self._controls is None:
            self._credits += n
        else:
            for _ in range(n):
                self._controls.credits.release()

    def pause(self) -> None:
        """Step mode: hold after the current update."""
        with self.lock:
            self._playing = False
            if self._controls is not None:
                self._controls.playing.clear()
            self.version += 1

    def wait_for_update(self, count: int, timeout: float = 1.0) -> bool:
        """Wait up to ``timeout`` s until the job holds more than ``count`` DEC updates or ends.

        A Step button's callback calls it, so the page's rerun already shows the
        new update (on digits it takes a fraction of a second). True if it came.
        """
        end = time.monotonic() + timeout
        while len(self.dec) <= count and self.active and time.monotonic() < end:
            time.sleep(0.02)
        return len(self.dec) > count

    # -- called by the manager
    def _end(self, state: str, message: str | None = None, *, error: str = "",
             at: float | None = None) -> None:
        """End the job: the only way a job reaches one of :data:`STATES_ENDED`.

        Sets the state, the words for it (``message``; None keeps the current
        ones, e.g. which autoencoder a failed job used) and the error, stops the
        clock (at ``at``, default now, unless it already stopped), drops the
        upload's bytes and any wait for Step, and bumps ``version`` so pages
        see the end at once. Call with ``self.lock`` held.
        """
        if state not in STATES_ENDED:
            raise ValueError(f"a job ends as one of {STATES_ENDED}, not {state!r}")
        self.state, self.error = state, error
        if message is not None:
            self.message = message
        self.phase = "finished"
        self.finished = self.finished or (time.time() if at is None else at)
        self.upload = None
        self.waiting_since = None
        self.version += 1

    def _request_stop(self) -> None:
        with self.lock:
            self._stop_requested = True
            if self._controls is not None:
                self._controls.stop.set()

    def _request_interrupt(self) -> None:
        """Checkpoint at the next epoch or update and end (a server shutdown)."""
        with self.lock:
            self._interrupt_requested = True
            if self._controls is not None:
                self._controls.interrupt.set()

    def _attach(self, controls: Controls) -> None:
        """Hand the page's wishes so far to the worker's controls."""
        with self.lock:
            self._controls = controls
            if self._interrupt_requested:
                controls.interrupt.set()
            if self._stop_requested:
                controls.stop.set()
            if self._playing:
                controls.playing.set()
            for _ in range(self._credits):
                controls.credits.release()
            self._credits = 0


def where(progress: dict) -> str:
    """A job's progress in words: ``"epoch 57 of 200"``, ``"update 12"``, ``"k-means"``."""
    phase = progress.get("phase")
    if progress.get("update") is not None:
        return f"update {progress['update']}"
    if phase == "pretraining" and progress.get("epochs"):
        return f"epoch {progress.get('epoch', 0)} of {progress['epochs']}"
    return {"loading": "the start (loading the data)", "kmeans": "k-means",
            "dec": "the start of DEC", "saving": "the end (saving the run)"}.get(
                phase, "the start")
