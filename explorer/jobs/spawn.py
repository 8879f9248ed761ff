"""How a worker process starts: forked from a forkserver, with the server's environment, without the page."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys

from explorer.compat import start_without_main
from explorer.jobs.worker import WORKER_MODULES


def worker_context():
    """The multiprocessing context of worker processes: ``forkserver`` on Linux, else ``spawn``.

    A worker is never forked from the server itself: the server's threads, and in
    tests a running TensorFlow, would come along half-copied. The forkserver is a
    separate process, started at the first worker, that only imports this module
    and :data:`~explorer.jobs.worker.WORKER_MODULES` (besides its main thread it
    then has only OpenBLAS's and jemalloc's, which both handle a fork). Importing
    TensorFlow does not start its runtime or thread pools; each forked worker starts
    its own. So a worker skips ~3 CPU seconds of imports, and the workers share those
    pages. What a worker runs is the code as it was when the forkserver started: an
    edit to the engine reaches workers after a server restart.
    Elsewhere, spawn: Windows has no fork, and on macOS a process that has loaded
    Apple's frameworks (numpy's Accelerate) is not safe to fork.
    """
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, *WORKER_MODULES])
    return ctx


def _in_the_forkserver() -> bool:
    return any("from multiprocessing.forkserver import main" in arg
               for arg in getattr(sys, "orig_argv", ()))


if _in_the_forkserver():
    # The forkserver outlives no server (it ends when the server's end of its pipe
    # closes), but a SIGTERM to the server's process group (systemd, `kill -- -PGID`)
    # must not end it first: the server would lose track of the workers it forked
    # (their exit codes come through it) while they checkpoint. Its children get
    # SIGTERM's default back (_in_environ).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

WORKER_CONTEXT = worker_context()


def start_process(target, args: tuple = (), *, name: str = "dec-worker"):
    """Start ``target(*args)`` in a new worker process (daemonic) and return the process.

    The process gets the server's environment as it is now, over the forkserver's
    (as old as the forkserver): what is read at run time (every ``DEC_*`` setting)
    is the server's of now; what TensorFlow and its libraries read when imported
    (``TF_CPP_MIN_LOG_LEVEL``, ``OMP_NUM_THREADS``, ...) is the server's when the
    forkserver started. It does not run the page again (:func:`explorer.compat.start_without_main`).
    Queues and events handed to it must come from :data:`WORKER_CONTEXT`.
    """
    proc = WORKER_CONTEXT.Process(target=_in_environ, name=name, daemon=True,
                                  args=(dict(os.environ), target, tuple(args)))
    start_without_main(proc)
    return proc


def _in_environ(environ: dict[str, str], target, args: tuple) -> None:
    """In the child: take the server's environment, then run the target.

    An update, not a replacement: what the forkserver's imports set for themselves
    (e.g. TensorFlow's ``TF2_BEHAVIOR``, h5py's ``HDF5_PLUGIN_PATH``) stays.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the forkserver ignores it
    os.environ.update(environ)
    target(*args)
