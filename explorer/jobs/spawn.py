"""The spawn workaround: start a worker process without re-running the page in it."""

from __future__ import annotations

import multiprocessing
import multiprocessing.spawn
import threading

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
    The worker needs nothing from it: its target lives in :mod:`explorer.jobs.worker`.
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
