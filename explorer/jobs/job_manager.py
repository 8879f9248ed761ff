"""The job manager: the registry of jobs, the queue and its slots, and each job's pump.

A pump is the thread that gives a job to a worker (:mod:`explorer.jobs.pool`)
and applies the worker's events to the :class:`~explorer.jobs.Job`
(:meth:`Job.apply <explorer.jobs.Job.apply>`); the manager is the only code
that changes a job. It also writes the journal (:mod:`explorer.jobs.journal`),
reads it back after a restart, and shuts down gracefully. See
:mod:`explorer.jobs` for the whole picture (how a page polls cheaply).
"""

from __future__ import annotations

import copy
import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict, defaultdict
from pathlib import Path

from dec_core.checkpoint import position as checkpoint_position
from dec_core.cost import machine_gflops
from explorer import settings
from explorer.jobs import events as ev
from explorer.jobs.cache import AutoencoderCache
from explorer.jobs.job import Job, owner_dir
from explorer.jobs.journal import PROGRESS_EVERY_S, Journal
from explorer.jobs.pool import Runner, WarmPool
from explorer.text.states import (
    NO_RESULT,
    STOPPED_BEFORE_START,
    resume_point,
    stop_grace_message,
    worker_died_error,
)

_LOG = logging.getLogger(__name__)


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
        job; each is replaced once its job has ended.
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
        Keep every job's record in the runs folder (:mod:`explorer.jobs.journal`)
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
        self.keep_finished_s = float(keep_finished_s)
        self.keep_finished = int(keep_finished)
        self.stop_grace_s = float(stop_grace_s)
        self.max_waiting = max(2, self.max_jobs) if max_waiting is None else int(max_waiting)
        self.step_idle_s = float(step_idle_s)
        # the registry and the queue, under self._lock
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._by_owner: dict[str, list[Job]] = defaultdict(list)
        self._finished: OrderedDict[str, float] = OrderedDict()  # id -> end time, in order
        self._queue: list[str] = []
        self._positions: dict[str, int] | None = {}  # cache of queue positions
        self._running: set[str] = set()
        self._parked: set[str] = set()  # step jobs waiting for Step that hold no slot
        self._runners: dict[str, Runner] = {}  # job id -> its worker, while it runs
        self._seq = 0
        self._closed = False
        self._closing = False  # shutdown(): running jobs end as interrupted
        self.autoencoders = AutoencoderCache(self.runs_dir / ".cache", ae_cache_size)
        self.pool = WarmPool(warm_workers, in_process=in_process)
        # the journal, under self._journal_lock
        self._journal_lock = threading.Lock()
        self._recorded: dict[str, float] = {}  # job id -> when its record was last written
        self._unrecorded: set[str] = set()     # jobs with progress not yet in the journal
        self.journal = Journal(self.runs_dir) if journal else None
        if self.journal is not None:
            self._restore()
        self.pool.top_up()
        self._dispatch()

    # ----------------------------------------------------------- the registry
    def submit(self, owner: str, config: dict, upload: dict | None = None, *,
               name: str = "", step_mode: bool = False, plan: dict | None = None) -> Job:
        """Queue a job for ``owner``; it starts as soon as a slot is free.

        Parameters
        ----------
        owner : str
            The browser's owner token.
        config : dict
            ``{"data": ..., "model": ..., "train": ...}`` (copied).
        upload : dict, optional
            An uploaded data file, ``{"name", "bytes"}``.
        name : str, optional
            The run's name; default the data set's.
        step_mode : bool, default=False
            Wait for Step at every DEC update.
        plan : dict, optional
            A :func:`dec_core.cost.estimate` (``as_dict``) for the job's ETA
            until its worker plans its own.
        """
        job = Job(id=secrets.token_urlsafe(12), owner=owner, config=copy.deepcopy(config),
                  upload=upload, name=name or config["data"]["name"], step_mode=step_mode,
                  plan=dict(plan or {}))
        self._prune()
        if self.journal is not None and upload is not None:
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

    # ---------------------------------------------------- the queue and slots
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
                job._end("stopped", STOPPED_BEFORE_START)
            self._finish(job)
        return True

    def resume(self, job_id: str, owner: str) -> bool:
        """Queue an interrupted job again; it continues from its last checkpoint.

        The job keeps its id (links to it stay valid). Its worker starts from
        the checkpoint the interrupted worker saved (:mod:`dec_core.checkpoint`),
        else from the cached autoencoder when pretraining had finished, else
        afresh. True when the job was found and interrupted.
        """
        job = self.get(job_id, owner)
        if job is None:
            return False
        with self._lock:  # checked and queued at once: two tabs' Resume queue it once
            if job.state != "interrupted" or self._closed:
                return False
            self._finished.pop(job.id, None)
            job._requeue()
            self._queue.append(job.id)
            self._positions = None
        self._record(job)
        self._dispatch()
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

    def _dispatch(self) -> None:
        """Start queued jobs while slots are free, each in a pump thread of its own."""
        started = []
        with self._lock:
            while (self._queue and len(self._running) - len(self._parked) < self.max_jobs
                   and not self._closed):
                job = self._jobs[self._queue.pop(0)]
                self._positions = None
                self._running.add(job.id)
                job._begin()
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

    def _finish(self, job: Job) -> None:
        """An ended job gives up its slot; the queue moves."""
        with self._lock:
            self._running.discard(job.id)
            self._parked.discard(job.id)
            self._finished[job.id] = job.finished or time.time()
        self._record(job)
        if self.journal is not None and job.state != "interrupted":
            self.journal.drop_leftovers(job.id)  # the checkpoint and upload are not needed
        self._prune()
        self._dispatch()

    # ------------------------------------------------------ a job's pump
    def _work(self, job: Job) -> None:
        """Give the job to a worker and apply its events to the job until it ends."""
        runner = None
        pinned = None
        try:  # everything that can fail inside: a broken job ends, it never holds its slot
            if job.upload is None and job.upload_name is not None and self.journal is not None:
                job.upload = self.journal.load_upload(job.id, job.upload_name)  # read back
            key = self.autoencoders.key(job.config, job.owner_key, job.upload)
            job.autoencoder_key = key
            cached = self.autoencoders.pin(key)
            pinned = cached["path"] if cached else None
            spec = self._spec(job, key, cached)
            runner = self.pool.take()
            with self._lock:
                self._runners[job.id] = runner
            job._attach(runner.controls)
            runner.run(spec)
            job.pid = runner.pid
            job.upload = None  # the worker has its copy
            self._pump(job, key, runner)
        except Exception as err:  # report, never kill the server
            self._end_broken(job, str(err))
        finally:
            with self._lock:
                self._runners.pop(job.id, None)
            if runner is not None:
                runner.close()
            if pinned:
                self.autoencoders.unpin(pinned)
            with job.lock:
                if job.active:  # every way out of the loop ends the job; this is a safety net
                    job._end("failed", error=NO_RESULT)
            self._finish(job)
            # The replacement starts once the job has ended: its TensorFlow import (3-4
            # CPU seconds) would otherwise share the cores with the job it replaces and
            # with the browser watching that job.
            if not self._closed:
                self.pool.top_up()

    def _spec(self, job: Job, key: str, cached: dict | None) -> dict:
        """What the worker needs to run the job (:func:`explorer.jobs.worker.run_job`)."""
        return {
            "id": job.id, "name": job.name, "config": job.config, "upload": job.upload,
            "step_mode": job.step_mode, "run_dir": str(self.runs_dir / job.owner_key),
            "checkpoint": (str(self.journal.checkpoint_path(job.id))
                           if self.journal is not None else None),
            "created": job.created, "started": job.started,
            "ae_load": cached["path"] if cached else None,
            "ae_history": cached["pretrain"] if cached else None,
            "ae_save": str(self.autoencoders.path(key)) if cached is None else None,
            "gflops": machine_gflops(),  # measured once per server, for the job's plan
        }

    def _pump(self, job: Job, key: str, runner: Runner) -> None:
        """Apply the worker's events to the job until it ends; watch Stop and Step's wait."""
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
                        if stop_seen is None:
                            raise RuntimeError(worker_died_error(runner.exitcode)) from None
                        with job.lock:
                            job._end("stopped", stop_grace_message(self.stop_grace_s))
                        return
                elif job.stop_requested:
                    stop_seen = stop_seen or time.time()
                    if time.time() - stop_seen >= self.stop_grace_s:
                        runner.kill()  # it does not listen: end it
                    continue
                else:
                    since = job.waiting_since
                    if since is not None and time.time() - since >= self.step_idle_s:
                        job._end_when_idle(self.step_idle_s)
                    continue
            if self._take(job, key, event):
                return

    def _take(self, job: Job, key: str, event: object) -> bool:
        """Apply one worker event to the job, then what it means to the server; True when over."""
        resume_from = ""
        if isinstance(event, ev.Interrupted):
            resume_from = self._resume_point(job, event.position)
        if job.apply(event, resume_from=resume_from):
            return True
        if isinstance(event, ev.AutoencoderSaved):
            self.autoencoders.remember(key, event.path, event.pretrain)
        elif isinstance(event, ev.StepWaiting):
            self._set_waiting(job, event.waiting)
        self._note_progress(job, event)
        return False

    def _end_broken(self, job: Job, error: str) -> None:
        """The pump failed: the job fails, or under :meth:`shutdown` it is interrupted."""
        # a worker killed by shutdown() left its last periodic checkpoint: resumable
        resume_from = self._resume_point(job) if self._closing and job.active else ""
        with job.lock:
            if not job.active:
                return  # it had ended already
            if self._closing:
                job._end_interrupted(resume_from)
            else:
                job._end("failed", error=error)

    # ------------------------------------------------------------ the journal
    def _record(self, job: Job) -> None:
        """Write the job's record to the journal (:meth:`Job.to_record`)."""
        if self.journal is None:
            return
        with self._journal_lock:  # two threads never write one record out of order
            record = job.to_record()
            self._recorded[job.id] = time.time()
            self._unrecorded.discard(job.id)
            try:
                self.journal.write(record)
            except OSError as err:  # a full disk must not end the job
                _LOG.warning("Journal: the record of job %s was not written: %s", job.id, err)

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

    def _resume_point(self, job: Job, position: dict | None = None) -> str:
        """Where Resume would continue an interrupted job, in words (:func:`resume_point`).

        ``position`` is the checkpoint's (default: read from the journal's file).
        Reads disk: call without ``job.lock``.
        """
        if position is None and self.journal is not None:
            position = checkpoint_position(self.journal.checkpoint_path(job.id))
        if position and position.get("phase") == "dec":
            return resume_point(position, autoencoder_cached=False)  # further along than it
        try:
            upload = job.upload or (self.journal.load_upload(job.id, job.upload_name)
                                    if job.upload_name and self.journal else None)
            cached = self.autoencoders.path(
                self.autoencoders.key(job.config, job.owner_key, upload)).is_file()
        except (KeyError, TypeError, OSError):
            cached = False
        return resume_point(position, autoencoder_cached=cached)

    def _restore(self) -> None:
        """Read the journal: queued jobs queue again in order, running ones are interrupted."""
        records, problems = self.journal.load()
        for problem in problems:  # a file cut short (a full disk): left alone, said once
            _LOG.warning("Journal: %s", problem)
        now = time.time()
        for rec in records:
            try:
                job = Job.from_record(rec, now)
            except (KeyError, TypeError, ValueError) as err:
                _LOG.warning("Journal: the record of job %s cannot be used: %s", rec.get("id"), err)
                continue
            self._seq = max(self._seq, job.seq)
            was_running = job.state == "running"
            if was_running:  # the server ended under it
                resume_from = self._resume_point(job)
                with job.lock:
                    job._end_interrupted(resume_from, rec.get("progress"), at=now)
            self._jobs[job.id] = job
            self._by_owner[job.owner_key].append(job)
            if job.state == "queued":
                self._queue.append(job.id)
            else:
                self._finished[job.id] = job.finished or now
            if was_running:
                self._record(job)
        self._positions = None
        # oldest end first, as _prune expects
        self._finished = OrderedDict(sorted(self._finished.items(), key=lambda kv: kv[1]))

    # ------------------------------------------------------------ the end
    def close(self) -> None:
        """Let the warm workers go (running jobs go on to their end)."""
        self._closed = True
        self.pool.close()

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
            if job.active:
                resume_from = self._resume_point(job)
                with job.lock:
                    if job.active:
                        job._end_interrupted(resume_from)
            self._record(job)
        self.close()
        _LOG.warning("Shut down in %.1f s: %s; %d killed", time.time() - t0,
                     ", ".join(f"{j.id[:6]} {j.state}" for j in running) or "no jobs",
                     len(runners))
