"""The job manager: the queue, the warm-worker pool and the thread that applies a job's events.

See :mod:`explorer.jobs` for the whole picture (how a page polls cheaply).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import queue
import secrets
import signal
import threading
import time
from collections import OrderedDict, defaultdict
from pathlib import Path

from dec_core.checkpoint import describe
from dec_core.checkpoint import position as checkpoint_position
from dec_core.cost import machine_gflops
from explorer import settings
from explorer.jobs import events as ev
from explorer.jobs.cache import AutoencoderCache
from explorer.jobs.job import (
    AUTOENCODER_SOURCES,
    INTERRUPTED_BY,
    STATES_ENDED,
    Job,
    owner_dir,
    where,
)
from explorer.jobs.journal import PROGRESS_EVERY_S, Journal
from explorer.jobs.spawn import WORKER_CONTEXT as _MP
from explorer.jobs.spawn import start_process
from explorer.jobs.worker import Controls, process_main, run_job
from explorer.live_map import replay

_LOG = logging.getLogger(__name__)


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
            self.proc = start_process(process_main, (self.inbox, self.events, self.controls))

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
        if self.proc.exitcode is not None and _forked_and_alive(self.proc.pid):
            # the forkserver died (it reports its children's exit codes): Process.kill
            # sends nothing to a process that has an exit code
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
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


def _forked_and_alive(pid: int | None) -> bool:
    """Whether ``pid`` runs a process forked by the forkserver (it keeps the forkserver's
    command line; a recycled pid would not)."""
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


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
        Keep every job's record in ``runs_dir/.jobs`` (:mod:`explorer.jobs.journal`)
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
        self.autoencoders = AutoencoderCache(self.runs_dir / ".cache", ae_cache_size)
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
                job._end("stopped", "stopped before it started")
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
                job._progress_floor = 0.0  # a new attempt: its bar starts from its own start
                job.replay = []
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
        key = self.autoencoders.key(job.config, job.owner_key, job.upload)
        runner = None
        pinned = None
        try:
            cached = self.autoencoders.pin(key)
            pinned = cached["path"] if cached else None
            spec = {
                "id": job.id, "name": job.name, "config": job.config, "upload": job.upload,
                "step_mode": job.step_mode, "run_dir": str(self.runs_dir / job.owner_key),
                "checkpoint": (str(self.journal.checkpoint_path(job.id))
                               if self.journal is not None else None),
                "created": job.created, "started": job.started, "ae_load": pinned,
                "ae_history": cached["pretrain"] if cached else None,
                "ae_save": str(self.autoencoders.path(key)) if cached is None else None,
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
                if self._apply(job, key, event):
                    break
                if isinstance(event, ev.StepWaiting):
                    self._set_waiting(job, event.waiting)
                self._note_progress(job, event)
        except Exception as err:  # report, never kill the server
            with job.lock:
                if not job.active:
                    pass  # it had ended already
                elif self._closing:  # killed by shutdown(): resumable from its last checkpoint
                    self._mark_interrupted(job)
                else:
                    job._end("failed", error=str(err))
        finally:
            with self._lock:
                self._runners.pop(job.id, None)
            if runner is not None:
                runner.close()
            if pinned:
                self.autoencoders.unpin(pinned)
            with job.lock:
                if job.active:  # every way out of the loop ends the job; this is a safety net
                    job._end("failed", error="the job's thread ended without a result")
            self._finish(job)
            # The replacement starts once the job has ended: its TensorFlow import (3-4
            # CPU seconds) would otherwise share the cores with the job it replaces and
            # with the browser watching that job.
            self._top_up_warm()

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
        job.resume_from = self._resume_point(job, position)
        job._end("interrupted", f"interrupted by {INTERRUPTED_BY} at {where(_progress(job))}")

    def _resume_point(self, job: Job, position: dict | None = None) -> str:
        """Where Resume would continue, in words (see the worker's ``_train``)."""
        if position is None and self.journal is not None:
            position = checkpoint_position(self.journal.checkpoint_path(job.id))
        if position and position.get("phase") == "dec":
            return (f"the checkpoint at {describe(position)}; the batches trained after it "
                    "run again")
        try:
            upload = job.upload or (self.journal.load_upload(job.id, job.upload_name)
                                    if job.upload_name and self.journal else None)
            cached = self.autoencoders.path(
                self.autoencoders.key(job.config, job.owner_key, upload)).is_file()
        except (KeyError, TypeError, OSError):
            cached = False
        if cached:
            return ("the pretrained autoencoder (pretraining had finished; k-means and DEC "
                    "run again)")
        if position:
            return (f"the checkpoint at {describe(position)}; the epochs after it, k-means "
                    "and DEC run again")
        return ("the start: no checkpoint was saved before the interruption, so all the work "
                "done before it runs again")

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
            elif state == "running":  # the server ended under it
                job.resume_from = self._resume_point(job)
                with job.lock:
                    job._end("interrupted", f"interrupted by {INTERRUPTED_BY} at "
                                            f"{where(rec.get('progress') or {})}", at=now)
            elif state in STATES_ENDED:  # as it ended before the restart
                with job.lock:
                    job._end(state, error=job.error, at=now)
                _fill_from_run(job)
            else:
                self.journal_problems.append(f"{job.id}: unknown state {state!r}")
                continue
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
            job._end("stopped", f"stopped: the worker did not end within {self.stop_grace_s:g} s "
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
                        frame = replay.compact(step_info)
                        if frame is not None and len(job.replay) < replay.MAX_FRAMES:
                            job.replay.append(frame)
                case ev.Done():
                    job.run_path, job.scores = event.run_path, event.scores
                    job.warnings.extend(event.warnings)
                    message, job.stop = event.message, event.stop
                    if job.idle_ended:
                        job.stop = None
                        message = (
                            f"ended after waiting {self.step_idle_s / 60:g} minutes for Step, "
                            "so that other runs get the server; the model so far is saved "
                            "(Start in step mode again to go on from the beginning)")
                    job._end("stopped" if job.stop_requested else "done", message)
                    over = True
                case ev.Failed(error=error):
                    job._end("failed", error=error)
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
            job.version += 1  # an ended job (over) has its end drawn now, not at the exit
        if isinstance(event, ev.AutoencoderSaved):
            self.autoencoders.remember(key, event.path, event.pretrain)
        return over


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
