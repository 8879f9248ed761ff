"""The workers: :class:`Runner` (one worker and its queues) and :class:`WarmPool`.

A worker is a process (:mod:`explorer.jobs.spawn`) or, for tests, a thread of
the server. A :class:`WarmPool` keeps processes started ahead of time, with
TensorFlow imported, so a job's first chart comes within seconds of Start.
Never imports streamlit.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from pathlib import Path

from explorer.jobs.controls import Controls
from explorer.jobs.spawn import WORKER_CONTEXT as _MP
from explorer.jobs.spawn import start_process
from explorer.jobs.worker import process_main, run_job


class Runner:
    """One worker: a process (or, in-process, a thread) with its inbox, events and controls.

    Parameters
    ----------
    in_process : bool
        A thread of this process (tests), started by :meth:`run`; else a
        worker process, started now (it imports what a job needs, says
        :class:`~explorer.jobs.events.Ready` and waits for :meth:`run`).
    """

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
        """The worker process's id (this process's for a thread worker)."""
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
        """Whether the worker still runs."""
        if self.in_process:
            return self.thread is not None and self.thread.is_alive()
        return self.proc.is_alive()

    @property
    def exitcode(self) -> int | None:
        """The worker process's exit code; None while it runs, and for a thread."""
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


class WarmPool:
    """Worker processes started ahead of time, waiting for a job.

    Parameters
    ----------
    size : int
        How many wait at most (0: none; every job starts its own worker).
    in_process : bool, default=False
        Give jobs thread workers (tests); the pool then keeps none warm.
    """

    def __init__(self, size: int, in_process: bool = False) -> None:
        self.in_process = bool(in_process)
        self.size = 0 if in_process else int(size)
        self.idle: list[Runner] = []  # started, waiting for a job
        self._lock = threading.Lock()
        self._closed = False

    def take(self) -> Runner:
        """A warm worker when one is alive, else a fresh one."""
        with self._lock:
            while self.idle:
                runner = self.idle.pop(0)
                if runner.is_alive():
                    return runner
                runner.close(timeout=1)
        return Runner(self.in_process)

    def top_up(self) -> None:
        """Start workers until ``size`` wait (never more)."""
        if self._closed or not self.size:
            return
        with self._lock:
            missing = self.size - len(self.idle)
        for _ in range(max(0, missing)):
            runner = Runner(in_process=False)  # starts the process; outside the lock
            with self._lock:
                if len(self.idle) < self.size and not self._closed:
                    self.idle.append(runner)
                    runner = None
            if runner is not None:
                runner.discard()

    def close(self) -> None:
        """End the waiting workers; start no more."""
        self._closed = True
        with self._lock:
            idle, self.idle = self.idle, []
        for runner in idle:
            runner.discard()
