"""Set-up for the app's tests: AppTest runs the pages as the server would."""

import functools
import threading


def _app_tests_run_as_the_server_does() -> None:
    """AppTest runs pages in this process, which has TensorFlow and Keras loaded
    (in-process jobs, engine tests); the server never imports Keras
    (tests/app/test_app_train.py::test_server_never_imports_keras). Streamlit
    clears Keras's session after every script run when Keras is loaded
    (``script_runner._clean_problem_modules``: a full ``gc.collect()`` over
    TensorFlow's heap, and a reset of global state under a job training in a
    thread here) and collects garbage after every run (``runner.postScriptGC``,
    which the server's ``.streamlit/config.toml`` turns off; AppTest does not read
    that file). Together they made a page run here 3-5x slower than on the server
    (tests/app/test_session.py: 51 s -> 23 s). The matplotlib part of the clean-up stays."""
    from streamlit import config
    from streamlit.runtime.scriptrunner import script_runner

    config.set_option("runner.postScriptGC", False)

    def clean_without_keras() -> None:
        # Streamlit's clean-up less its Keras part (sys.modules is left alone: a job
        # may be importing in another thread)
        import sys

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    script_runner._clean_problem_modules = clean_without_keras


def _app_tests_share_what_a_server_shares() -> None:
    """What a server does once, AppTest did for every test (py-spy over the suite's
    workers: ~20 CPU s of ~300):

    - every new ``AppTest`` scanned each installed distribution's metadata for
      Streamlit components (``components.v2.manifest_scanner``); a server scans once;
    - every run compiled the page again, with Streamlit's "magic" AST rewrite: AppTest
      makes a new ``ScriptCache`` per run, a server keeps one for all its sessions;
    - the test thread polled the script's end every millisecond, taking the GIL from
      the script thread it was waiting for; it now waits for the SHUTDOWN event.
    """
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    manifest_scanner.scan_component_manifests = functools.cache(
        manifest_scanner.scan_component_manifests)
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared

    polling = local_script_runner.require_widgets_deltas

    def wait_for_the_end(runner, timeout: float = 3) -> None:
        ended = threading.Event()

        def on_event(sender, event, **kwargs):
            if event == ScriptRunnerEvent.SHUTDOWN:
                ended.set()

        runner.on_event.connect(on_event, weak=False)
        try:
            if runner.script_stopped() or ended.wait(timeout) or runner.script_stopped():
                return
        finally:
            runner.on_event.disconnect(on_event)
        polling(runner, 0)  # Streamlit's own time-out: stop the script, raise

    local_script_runner.require_widgets_deltas = wait_for_the_end


_app_tests_run_as_the_server_does()
_app_tests_share_what_a_server_shares()
