"""One training job as the server keeps it: :class:`Job`, its states and its record.

Only the :class:`~explorer.jobs.JobManager` changes a job (through the methods
under "called by the manager"); pages read :meth:`Job.view` and use the step
controls. The words for a job's states live in :mod:`explorer.text.states`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dec_core.cost import remaining_seconds
from explorer.jobs import events as ev
from explorer.jobs.controls import Controls
from explorer.live_map import replay as live_replay
from explorer.text.states import (
    AUTOENCODER_SOURCES,
    idle_end_message,
    interrupted_message,
    resumed_message,
)

STATES_ACTIVE = ("queued", "running")
STATES_ENDED = ("done", "stopped", "failed", "interrupted")


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
    # The job cache's key of the autoencoder it pretrains, set when a worker takes the job
    # (the upload's bytes leave the server then, so the key can't be computed again).
    autoencoder_key: str = ""
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
    _idle_limit_s: float = field(default=0.0, repr=False)  # step mode: the wait that ended it

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
        plus left; without one (a worker that has not planned yet), the
        fraction counts pretraining epochs and DEC iterations and the ETA
        waits for 2% of the work.
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

    # -- called by the manager: the only code that changes a job
    def apply(self, event: object, *, resume_from: str = "") -> bool:
        """Apply one worker event (:mod:`explorer.jobs.events`); True when the job is over.

        Parameters
        ----------
        event : object
            One of the worker's events; anything else raises TypeError.
        resume_from : str, default=""
            For :class:`~explorer.jobs.events.Interrupted`: where Resume
            continues, in words (the manager knows the checkpoint and the cache).
        """
        with self.lock:
            match event:
                case ev.Planned(estimate=plan):  # no chart changes: the version stays,
                    self.plan = plan                 # progress() reads them at every look
                    return False
                case ev.PretrainProgress(done=done):
                    self.pretrain_done = float(done)
                    return False
                case ev.Ready():
                    return False
                case ev.Done() | ev.Failed() | ev.Interrupted():
                    self._apply_end(event, resume_from)
                    over = True
                case _:
                    self._apply_progress(event)
                    over = False
            if isinstance(event, ev.CHART_EVENTS) and self.first_event is None:
                self.first_event = time.time()
            self.version += 1  # an ended job has its end drawn now, not at its thread's exit
            return over

    def _apply_progress(self, event: object) -> None:
        """:meth:`apply` for the events of a job under way (``self.lock`` held)."""
        match event:
            case ev.Phase(name=name):
                self.phase = name
                self.phase_started.setdefault(name, time.time())
            case ev.DatasetLoaded(info=info, pretrain_epochs=n):
                self.dataset_info, self.pretrain_epochs = info, n
            case ev.Epoch(stage=stage, loss=loss, seconds=seconds):
                self.pretrain.append({"stage": stage, "loss": loss, "seconds": seconds,
                                      "epoch": len(self.pretrain) + 1})
            case ev.KMeansDone(scores=scores):
                self.kmeans = scores
                self.phase = "dec"
                self.phase_started.setdefault("dec", time.time())
            case ev.DecUpdate(row=row, sharpening=sharpening, step_info=step_info):
                self.dec.append(row)
                self.dec_last_update = time.time()
                if sharpening is not None:
                    self.sharpening.append(sharpening)
                    self.step_info = step_info
                    frame = live_replay.compact(step_info)
                    if frame is not None and len(self.replay) < live_replay.MAX_FRAMES:
                        self.replay.append(frame)
            case ev.Resumed(position=pos, pretrain=rows, kmeans=scores, dec=dec_rows):
                self.pretrain = [{**row, "epoch": i + 1} for i, row in enumerate(rows)]
                self.kmeans, self.dec = dict(scores), list(dec_rows)
                self.phase = "dec" if pos.get("phase") == "dec" else "pretraining"
                self.message = resumed_message(pos)
            case ev.StepWaiting(waiting=waiting):
                self.waiting_since = (self.waiting_since or time.time()) if waiting else None
            case ev.AutoencoderSaved():
                pass  # the manager puts it in its cache
            case ev.AutoencoderReused(source=source, pretrain=rows):
                if self.resumed and source == "cached":
                    source = "resumed"
                self.reused_autoencoder, self.autoencoder_source = True, source
                self.pretrain.extend({**row, "epoch": i + 1} for i, row in enumerate(rows))
                self.message = AUTOENCODER_SOURCES[source]
            case _:
                raise TypeError(f"unknown worker event {event!r}")

    def _apply_end(self, event: object, resume_from: str) -> None:
        """:meth:`apply` for the events that end a job (``self.lock`` held)."""
        match event:
            case ev.Done():
                self.run_path, self.scores = event.run_path, event.scores
                self.warnings.extend(event.warnings)
                message, self.stop = event.message, event.stop
                if self.idle_ended:
                    self.stop = None
                    message = idle_end_message(self._idle_limit_s)
                self._end("stopped" if self._stop_requested else "done", message)
            case ev.Failed(error=error):
                self._end("failed", error=error)
            case ev.Interrupted():
                self._end_interrupted(resume_from)

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

    def _end_interrupted(self, resume_from: str, progress: dict | None = None, *,
                         at: float | None = None) -> None:
        """End as interrupted (a restart, a shutdown): no run; Resume continues it.

        ``resume_from`` says where, in words; ``progress`` is how far it got
        (default: :meth:`progress_record`). Call with ``self.lock`` held.
        """
        self.resume_from = resume_from
        self._end("interrupted", interrupted_message(progress or self.progress_record()), at=at)

    def _end_when_idle(self, limit_s: float) -> None:
        """Step mode: end the job after it waited ``limit_s`` seconds for Step (saved, as a Stop)."""
        with self.lock:
            self.idle_ended, self._idle_limit_s = True, float(limit_s)
        self._request_stop()

    def _begin(self) -> None:
        """A slot is free: the job starts running (its worker loads the data)."""
        with self.lock:
            self.state, self.phase, self.started = "running", "loading", time.time()
            self.version += 1

    def _requeue(self) -> None:
        """Resume: an interrupted job waits in the queue again, its charts cleared."""
        with self.lock:
            self.state, self.phase, self.message, self.error = "queued", "queued", "", ""
            self.started = self.finished = self.first_event = None
            self.pretrain, self.dec, self.sharpening, self.kmeans = [], [], [], {}
            self.step_info, self.resumed = {}, self.resumed + 1
            self._progress_floor = 0.0  # a new attempt: its bar starts from its own start
            self.replay = []
            self._stop_requested = self._interrupt_requested = False
            self._controls = None
            self.version += 1

    # -- the journal's record (explorer.jobs.journal)
    def progress_record(self) -> dict:
        """How far the job got: phase, epochs, last update (the words: ``states.where``)."""
        return {"phase": self.phase, "epoch": len(self.pretrain), "epochs": self.pretrain_epochs,
                "reused": self.reused_autoencoder,
                "update": self.dec[-1]["update"] if self.dec else None}

    def to_record(self) -> dict:
        """The job's journal record: what a restart needs, never the owner token."""
        with self.lock:
            return {
                "id": self.id, "owner": self.owner_key, "seq": self.seq, "name": self.name,
                "config": self.config, "step_mode": self.step_mode, "upload": self.upload_name,
                "state": self.state, "phase": self.phase, "message": self.message,
                "error": self.error, "created": self.created, "started": self.started,
                "finished": self.finished, "run_path": self.run_path, "scores": dict(self.scores),
                "warnings": list(self.warnings), "resume_from": self.resume_from,
                "resumed": self.resumed, "autoencoder_source": self.autoencoder_source,
                "progress": self.progress_record(),
            }

    @classmethod
    def from_record(cls, record: dict, now: float | None = None) -> Job:
        """A job read back from its record (:meth:`to_record`) after a restart.

        A queued job is queued again, an ended one ends again as it was (its
        charts from its saved run). A job that was ``"running"`` stays so: the
        manager ends it as interrupted, since where Resume continues depends on
        its checkpoint and its autoencoder cache.

        Parameters
        ----------
        record : dict
            What :meth:`to_record` wrote.
        now : float, optional
            When the server read it back (the end time of a job that ended
            before); default now.

        Raises
        ------
        KeyError, TypeError, ValueError
            The record is incomplete, or its state is unknown.
        """
        now = time.time() if now is None else now
        job = cls(id=record["id"], owner="", owner_key=record["owner"], config=record["config"],
                  name=record.get("name", ""), step_mode=bool(record.get("step_mode")),
                  upload_name=record.get("upload"), seq=int(record.get("seq", 0)),
                  created=float(record.get("created") or now), restored=True)
        state = record.get("state", "queued")
        job.started, job.finished = record.get("started"), record.get("finished")
        job.run_path, job.scores = record.get("run_path"), record.get("scores") or {}
        job.warnings, job.error = list(record.get("warnings") or []), record.get("error", "")
        job.message, job.resumed = record.get("message", ""), int(record.get("resumed", 0))
        job.resume_from = record.get("resume_from", "")
        job.autoencoder_source = record.get("autoencoder_source", "live")
        if state == "running":
            job.state = "running"
        elif state in STATES_ENDED:
            with job.lock:
                job._end(state, error=job.error, at=now)
            job._charts_from_run()
        elif state != "queued":
            raise ValueError(f"unknown state {state!r}")
        return job

    def _charts_from_run(self) -> None:
        """A finished job read back from the journal: its charts from its saved run."""
        from dec_core.runs import read_config

        if not self.run_path:
            return
        try:
            run = Path(self.run_path)
            history = json.loads((run / "history.json").read_text(encoding="utf-8"))["history"]
            info = read_config(run).get("dataset", {})
        except (OSError, ValueError, KeyError, TypeError):
            return  # the run was deleted or moved: the page says what the record says
        pretrain, self.kmeans, self.dec = ev.rows_from_history(history)
        self.pretrain = [{**row, "epoch": i + 1} for i, row in enumerate(pretrain)]
        self.pretrain_epochs, self.dataset_info = len(pretrain), dict(info)

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

