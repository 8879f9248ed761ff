"""Training jobs that outlive the script run: the server side (queue, state, controls).

The subpackage, one concern per module:

- :mod:`~explorer.jobs.job`: a :class:`Job`, its states, how it applies an event
  and its journal record;
- :mod:`~explorer.jobs.job_manager`: :class:`JobManager`, the registry, the queue and
  its slots, and the thread (the *pump*) that applies a job's events;
- :mod:`~explorer.jobs.pool`: the workers a job runs in, and the warm ones waiting;
- :mod:`~explorer.jobs.journal`: every job's record on disk (restarts lose none);
- :mod:`~explorer.jobs.cache`: :class:`AutoencoderCache`, pretrained autoencoders
  reused across jobs (pinned while a worker loads one);
- :mod:`~explorer.jobs.worker`: the worker process (no streamlit, no ``Job``);
- :mod:`~explorer.jobs.controls`: what the server tells a worker (stop, step mode);
- :mod:`~explorer.jobs.events`: what the worker sends to the page;
- :mod:`~explorer.jobs.spawn`: how a worker process starts (on Linux forked from a
  forkserver that has imported TensorFlow; with the server's environment, without the page);
- :mod:`~explorer.jobs.resources`: the settings check a job passes before it trains.

The job states' wording lives in :mod:`explorer.text.states`. May import:
``dec_core``, ``explorer.settings``, ``explorer.data``, ``explorer.live_map``
(its worker-side frames), ``explorer.text``, ``explorer.compat`` (the spawn patch) and
``explorer.session.state`` (the settings' defaults, no streamlit); never streamlit.

Streamlit reruns a page's script on every click, and a refresh starts a new
session, so training cannot live in the script run. A :class:`JobManager`
(one per server process, :func:`manager`) runs each job in its own worker
*process* (:mod:`explorer.jobs.worker`), at most ``max_jobs`` at a time; later jobs
wait in a queue. A process, not a thread: TensorFlow's training loop then
never competes with the UI for Python's GIL, a crash in native code cannot
take the server down, and Stop can always end a job (after a grace period the
process is terminated). On Linux workers are forked from a forkserver that
imported TensorFlow once, so a new one is ready in a fraction of a second of CPU. With
``warm_workers=1`` one process is started ahead of time and waits, so a job's
first chart comes within a few seconds of Start; it is replaced after each use.

The worker never calls ``st.*``: it sends typed events (:mod:`explorer.jobs.events`)
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
import threading

from explorer import settings
from explorer.jobs.cache import AutoencoderCache
from explorer.jobs.job import STATES_ACTIVE, STATES_ENDED, Job, owner_dir
from explorer.jobs.job_manager import JobManager

__all__ = ["STATES_ACTIVE", "STATES_ENDED", "AutoencoderCache", "Job", "JobManager", "manager",
           "owner_dir"]

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
