"""Every use of Streamlit's private names, in one place.

Each function says why the public API does not suffice and which Streamlit version it
was written against (1.4x-1.5x; ``pyproject.toml`` asks for ``streamlit>=1.40``). When
an upgrade breaks one, this is the only file to change; every function degrades to
doing nothing (never to an error) when the private name is gone, except
:func:`start_without_main` and :func:`streamlit_main`, which have no way round it and fail
loudly (a test of each runs in the suite).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.spawn
import threading

_NO_MAIN = threading.local()


def use_app_navigation() -> bool:
    """Make Streamlit route every page through ``app.py``'s ``st.navigation``; True if it changed.

    Streamlit treats a ``pages/`` folder beside the main script as an old-style (v1)
    multipage app until some session has called ``st.navigation``; a deep link
    (``/train?...``) opened first on a fresh server then runs the page alone, without
    the app's layout and sidebar (streamlit/streamlit#10276). No public switch exists
    (checked up to Streamlit 1.5x), so flip the flag ``st.navigation`` itself flips
    (``PagesManager.uses_pages_directory``); the caller then reruns.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old mode
        return False
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        return True
    return False


def forget_upload(file_id: str) -> None:
    """Drop an uploaded file's bytes from Streamlit's upload manager at once.

    Streamlit keeps an uploaded file for as long as its widget holds it (a refused
    196 MB CSV held 468 MB of the server's memory); giving the widget a new key empties
    it, but the bytes stay until the session ends. There is no public call to release
    them (``Runtime.uploaded_file_mgr.remove_file``, Streamlit 1.4x-1.5x).
    """
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        get_instance().uploaded_file_mgr.remove_file(get_script_run_ctx().session_id, file_id)
    except Exception:  # noqa: BLE001  (no runtime, e.g. AppTest: nothing is stored there)
        pass


def streamlit_main(args: list[str], prog_name: str) -> int:
    """Run ``streamlit run`` with ``args`` in this process (``streamlit.web.cli``).

    The ``streamlit`` console script is this same click command; calling it keeps
    ``dec-explorer`` one process, so its exit code and signals are Streamlit's own.
    """
    from streamlit.web import cli as stcli

    return stcli.main(args=args, prog_name=prog_name)


def start_without_main(proc) -> None:
    """Start a process without re-running the parent's ``__main__`` in it.

    The "spawn" and "forkserver" start methods both prepare the child by
    re-importing the parent's main module (as ``__mp_main__``). While Streamlit
    runs a page, ``sys.modules["__main__"]`` is that page's script, so every
    worker would run the page again, headless
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
