"""Training jobs that outlive the script run: the server side (queue, state, controls).

Streamlit reruns a page's script on every click, and a refresh starts a new
session, so training cannot live in the script run. A :class:`JobManager`
(one per server process, :func:`manager`) runs each job in its own worker
*process* (:mod:`explorer.worker`), at most ``max_jobs`` at a time; later jobs
wait in a queue. A process, not a thread: TensorFlow's training loop then
never competes with the UI for Python's GIL, a crash in native code cannot
take the server down, and Stop can always end a job (after a grace period the
process is terminated). With ``warm_workers=1`` one process is started ahead
of time and waits with TensorFlow imported, so a job's first chart comes
within a few seconds of Start; it is replaced after each use.

The worker never calls ``st.*``: it sends typed events (:mod:`explorer.events`)
over a queue; one thread per running job in the server applies them to the
:class:`Job`, which pages poll.

Each job belongs to an *owner* token (one per browser). Every lookup takes
the owner, so no session sees or stops another's job, and runs are saved in
the folder :func:`owner_dir` names (a digest, never the token itself). A
finished job saves its run folder whether or not anybody is watching.

How a page polls cheaply
------------------------
Every change a page could draw bumps ``job.version`` (each applied event, the
start, the end, play / pause). A live view keeps the version it last drew and
asks for a view only when it moved::

    v = job.view(since_version=st.session_state.get("drawn_version"))
    if v is None:          # nothing new: one int comparison, no copy, no lock
        ...                # redraw at most the clock (job.elapsed(), job.progress())
    else:
        st.session_state["drawn_version"] = v["version"]
        ...                # redraw the charts from v

A queued job's version does not move while it waits; its place does:
``manager().queue_position(job)`` is O(1) (cached between queue changes), so
a queued page compares that number and can poll slowly. ``manager().get`` is
O(1) and ``jobs_for`` O(that owner's jobs); nothing a page calls scans every
job on the server, and no lock is held across slow work (process start,
unpickling, disk). A full ``view()`` costs about 25 µs (shallow copies of the
lists; the rows themselves and ``step_info`` are shared and read-only).

This module never imports streamlit.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import json
import logging
import math
import multiprocessing
import multiprocessing.spawn
import os
import queue
import secrets
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dec_core.checkpoint import describe
from dec_core.checkpoint import position as checkpoint_position
from dec_core.cost import machine_gflops, remaining_seconds
from dec_core.pretrained import pretrain_settings

from . import events as ev
from . import settings
from .data import upload_digest
from .journal import PROGRESS_EVERY_S, Journal
from .worker import Controls, process_main, run_job

_LOG = logging.getLogger(__name__)
_MP = multiprocessing.get_context("spawn")  # never fork a process that runs TensorFlow
STATES_ACTIVE = ("queued", "running")
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
                "message": self.message, "stop": self.stop, "error": self.error, "created": self.created,
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


class _Runner:
    """One worker: a process (or, in-process, a thread) with its inbox, events and controls."""

    def __init__(self, in_process: bool) -> None:
        self.in_process = in_process
        if in_process:
            self.events: queue.Queue | object = queue.Queue()
            self.controls = Controls.for_threads()
            self.proc = None
            self.thread: threading.Thread | None = None
        else:
            self.events = _MP.Queue()
            self.inbox = _MP.Queue()
            self.controls = Controls.for_processes(_MP)
            self.proc = _MP.Process(target=process_main, name="dec-worker", daemon=True,
                                    args=(self.inbox, self.events, self.controls))
            _start_without_main(self.proc)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else os.getpid()

    def run(self, spec: dict) -> None:
        """Give the worker its job."""
        if self.in_process:
            self.thread = threading.Thread(target=run_job, daemon=True, name="dec-worker",
                                           args=(spec, self.events, self.controls))
            self.thread.start()
        else:
            self.inbox.put(spec)

    def is_alive(self) -> bool:
        if self.in_process:
            return self.thread is not None and self.thread.is_alive()
        return self.proc.is_alive()

    @property
    def exitcode(self) -> int | None:
        return None if self.proc is None else self.proc.exitcode

    def kill(self) -> bool:
        """End a worker process now (SIGKILL: also one that is stuck or stopped).

        False for a thread, which cannot be ended from outside.
        """
        if self.proc is None:
            return False
        self.proc.kill()
        return True

    def close(self, timeout: float = 30.0) -> None:
        """Wait for the worker to end (a process is terminated after ``timeout``)."""
        if self.proc is not None:
            self.proc.join(timeout=timeout)
            if self.proc.is_alive():
                self.proc.terminate()  # the worker checkpoints on SIGTERM...
                self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()       # ...and must not outlive this anyway
                self.proc.join(timeout=5)
            self.events.close()
            self.inbox.close()
        elif self.thread is not None:
            self.thread.join(timeout=timeout)

    def discard(self) -> None:
        """End an unused warm worker (it holds nothing worth keeping)."""
        if self.proc is not None:
            self.proc.kill()
            self.close(timeout=5)


class JobManager:
    """Runs jobs in worker processes, at most ``max_jobs`` at once, first in first out.

    Parameters
    ----------
    max_jobs : int, optional
        Concurrent jobs; default :func:`explorer.settings.max_jobs` (CPU cores).
    runs_dir : path-like, optional
        Where finished runs are saved, in one folder per owner (:func:`owner_dir`).
    ae_cache_size : int, default=4
        How many pretrained autoencoders to keep for reuse.
    in_process : bool, default=False
        Run each job in a thread of this process instead of a worker process
        (tests: no TensorFlow start-up per job; Stop cannot force an end).
    warm_workers : int, default=0
        Worker processes kept started, with TensorFlow imported, waiting for a
        job; each is replaced once its job has shown its first chart point.
    keep_finished_s : float, default=21600
        Finished jobs are forgotten this many seconds after they ended (their
        runs stay on disk).
    keep_finished : int, default=500
        At most this many finished jobs are remembered; the oldest go first.
    stop_grace_s : float, default=60
        After Stop, a worker process that has not ended within this time is
        terminated.
    max_waiting : int, optional
        Step-mode jobs that wait for Step (an idle worker: no CPU) do not hold
        a training slot: up to this many (default ``max(2, max_jobs)``) count
        against this allowance instead, so a paused class never blocks the
        queue. One that then gets Step or Play runs even when every slot is
        taken (an update is short; while playing it competes like any job).
    step_idle_s : float, default=1200
        A step-mode job that has waited this long for Step is ended, saved like
        a stopped run, with words that say why (its worker holds memory).
    journal : bool, default=True
        Keep every job's record in ``runs_dir/.jobs`` (:mod:`explorer.journal`)
        and read it back now: queued jobs are queued again in their order,
        jobs that were running become ``"interrupted"`` and can be resumed
        (:meth:`resume`) from their last checkpoint.
    """

    def __init__(self, max_jobs: int | None = None, runs_dir=None, ae_cache_size: int = 4, *,
                 in_process: bool = False, warm_workers: int = 0,
                 keep_finished_s: float = 6 * 3600, keep_finished: int = 500,
                 stop_grace_s: float = 60.0, max_waiting: int | None = None,
                 step_idle_s: float = 20 * 60.0, journal: bool = True):
        self.max_jobs = int(max_jobs or settings.max_jobs())
        self.runs_dir = Path(runs_dir) if runs_dir is not None else settings.runs_dir()
        self.in_process = bool(in_process)
        self.warm_workers = 0 if in_process else int(warm_workers)
        self.keep_finished_s = float(keep_finished_s)
        self.keep_finished = int(keep_finished)
        self.stop_grace_s = float(stop_grace_s)
        self.max_waiting = max(2, self.max_jobs) if max_waiting is None else int(max_waiting)
        self.step_idle_s = float(step_idle_s)
        self._parked: set[str] = set()  # step jobs waiting for Step that hold no slot
        self._jobs: dict[str, Job] = {}
        self._by_owner: dict[str, list[Job]] = defaultdict(list)
        self._finished: OrderedDict[str, float] = OrderedDict()  # id -> end time, in order
        self._queue: list[str] = []
        self._positions: dict[str, int] | None = {}  # cache of queue positions
        self._running: set[str] = set()
        self._runners: dict[str, _Runner] = {}  # job id -> its worker, while it runs
        self._lock = threading.Lock()
        self._ae_lock = threading.Lock()
        self._ae_cache: OrderedDict[str, dict] = OrderedDict()
        self._ae_cache_size = ae_cache_size
        self._ae_pins: Counter[str] = Counter()  # path -> jobs loading it now
        self._ae_doomed: set[str] = set()        # evicted while pinned: delete on unpin
        self._warm: list[_Runner] = []
        self._warm_lock = threading.Lock()
        self._closed = False
        self._closing = False  # shutdown(): running jobs end as interrupted
        self._seq = 0
        self._recorded: dict[str, float] = {}  # job id -> when its record was last written
        self._unrecorded: set[str] = set()     # jobs with progress not yet in the journal
        self._journal_lock = threading.Lock()
        self.journal = Journal(self.runs_dir / ".jobs") if journal else None
        self.journal_problems: list[str] = []
        if self.journal is not None:
            self._restore()
        if self.warm_workers:
            self._top_up_warm()
        self._dispatch()

    # ------------------------------------------------------------- public API
    def submit(self, owner: str, config: dict, upload: dict | None = None, *,
               name: str = "", step_mode: bool = False) -> Job:
        """Queue a job for ``owner``; it starts as soon as a slot is free."""
        job = Job(id=secrets.token_urlsafe(12), owner=owner, config=copy.deepcopy(config),
                  upload=upload, name=name or config["data"]["name"], step_mode=step_mode)
        self._prune()
        if self.journal is not None:
            if upload is not None:
                self.journal.save_upload(job.id, upload)
        with self._lock:
            self._seq += 1
            job.seq = self._seq
            self._jobs[job.id] = job
            self._by_owner[job.owner_key].append(job)
            self._queue.append(job.id)
            self._positions = None
        self._record(job)
        self._dispatch()
        return job

    def get(self, job_id: str | None, owner: str) -> Job | None:
        """The job, if it exists and belongs to ``owner``; else None."""
        job = self._jobs.get(job_id or "")
        if job is None or not owner:
            return None
        return job if job.owner == owner or job.owner_key == owner_dir(owner) else None

    def jobs_for(self, owner: str) -> list[Job]:
        """This owner's jobs, newest first."""
        with self._lock:
            return list(reversed(self._by_owner.get(owner_dir(owner), ())))

    def interrupted_for(self, owner: str) -> Job | None:
        """The owner's newest job if it is interrupted (the pages offer Resume), else None."""
        mine = self.jobs_for(owner)
        return mine[0] if mine and mine[0].state == "interrupted" else None

    def owner_path(self, owner: str) -> Path:
        """The folder where ``owner``'s runs are saved."""
        return self.runs_dir / owner_dir(owner)

    def queue_position(self, job: Job) -> int | None:
        """1-based place in the queue, or None when not queued."""
        with self._lock:
            if self._positions is None:
                self._positions = {jid: i + 1 for i, jid in enumerate(self._queue)}
            return self._positions.get(job.id)

    def stop(self, job_id: str, owner: str) -> bool:
        """Ask a job to stop (a queued one is dropped); True when it was found."""
        job = self.get(job_id, owner)
        if job is None:
            return False
        job._request_stop()
        dropped = False
        with self._lock:
            if job.id in self._queue:
                self._queue.remove(job.id)
                self._positions = None
                dropped = True
        if dropped:
            with job.lock:
                job.state, job.phase, job.finished = "stopped", "finished", time.time()
                job.message = "stopped before it started"
                job.upload = None
                job.version += 1
            self._finish(job)
        return True

    def running_count(self) -> int:
        """Jobs training now (step-mode jobs waiting for Step outside the slots not counted)."""
        with self._lock:
            return len(self._running) - len(self._parked)

    def wait(self, job: Job, timeout: float = 600.0) -> bool:
        """Block until the job leaves the active states (tests, CLI); True if it did."""
        end = time.time() + timeout

        def busy() -> bool:  # also its bookkeeping (journal, slot) is done
            with self._lock:
                return job.active or job.id in self._running
        while busy() and time.time() < end:
            time.sleep(0.05)
        return not busy()

    def close(self) -> None:
        """Let the warm workers go (running jobs go on to their end)."""
        self._closed = True
        with self._warm_lock:
            warm, self._warm = self._warm, []
        for runner in warm:
            runner.discard()

    def resume(self, job_id: str, owner: str) -> bool:
        """Queue an interrupted job again; it continues from its last checkpoint.

        The job keeps its id (links to it stay valid). Its worker starts from
        the checkpoint the interrupted worker saved (:mod:`dec_core.checkpoint`),
        else from the cached autoencoder when pretraining had finished, else
        afresh. True when the job was found and interrupted.
        """
        job = self.get(job_id, owner)
        if job is None or job.state != "interrupted" or self._closed:
            return False
        with self._lock:
            self._finished.pop(job.id, None)
            with job.lock:
                job.state, job.phase, job.message, job.error = "queued", "queued", "", ""
                job.started = job.finished = job.first_event = None
                job.pretrain, job.dec, job.sharpening, job.kmeans = [], [], [], {}
                job.step_info, job.resumed = {}, job.resumed + 1
                job._stop_requested = job._interrupt_requested = False
                job._controls = None
                job.version += 1
            self._queue.append(job.id)
            self._positions = None
        self._record(job)
        self._dispatch()
        return True

    def shutdown(self, timeout: float = 6.0) -> None:
        """A graceful stop (SIGTERM): take no more jobs, checkpoint the running ones, end.

        Every running job is asked to save a checkpoint at its next epoch or
        target update and end; within ``timeout`` seconds they are marked
        ``"interrupted"`` (Resume continues from that checkpoint). A worker
        still alive then is killed and its job is marked interrupted at its
        last periodic checkpoint. Queued jobs stay queued in the journal.
        No worker process is left.
        """
        t0 = time.time()
        self._closing = True
        self._closed = True
        with self._lock:
            running = [self._jobs[jid] for jid in self._running if jid in self._jobs]
        _LOG.warning("Shutting down: checkpointing %d running job(s)", len(running))
        for job in running:
            job._request_interrupt()
        def running_now() -> bool:
            return any(j.active for j in running)

        end = time.time() + timeout
        while running_now() and time.time() < end:
            time.sleep(0.05)
        with self._lock:
            runners = list(self._runners.values())
        for runner in runners:  # did not make it in time
            runner.kill()
        end = time.time() + 3
        while running_now() and time.time() < end:
            time.sleep(0.05)
        for job in running:  # the record says what happened before this process ends
            with job.lock:
                if job.active:
                    self._mark_interrupted(job)
                    job.phase, job.finished = "finished", time.time()
                    job.version += 1
            self._record(job)
        self.close()
        _LOG.warning("Shut down in %.1f s: %s; %d killed", time.time() - t0,
                     ", ".join(f"{j.id[:6]} {j.state}" for j in running) or "no jobs",
                     len(runners))

    # -------------------------------------------------------------- internals
    def _dispatch(self) -> None:
        started = []
        with self._lock:
            while (self._queue and len(self._running) - len(self._parked) < self.max_jobs
                   and not self._closed):
                job = self._jobs[self._queue.pop(0)]
                self._positions = None
                self._running.add(job.id)
                job.state, job.phase, job.started = "running", "loading", time.time()
                job.version += 1
                started.append(job)
                threading.Thread(target=self._work, args=(job,), daemon=True,
                                 name=f"dec-job-{job.id[:6]}").start()
        for job in started:
            self._record(job)

    def _set_waiting(self, job: Job, waiting: bool) -> None:
        """A step job began (or ended) waiting for Step: its slot is lent out while the
        waiting allowance lasts, and the queue moves."""
        with self._lock:
            if not waiting:
                self._parked.discard(job.id)
                return
            if job.id in self._running and len(self._parked) < self.max_waiting:
                self._parked.add(job.id)
        self._dispatch()

    def _end_idle(self, job: Job) -> None:
        """End a step job that has waited ``step_idle_s`` for Step (it is saved as stopped)."""
        with job.lock:
            job.idle_ended = True
        job._request_stop()

    def _finish(self, job: Job) -> None:
        with self._lock:
            self._running.discard(job.id)
            self._parked.discard(job.id)
            self._finished[job.id] = job.finished or time.time()
        self._record(job)
        if self.journal is not None and job.state != "interrupted":
            self.journal.drop_leftovers(job.id)  # the checkpoint and upload are not needed
        self._prune()
        self._dispatch()

    def _prune(self) -> None:
        """Forget finished jobs older than ``keep_finished_s``, and all but ``keep_finished``."""
        now = time.time()
        with self._lock:
            while self._finished:
                jid, ended = next(iter(self._finished.items()))
                if now - ended <= self.keep_finished_s and len(self._finished) <= self.keep_finished:
                    break
                self._finished.popitem(last=False)
                job = self._jobs.pop(jid, None)
                if job is not None:
                    mine = self._by_owner.get(job.owner_key, [])
                    if job in mine:  # the oldest come first: O(1) in practice
                        mine.remove(job)
                    if not mine:
                        self._by_owner.pop(job.owner_key, None)
                    self._recorded.pop(jid, None)
                    if self.journal is not None:
                        self.journal.remove(jid)

    def _take_runner(self) -> _Runner:
        """A warm worker when one is alive, else a fresh one."""
        with self._warm_lock:
            while self._warm:
                runner = self._warm.pop(0)
                if runner.is_alive():
                    return runner
                runner.close(timeout=1)
        return _Runner(self.in_process)

    def _top_up_warm(self) -> None:
        """Start warm workers until ``warm_workers`` wait (never more)."""
        if self._closed or not self.warm_workers:
            return
        with self._warm_lock:
            missing = self.warm_workers - len(self._warm)
        for _ in range(max(0, missing)):
            runner = _Runner(in_process=False)  # starts the process; outside the lock
            with self._warm_lock:
                if len(self._warm) < self.warm_workers and not self._closed:
                    self._warm.append(runner)
                    runner = None
            if runner is not None:
                runner.discard()

    def _work(self, job: Job) -> None:
        """Give the job to a worker and apply its events to the job until it ends."""
        if job.upload is None and job.upload_name is not None and self.journal is not None:
            job.upload = self.journal.load_upload(job.id, job.upload_name)  # read back
        key = self._ae_key(job)
        runner = None
        pinned = None
        replaced = False
        try:
            cached = self._pin_autoencoder(key)
            pinned = cached["path"] if cached else None
            spec = {
                "id": job.id, "name": job.name, "config": job.config, "upload": job.upload,
                "step_mode": job.step_mode, "run_dir": str(self.runs_dir / job.owner_key),
                "checkpoint": (str(self.journal.checkpoint_path(job.id))
                               if self.journal is not None else None),
                "created": job.created, "started": job.started, "ae_load": pinned,
                "ae_history": cached["pretrain"] if cached else None,
                "ae_save": str(self._cache_dir() / f"{key}.npz") if cached is None else None,
                "gflops": machine_gflops(),  # measured once per server, for the job's plan
            }
            runner = self._take_runner()
            with self._lock:
                self._runners[job.id] = runner
            job._attach(runner.controls)
            runner.run(spec)
            job.pid = runner.pid
            job.upload = None  # the worker has its copy
            stop_seen = None
            while True:
                try:
                    event = runner.events.get(timeout=0.3)
                except queue.Empty:
                    self._flush_progress(job)
                    if not runner.is_alive():
                        try:  # the last words may still be in the pipe
                            event = runner.events.get(timeout=1.0)
                        except queue.Empty:
                            if stop_seen is not None:
                                self._ended_by_stop(job)
                                break
                            raise RuntimeError(
                                f"the worker process ended unexpectedly (exit code "
                                f"{runner.exitcode}); it may have run out of memory") from None
                    elif job.stop_requested:
                        stop_seen = stop_seen or time.time()
                        if time.time() - stop_seen >= self.stop_grace_s:
                            runner.kill()  # it does not listen: end it
                        continue
                    else:
                        since = job.waiting_since
                        if since is not None and time.time() - since >= self.step_idle_s:
                            self._end_idle(job)
                        continue
                if not replaced and isinstance(event, (*ev.CHART_EVENTS, ev.Done, ev.Failed)):
                    replaced = True  # the job is under way: now start its replacement
                    threading.Thread(target=self._top_up_warm, daemon=True).start()
                if self._apply(job, key, event):
                    break
                if isinstance(event, ev.StepWaiting):
                    self._set_waiting(job, event.waiting)
                self._note_progress(job, event)
        except Exception as err:  # report, never kill the server
            with job.lock:
                if self._closing:  # killed by shutdown(): resumable from its last checkpoint
                    self._mark_interrupted(job)
                else:
                    job.state = "failed"
                    job.error = str(err)
        finally:
            with self._lock:
                self._runners.pop(job.id, None)
            if runner is not None:
                runner.close()
            if pinned:
                self._unpin_autoencoder(pinned)
            with job.lock:
                job.finished = job.finished or time.time()
                job.phase = "finished"
                job.upload = None
                job.waiting_since = None
                job.version += 1
            if not replaced:
                self._top_up_warm()
            self._finish(job)

    # ---------------------------------------------------------------- journal
    def _record(self, job: Job) -> None:
        """Write the job's record to the journal (never the owner token)."""
        if self.journal is None:
            return
        with self._journal_lock:  # two threads never write one record out of order
            with job.lock:
                record = {
                    "id": job.id, "owner": job.owner_key, "seq": job.seq, "name": job.name,
                    "config": job.config, "step_mode": job.step_mode, "upload": job.upload_name,
                    "state": job.state, "phase": job.phase, "message": job.message,
                    "error": job.error, "created": job.created, "started": job.started,
                    "finished": job.finished, "run_path": job.run_path, "scores": dict(job.scores),
                    "warnings": list(job.warnings), "resume_from": job.resume_from,
                    "resumed": job.resumed, "autoencoder_source": job.autoencoder_source,
                    "progress": _progress(job),
                }
            self._recorded[job.id] = time.time()
            try:
                self.journal.write(record)
            except OSError as err:  # a full disk must not end the job
                self.journal_problems.append(f"{job.id}: {err}")

    def _note_progress(self, job: Job, event: object) -> None:
        """Record a phase change at once, chart progress at most once per PROGRESS_EVERY_S."""
        if self.journal is None:
            return
        first = ((isinstance(event, ev.Epoch) and len(job.pretrain) == 1)
                 or (isinstance(event, ev.DecUpdate) and len(job.dec) == 1))
        if first or isinstance(event, (ev.Phase, ev.Resumed, ev.KMeansDone)):
            # a phase's first epoch / update too: a restart soon after says "update 0",
            # not "the start of DEC"
            self._record(job)
        elif isinstance(event, (ev.Epoch, ev.DecUpdate)):
            self._unrecorded.add(job.id)
            self._flush_progress(job)

    def _flush_progress(self, job: Job) -> None:
        """Write progress not yet recorded, once PROGRESS_EVERY_S has passed since the last."""
        if (job.id in self._unrecorded
                and time.time() - self._recorded.get(job.id, 0.0) >= PROGRESS_EVERY_S):
            self._unrecorded.discard(job.id)
            self._record(job)

    def _mark_interrupted(self, job: Job, position: dict | None = None) -> None:
        """The job ended without its run (a restart, a shutdown); Resume can continue it.

        Called with ``job.lock`` held.
        """
        job.state = "interrupted"
        job.message = f"interrupted by {INTERRUPTED_BY} at {where(_progress(job))}"
        job.resume_from = self._resume_point(job, position)
        job.error = ""

    def _resume_point(self, job: Job, position: dict | None = None) -> str:
        """Where Resume would continue, in words (see the worker's ``_train``)."""
        if position is None and self.journal is not None:
            position = checkpoint_position(self.journal.checkpoint_path(job.id))
        if position and position.get("phase") == "dec":
            return f"the checkpoint at {describe(position)}"
        try:
            upload = job.upload or (self.journal.load_upload(job.id, job.upload_name)
                                    if job.upload_name and self.journal else None)
            cached = (self._cache_dir() / f"{self._ae_key(job, upload)}.npz").is_file()
        except (KeyError, TypeError, OSError):
            cached = False
        if cached:
            return ("the pretrained autoencoder (pretraining had finished; k-means and DEC "
                    "run again)")
        if position:
            return f"the checkpoint at {describe(position)}"
        return "the start (no checkpoint was saved before the interruption)"

    def _restore(self) -> None:
        """Read the journal: queued jobs queue again in order, running ones are interrupted."""
        records, self.journal_problems = self.journal.load()
        now = time.time()
        for rec in records:
            try:
                job = Job(id=rec["id"], owner="", owner_key=rec["owner"], config=rec["config"],
                          name=rec.get("name", ""), step_mode=bool(rec.get("step_mode")),
                          upload_name=rec.get("upload"), seq=int(rec.get("seq", 0)),
                          created=float(rec.get("created") or now), restored=True)
            except (KeyError, TypeError, ValueError) as err:
                self.journal_problems.append(f"{rec.get('id')}: {err}")
                continue
            state = rec.get("state", "queued")
            job.started, job.finished = rec.get("started"), rec.get("finished")
            job.run_path, job.scores = rec.get("run_path"), rec.get("scores") or {}
            job.warnings, job.error = list(rec.get("warnings") or []), rec.get("error", "")
            job.message, job.resumed = rec.get("message", ""), int(rec.get("resumed", 0))
            job.resume_from = rec.get("resume_from", "")
            job.autoencoder_source = rec.get("autoencoder_source", "live")
            self._seq = max(self._seq, job.seq)
            if state == "queued":
                job.state = job.phase = "queued"
            else:
                job.phase = "finished"
                if state == "running":  # the server ended under it
                    job.state = "interrupted"
                    job.message = f"interrupted by {INTERRUPTED_BY} at " \
                                  f"{where(rec.get('progress') or {})}"
                    job.resume_from = self._resume_point(job)
                    job.finished = job.finished or now
                else:
                    job.state = state
                    _fill_from_run(job)
            self._jobs[job.id] = job
            self._by_owner[job.owner_key].append(job)
            if job.state == "queued":
                self._queue.append(job.id)
            else:
                self._finished[job.id] = job.finished or now
            if state == "running":
                self._record(job)
        self._positions = None
        # oldest end first, as _prune expects
        self._finished = OrderedDict(sorted(self._finished.items(), key=lambda kv: kv[1]))

    def _ended_by_stop(self, job: Job) -> None:
        with job.lock:
            job.state = "stopped"
            job.message = (f"stopped: the worker did not end within {self.stop_grace_s:g} s "
                           "of Stop, so it was ended; nothing was saved")

    def _apply(self, job: Job, key: str, event: object) -> bool:
        """Apply one worker event to the job; True when the job is over."""
        over = False
        with job.lock:
            match event:
                case ev.Phase(name=name):
                    job.phase = name
                    job.phase_started.setdefault(name, time.time())
                case ev.Planned(estimate=plan):  # no chart changes: the version stays,
                    job.plan = plan                  # progress() reads them at every look
                    return False
                case ev.PretrainProgress(done=done):
                    job.pretrain_done = float(done)
                    return False
                case ev.DatasetLoaded(info=info, pretrain_epochs=n):
                    job.dataset_info, job.pretrain_epochs = info, n
                case ev.Epoch(stage=stage, loss=loss, seconds=seconds):
                    job.pretrain.append({"stage": stage, "loss": loss, "seconds": seconds,
                                         "epoch": len(job.pretrain) + 1})
                case ev.KMeansDone(scores=scores):
                    job.kmeans = scores
                    job.phase = "dec"
                    job.phase_started.setdefault("dec", time.time())
                case ev.DecUpdate(row=row, sharpening=sharpening, step_info=step_info):
                    job.dec.append(row)
                    job.dec_last_update = time.time()
                    if sharpening is not None:
                        job.sharpening.append(sharpening)
                        job.step_info = step_info
                case ev.Done():
                    job.run_path, job.scores = event.run_path, event.scores
                    job.warnings.extend(event.warnings)
                    job.message, job.stop = event.message, event.stop
                    if job.idle_ended:
                        job.stop = None
                        job.message = (
                            f"ended after waiting {self.step_idle_s / 60:g} minutes for Step, "
                            "so that other runs get the server; the model so far is saved "
                            "(Start in step mode again to go on from the beginning)")
                    job.state = "stopped" if job.stop_requested else "done"
                    over = True
                case ev.Failed(error=error):
                    job.state, job.error = "failed", error
                    over = True
                case ev.Resumed(position=pos, pretrain=rows, kmeans=scores, dec=dec_rows):
                    job.pretrain = [{**row, "epoch": i + 1} for i, row in enumerate(rows)]
                    job.kmeans, job.dec = dict(scores), list(dec_rows)
                    job.phase = "dec" if pos.get("phase") == "dec" else "pretraining"
                    job.message = f"resumed from the checkpoint at {describe(pos)}"
                case ev.Interrupted():
                    self._mark_interrupted(job, event.position)
                    over = True
                case ev.Ready():
                    return False
                case ev.StepWaiting(waiting=waiting):
                    job.waiting_since = (job.waiting_since or time.time()) if waiting else None
                case ev.AutoencoderSaved():
                    pass
                case ev.AutoencoderReused(source=source, pretrain=rows):
                    if job.resumed and source == "cached":
                        source = "resumed"
                    job.reused_autoencoder, job.autoencoder_source = True, source
                    job.pretrain.extend({**row, "epoch": i + 1} for i, row in enumerate(rows))
                    job.message = AUTOENCODER_SOURCES[source]
                case _:
                    raise TypeError(f"unknown worker event {event!r}")
            if isinstance(event, ev.CHART_EVENTS) and job.first_event is None:
                job.first_event = time.time()
            if over:  # the page sees the end now, not after the process has exited
                job.phase, job.finished = "finished", time.time()
                job.waiting_since = None
            job.version += 1
        if isinstance(event, ev.AutoencoderSaved):
            self._remember_autoencoder(key, event)
        return over

    # ------------------------------------------------------- autoencoder cache
    def _cache_dir(self) -> Path:
        path = self.runs_dir / ".cache"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _pin_autoencoder(self, key: str) -> dict | None:
        """The cached autoencoder for ``key``, pinned so no eviction deletes it; or None.

        One saved before a restart is found on disk (weights and, beside them,
        the pretraining curve).
        """
        with self._ae_lock:
            cached = self._ae_cache.get(key)
            if cached is None:
                path = self._cache_dir() / f"{key}.npz"
                try:
                    rows = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return None
                if not path.is_file():
                    return None
                cached = self._ae_cache[key] = {"path": str(path), "pretrain": rows}
                self._evict()
            if not Path(cached["path"]).is_file():
                del self._ae_cache[key]
                return None
            self._ae_cache.move_to_end(key)
            self._ae_pins[cached["path"]] += 1
            return cached

    def _unpin_autoencoder(self, path: str) -> None:
        with self._ae_lock:
            self._ae_pins[path] -= 1
            if self._ae_pins[path] <= 0:
                del self._ae_pins[path]
                if path in self._ae_doomed:
                    self._ae_doomed.discard(path)
                    _remove(path)

    def _remember_autoencoder(self, key: str, saved: ev.AutoencoderSaved) -> None:
        try:  # its curve beside it: a server after a restart can reuse it too
            from dec_core.runs import atomic_write_bytes

            atomic_write_bytes(Path(saved.path).with_suffix(".json"),
                               json.dumps(saved.pretrain).encode("utf-8"))
        except OSError:
            pass
        with self._ae_lock:
            self._ae_cache[key] = {"path": saved.path, "pretrain": saved.pretrain}
            self._ae_cache.move_to_end(key)
            self._evict()

    def _evict(self) -> None:
        """Drop the least recently used autoencoders beyond the cache size (lock held)."""
        while len(self._ae_cache) > self._ae_cache_size:
            _, old = self._ae_cache.popitem(last=False)
            if self._ae_pins[old["path"]] > 0:
                self._ae_doomed.add(old["path"])  # a worker is loading it: later
            else:
                self._ae_pins.pop(old["path"], None)
                _remove(old["path"])

    def _ae_key(self, job: Job, upload: dict | None = None) -> str:
        cfg = job.config
        upload = upload or job.upload
        # Built-in data sets share pretrained weights across sessions (nothing
        # private in them); an upload's weights stay with its owner.
        payload = {
            "data": cfg["data"], "hidden": cfg["model"]["hidden"],
            "upload": upload_digest(upload["bytes"]) if upload else None,
            "owner": job.owner_key if upload else None,
            # dec_core's PRETRAIN_KEYS (SGD's momentum only with SGD, ...), and the step budget
            **pretrain_settings({**cfg["train"], "random_state": cfg["train"].get("seed")},
                                defaults=False),
            "pretrain_steps": cfg["train"].get("pretrain_steps"),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _fill_from_run(job: Job) -> None:
    """A finished job read back from the journal: its charts from its saved run."""
    if not job.run_path:
        return
    try:
        run = Path(job.run_path)
        history = json.loads((run / "history.json").read_text(encoding="utf-8"))["history"]
        info = json.loads((run / "config.json").read_text(encoding="utf-8")).get("dataset", {})
    except (OSError, ValueError, KeyError, TypeError):
        return  # the run was deleted or moved: the page says what the record says
    pretrain, job.kmeans, job.dec = ev.rows_from_history(history)
    job.pretrain = [{**row, "epoch": i + 1} for i, row in enumerate(pretrain)]
    job.pretrain_epochs, job.dataset_info = len(pretrain), dict(info)


def _progress(job: Job) -> dict:
    """How far a job got (the journal keeps it): phase, epochs, last update."""
    return {"phase": job.phase, "epoch": len(job.pretrain), "epochs": job.pretrain_epochs,
            "reused": job.reused_autoencoder,
            "update": job.dec[-1]["update"] if job.dec else None}


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


def _remove(path: str) -> None:
    for name in (path, str(Path(path).with_suffix(".json")) if path.endswith(".npz") else None):
        try:
            if name:
                os.remove(name)
        except OSError:
            pass


# --------------------------------------------------------------- spawn fix
_NO_MAIN = threading.local()


def _start_without_main(proc) -> None:
    """Start a spawned process without re-running the parent's ``__main__`` in it.

    The "spawn" start method re-imports the parent's main module in the child
    (as ``__mp_main__``). While Streamlit runs a page, ``sys.modules["__main__"]``
    is that page's script, so every worker would run the page again, headless
    (streamlit/streamlit#8957, "st.navigation ... does not allow multiprocessing";
    also #4788). Neither Streamlit nor CPython offers a switch for this, so for
    this one ``start`` call (this thread only; other sessions' starts are not
    touched) the preparation data sent to the child leaves out the main module.
    The worker needs nothing from it: its target lives in :mod:`explorer.worker`.
    """
    spawn = multiprocessing.spawn
    if not hasattr(spawn, "_dec_explorer_original"):  # install once per process
        original = spawn.get_preparation_data
        flag = _NO_MAIN

        def preparation_data(name):
            data = original(name)
            if getattr(flag, "on", False):
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
            return data

        spawn._dec_explorer_original = original
        spawn._dec_explorer_flag = flag
        spawn.get_preparation_data = preparation_data
    flag = spawn._dec_explorer_flag  # the same one even if this module was reloaded
    flag.on = True
    try:
        proc.start()
    finally:
        flag.on = False


_MANAGER: JobManager | None = None
_MANAGER_LOCK = threading.Lock()


def manager() -> JobManager:
    """The process-wide job manager (shared by every session of the server).

    It keeps :func:`explorer.settings.warm_workers` worker processes warm, and
    reads the journal of the runs folder (jobs from before a restart). When
    the server process ends normally (Streamlit's SIGTERM / Ctrl-C handler
    stops its event loop, then the interpreter exits), :meth:`JobManager.shutdown`
    checkpoints the running jobs and marks them interrupted.
    """
    global _MANAGER
    with _MANAGER_LOCK:
        if _MANAGER is None:
            _MANAGER = JobManager(warm_workers=settings.warm_workers())
            atexit.register(_MANAGER.shutdown)
        return _MANAGER
