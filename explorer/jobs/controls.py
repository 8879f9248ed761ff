"""What the server can tell a running worker: :class:`Controls` (stop, interrupt, step mode).

Both sides hold the same :class:`Controls`: the server's :class:`~explorer.jobs.Job`
sets them from a page's wishes, the worker (:mod:`explorer.jobs.worker`) reads
them between epochs and updates. A module of its own, so a ``Job`` needs none
of the worker's imports. Never imports streamlit or TensorFlow.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Controls:
    """What the server can tell a running worker: stop, and step-mode credits / play.

    Attributes
    ----------
    stop : Event
        Set to end training; the model so far is still saved.
    credits : Semaphore
        Step mode: one release lets one more DEC update through.
    playing : Event
        Step mode: set while the page plays. The worker still takes one credit
        per update: the playing page releases each once it has drawn the last
        update (:meth:`explorer.jobs.Job.advance`).
    interrupt : Event
        Save a checkpoint at the next epoch or target update and end without
        a run (a server shutdown; also set by SIGTERM / SIGINT in the worker).
    """

    stop: object
    credits: object
    playing: object
    interrupt: object = None

    @classmethod
    def for_threads(cls) -> Controls:
        """Controls for a worker that runs in a thread of this process."""
        return cls(threading.Event(), threading.Semaphore(0), threading.Event(),
                   threading.Event())

    @classmethod
    def for_processes(cls, context) -> Controls:
        """Controls shared with a worker process of the multiprocessing ``context``.

        They must be handed to the process when it is created (inheritance).
        """
        return cls(context.Event(), context.Semaphore(0), context.Event(), context.Event())

