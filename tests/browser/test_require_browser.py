"""The browser helper's CI flag: without a browser the browser tests skip, except under
``DEC_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail. Needs no browser itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE = """
from tests.helpers.browser import skip_without_browser

skip_without_browser()


def test_needs_a_browser():
    pass
"""


def _run(tmp_path, require: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_needs_browser.py").write_text(MODULE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "DEC_CHROMIUM": str(tmp_path / "no-chromium"),
           "PYTHONPATH": str(ROOT)}
    env.pop("DEC_REQUIRE_BROWSER", None)
    if require is not None:
        env["DEC_REQUIRE_BROWSER"] = require
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("require, code, said", [
    (None, 5, "1 skipped"), ("0", 5, "1 skipped"),  # 5: a skipped module, no test ran
    ("1", 2, "DEC_REQUIRE_BROWSER=1 requires the browser tests")])
def test_a_missing_browser_skips_except_where_ci_requires_it(tmp_path, require, code, said):
    done = _run(tmp_path, require)
    assert done.returncode == code, done.stdout + done.stderr
    assert said in done.stdout + done.stderr


def test_ci_sets_the_flag_and_stops_when_chromium_cannot_be_installed():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export DEC_REQUIRE_BROWSER=1" in script
    assert 'command -v chromium >/dev/null 2>&1 || { echo "chromium install failed" >&2; exit 1; }' \
        in script
    assert "will skip" not in script
