"""A real browser drives the real server: Start on a tiny config, wait for the result.

Uses Debian's chromium through Playwright's ``executable_path``; skipped when
either is missing. A screenshot goes to ``test-artifacts/``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("DEC_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TINY = ("data.n_samples=300&model.hidden=32,10&train.pretrain_epochs=5"
        "&train.max_iter=300&train.update_interval=15")

playwright = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "DEC_RUNS_DIR": str(tmp_path_factory.mktemp("runs")),
           "DEC_MAX_JOBS": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    end = time.time() + 60
    while time.time() < end:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def test_start_tiny_config_until_confusion_matrix(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/train?{TINY}")
    page.get_by_role("button", name="Start").click()
    t0 = time.time()
    page.get_by_text("Autoencoder pretraining: reconstruction loss").first.wait_for(timeout=60_000)
    page.get_by_text("Confusion matrix after Hungarian matching").first.wait_for(timeout=180_000)
    elapsed = time.time() - t0
    page.get_by_text("Finished in").first.wait_for(timeout=10_000)
    # the page redraws without the polling timer: Start is enabled again
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some("
        "b => b.innerText.includes('Start') && !b.disabled)", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "train-finished.png"), full_page=True)
    assert page.get_by_text("Training failed").count() == 0
    assert elapsed < 180
    # the URL keeps the settings and the job, so a refresh reattaches
    assert "model.hidden=32%2C10" in page.url or "model.hidden=32,10" in page.url
    assert "job=" in page.url
    page.reload()
    page.get_by_text("Finished in").first.wait_for(timeout=60_000)
    page.close()


def test_share_link_reopens_the_same_experiment(server, browser):
    """A teacher's link opens the same settings in a fresh browser (another context)."""
    teacher = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    teacher.goto(f"{server}/train?model.hidden=48,12&train.tol=0.02&train.pretrain_epochs=7"
                 "&data.n_samples=500")
    teacher.get_by_text("autoencoder d-48-12").first.wait_for(timeout=60_000)
    teacher.get_by_text("Share / present").click()
    code = teacher.locator("[data-testid='stCode'] code").first
    code.wait_for(timeout=30_000)
    link = code.inner_text().strip()
    assert "owner=" not in link and "model.hidden=48,12" in link
    if link.startswith("?"):
        link = f"{server}/train{link}"
    teacher.screenshot(path=str(ARTIFACTS / "share-link.png"))
    student = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    student.goto(link)
    student.get_by_text("500 samples").first.wait_for(timeout=60_000)
    assert student.get_by_text("autoencoder d-48-12").count() == 1
    student.get_by_text("Settings").first.click()
    tol = student.get_by_role("spinbutton", name="Tolerance (tol)")
    tol.wait_for(timeout=30_000)
    assert float(tol.input_value()) == 0.02
    assert int(student.get_by_role("spinbutton", name="Epochs", exact=True).input_value()) == 7
    assert student.url.split("owner=")[1].split("&")[0] not in teacher.url  # a new owner
    student.screenshot(path=str(ARTIFACTS / "share-link-student.png"))
