"""Slow page computations (UMAP, N2D, k-means) run in background threads.

A page that computed UMAP inside its script would hold the browser session
for the 5-20 s it takes: Streamlit only stops a script between two ``st``
calls, so switching pages waits until the computation returns. Instead a
page submits the work here and finishes at once; a small
``st.fragment(run_every=...)`` polls the :class:`~concurrent.futures.Future`
and reruns the page when the result is ready. The user can leave meanwhile:
the work goes on, and its result waits for them (and for any other session
that asks for the same key).

:class:`Tasks` knows nothing of streamlit; :func:`poll` (the only function
that imports it) draws the waiting line and its timer. The numba /
scikit-learn code these threads run releases the GIL for most of its time
(``python scripts/bench_views.py`` measures how long the server thread can
be held up).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

MAX_WORKERS = 2   # the project's machine has 2 cores; training workers need them too
KEEP = 32         # finished results kept (least recently used dropped first)


class Tasks:
    """Background computations keyed by what they compute; each key runs once.

    Parameters
    ----------
    max_workers : int, default=2
        Threads computing at once; more submissions wait in line.
    keep : int, default=32
        Finished results kept; failed ones are forgotten, so a retry runs again.
    """

    def __init__(self, max_workers: int = MAX_WORKERS, keep: int = KEEP) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="page-task")
        self._futures: OrderedDict[Hashable, Future] = OrderedDict()
        self._started: dict[Hashable, float] = {}
        self._lock = threading.Lock()
        self.keep = int(keep)

    def submit(self, key: Hashable, fn: Callable, *args, **kwargs) -> Future:
        """The future of ``fn(*args, **kwargs)``, started unless ``key`` already is.

        Parameters
        ----------
        key : hashable
            Names the result: the same key returns the same future (running or
            done), so a rerun or a second session never computes twice.
        fn : callable
            Must not call streamlit (it runs outside any session).

        Returns
        -------
        concurrent.futures.Future
            A failed computation stays failed (its exception is the result)
            until :meth:`forget` drops it, so a page does not retry it on
            every rerun.
        """
        with self._lock:
            fut = self._futures.get(key)
            if fut is not None:
                self._futures.move_to_end(key)
                return fut
            fut = self._pool.submit(self._timed, key, fn, args, kwargs)
            self._futures[key] = fut
            self._trim()
            return fut

    def outcome(self, key: Hashable, fn: Callable, *args
                ) -> tuple[object | None, BaseException | None]:
        """``(result, error)`` of :meth:`submit`'s task: ``(None, None)`` while it computes.

        Starts it when ``key`` never was; a failed one gives ``(None, its exception)``.
        """
        fut = self.submit(key, fn, *args)
        if not fut.done():
            return None, None
        err = fut.exception()
        return (None, err) if err is not None else (fut.result(), None)

    def _timed(self, key, fn, args, kwargs):
        with self._lock:
            self._started[key] = time.monotonic()
        return fn(*args, **kwargs)

    def _trim(self) -> None:
        done = [k for k, f in self._futures.items() if f.done()]
        while len(self._futures) > self.keep and done:
            key = done.pop(0)
            self._futures.pop(key, None)
            self._started.pop(key, None)

    def get(self, key: Hashable) -> Future | None:
        """The future of ``key``, or None when it was never submitted (or dropped)."""
        with self._lock:
            return self._futures.get(key)

    def elapsed(self, key: Hashable) -> float | None:
        """Seconds since ``key`` started computing; None while it waits in line."""
        with self._lock:
            t0 = self._started.get(key)
        return None if t0 is None else time.monotonic() - t0

    def wait_all(self, timeout: float | None = None) -> bool:
        """Wait until every computation submitted so far has finished.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most.

        Returns
        -------
        bool
            True when none is still running or waiting.
        """
        from concurrent.futures import wait

        with self._lock:
            futures = list(self._futures.values())
        return not wait(futures, timeout=timeout).not_done

    def forget(self, key: Hashable) -> None:
        """Drop a result (a finished or failed one; a running one finishes unseen)."""
        with self._lock:
            self._futures.pop(key, None)
            self._started.pop(key, None)


_TASKS: Tasks | None = None
_TASKS_LOCK = threading.Lock()


def tasks() -> Tasks:
    """The server's one :class:`Tasks` (created on first use)."""
    global _TASKS
    with _TASKS_LOCK:
        if _TASKS is None:
            _TASKS = Tasks()
        return _TASKS


def poll(keys: list[Hashable], label: str, every: float = 1.0) -> bool:
    """While any of ``keys`` computes, show ``label`` with a timer; rerun the page when done.

    Draws an ``st.fragment`` that reruns every ``every`` seconds and only
    reads the futures, so the page stays free: the user can scroll, use
    the other widgets, or switch pages (the computation goes on).

    Parameters
    ----------
    keys : list of hashable
        Keys submitted to :func:`tasks`.
    label : str
        What is being computed, e.g. ``"Computing UMAP"``.
    every : float, default=1.0
        Seconds between two checks. Each check is a fragment run, after which
        Streamlit runs a full ``gc.collect(2)`` (``runner.postScriptGC``;
        about 0.2 CPU-s with TensorFlow loaded), so checks are kept rare.

    Returns
    -------
    bool
        True when something is still computing (the fragment was drawn).
    """
    import streamlit as st

    pending = [k for k in keys if (f := tasks().get(k)) is not None and not f.done()]
    if not pending:
        return False

    @st.fragment(run_every=every)
    def _wait() -> None:
        left = [k for k in pending if (f := tasks().get(k)) is not None and not f.done()]
        if not left:
            st.rerun()  # the whole page, now with the results
        times = [t for k in left if (t := tasks().elapsed(k)) is not None]
        text = (f"{label}… {max(times):.0f} s so far." if times
                else f"{label}: waiting for another computation to finish.")
        st.caption(f":material/hourglass_top: {text} You can keep working or switch pages "
                   "meanwhile; the result is kept.")

    _wait()
    return True
