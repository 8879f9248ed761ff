"""Set-up for the app's tests: AppTest runs the pages as the server would."""


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
    (tests/app/test_ui.py: 51 s -> 23 s). The matplotlib part of the clean-up stays."""
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


_app_tests_run_as_the_server_does()
