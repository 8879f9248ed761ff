"""Shared by the browser tests and the load script: Chromium, a loopback server, owners.

Nothing here starts anything on import; the browser tests skip themselves when
Playwright or Chromium is missing, and fail instead under ``DEC_REQUIRE_BROWSER=1``
(CI; see :func:`skip_without_browser`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DEC_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OWNER_COOKIE = "dec_owner"
ARTIFACTS = ROOT / "test-artifacts"  # screenshots the browser tests leave for a person to look at


def tiny_run(max_iter: int = 300, tol: float | None = 0.0) -> str:
    """A URL query for a run that trains in seconds: 300 digits, a 32-10 encoder, 5 epochs.

    ``tol=None`` keeps the preset's stop rule; the default 0 runs all ``max_iter``
    batches (updates every 15 batches), so a test sees a known number of updates.
    """
    query = (f"data.n_samples=300&model.hidden=32,10&train.pretrain_epochs=5"
             f"&train.max_iter={max_iter}&train.update_interval=15")
    return query if tol is None else f"{query}&train.tol={tol:g}"


REQUIRE_BROWSER = "DEC_REQUIRE_BROWSER"
"""Set to 1 (``.ci/run`` does): a missing Playwright or Chromium fails the browser tests."""


def browser_required() -> bool:
    """Whether :data:`REQUIRE_BROWSER` asks for the browser tests to run, not skip."""
    return os.environ.get(REQUIRE_BROWSER, "").strip().lower() not in ("", "0", "false", "no")


def skip_without_browser() -> None:
    """Skip the calling test module when Playwright or Chromium is missing.

    Under ``DEC_REQUIRE_BROWSER=1`` (CI) the module fails instead: a browser
    test that skips there would pass without having run.
    """
    import importlib.util

    import pytest

    missing = None
    if importlib.util.find_spec("playwright") is None:
        missing = "playwright is not installed"
    elif not Path(CHROMIUM).exists():
        missing = f"no chromium at {CHROMIUM}"
    if missing is None:
        return
    if browser_required():
        pytest.fail(f"{missing}, and {REQUIRE_BROWSER}=1 requires the browser tests "
                    "(install Debian's chromium, or unset it to skip them)", pytrace=False)
    pytest.skip(missing, allow_module_level=True)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp_path_factory) -> dict[str, str]:
    """A server of its own runs folder, two jobs at a time (``tests/browser/conftest.py``)."""
    return {"DEC_RUNS_DIR": str(tmp_path_factory.mktemp("runs")), "DEC_MAX_JOBS": "2"}


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], port: int | None = None, log=None,
                     timeout: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``streamlit run app.py`` on 127.0.0.1 until the block ends.

    Parameters
    ----------
    env : dict
        Extra environment (e.g. ``DEC_RUNS_DIR``, ``DEC_MAX_JOBS``).
    port : int, optional
        Default: a free port.
    log : file object, optional
        Where the server's output goes (default: discarded).
    timeout : float, default=120
        Seconds to wait for the health check.

    Yields
    ------
    (url, process)
    """
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env},
        stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > end:
                    raise RuntimeError(f"streamlit did not start on {url}") from None
                time.sleep(0.5)
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its training workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def launch_chromium(playwright):
    """Debian's Chromium through Playwright, with the project's launch arguments."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


def owner_of(page) -> str:
    """The owner token of a page's browser: its cookie, or (older app) the URL."""
    for cookie in page.context.cookies():
        if cookie["name"] == OWNER_COOKIE:
            return cookie["value"]
    return parse_qs(urlsplit(page.url).query).get("owner", [""])[0]


def owner_folder(runs: Path, owner: str) -> Path:
    """The folder that holds ``owner``'s saved runs."""
    try:
        from explorer.jobs import owner_dir
    except ImportError:  # runs named by the token itself (before the owner cookie)
        return Path(runs) / owner
    return Path(runs) / owner_dir(owner)


# True once the page has been idle for ``quiet`` ms: no script run in progress (Streamlit
# shows its status widget while one runs) and no element left stale by the last run.
_SETTLED = """(quiet) => {
  const now = performance.now();
  const busy = document.querySelector('[data-testid=stStatusWidget]')
      || document.querySelector('[data-stale=true]');
  if (busy || window.__decIdleSince === undefined) window.__decIdleSince = now;
  if (busy) return false;
  return now - window.__decIdleSince >= quiet;
}"""


def poll_page(page, script: str, until, arg=None, timeout_s: float = 60.0, what: str = ""):
    """Evaluate ``script`` (with ``arg``) every 250 ms until ``until(result)``; return the result.

    Raises AssertionError naming ``what`` and the last result when ``timeout_s`` passes.
    """
    result = None
    for _ in range(int(timeout_s / 0.25)):
        result = page.evaluate(script) if arg is None else page.evaluate(script, arg)
        if until(result):
            return result
        page.wait_for_timeout(250)
    raise AssertionError(f"{what or 'the page'} never came: {result}")


def settle(page, quiet_ms: int = 500, timeout_ms: int = 60_000) -> None:
    """Wait until the page's script has finished and ``quiet_ms`` passed without a run.

    What a fixed ``wait_for_timeout`` after a click guessed at: the rerun the click
    caused is over and its elements are drawn (Plotly's own drawing takes a few frames
    more, which ``quiet_ms`` covers).
    """
    page.evaluate("() => { delete window.__decIdleSince; }")
    page.wait_for_function(_SETTLED, arg=quiet_ms, polling=100, timeout=timeout_ms)
