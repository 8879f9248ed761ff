"""Load test on the real server: several browser sessions train at once.

Each Playwright context is a separate browser (its own session and owner).
All jobs finish, at most ``DEC_MAX_JOBS`` train at the same time (the rest
queue and say so), and no session's Runs page shows another's run.
"""

import json
import time
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, TINY, free_port  # noqa: F401  (skips without chromium)

SESSIONS = 4
CAP = 2


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory):
    import os
    import subprocess
    import sys
    import urllib.request

    root = Path(__file__).resolve().parents[1]
    runs = tmp_path_factory.mktemp("load-runs")
    port = free_port()
    env = {**os.environ, "DEC_RUNS_DIR": str(runs), "DEC_MAX_JOBS": str(CAP),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield url, runs
    proc.terminate()
    proc.wait(10)


def test_concurrent_sessions_queue_and_stay_apart(capped_server):
    from playwright.sync_api import sync_playwright

    url, runs = capped_server
    t0 = time.time()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        pages = []
        for i in range(SESSIONS):
            page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            page.goto(f"{url}/train?{TINY}&train.seed={i}")
            page.get_by_role("button", name="Start").wait_for(timeout=60_000)
            pages.append(page)
        for page in pages:  # press Start in every session within a few seconds
            page.get_by_role("button", name="Start").click(timeout=120_000)
        queued_seen = False
        end = time.time() + 300
        finished = set()
        while len(finished) < SESSIONS and time.time() < end:
            for i, page in enumerate(pages):
                if i in finished:
                    continue
                if page.get_by_text("Queued: position").count():
                    queued_seen = True
                if page.get_by_text("Finished in").count():
                    finished.add(i)
            time.sleep(0.3)
        assert len(finished) == SESSIONS, f"only {len(finished)} of {SESSIONS} finished"
        assert queued_seen, "with more sessions than the cap, someone should have queued"
        # every session's Runs page lists exactly its own run
        owners = []
        for page in pages:
            owner = next(c["value"] for c in page.context.cookies() if c["name"] == "dec_owner")
            owners.append(owner)
            page.get_by_role("link", name="Runs").click()
            page.get_by_text("Saved runs").wait_for(timeout=30_000)
            time.sleep(1.5)
            page.screenshot(path=str(Path(__file__).resolve().parents[1] / "test-artifacts" /
                                     f"load-runs-{owners.index(owner)}.png"))
        browser.close()
    assert len(set(owners)) == SESSIONS
    from explorer.jobs import owner_dir

    folders = {o: sorted((runs / owner_dir(o)).iterdir()) for o in owners}
    assert all(len(f) == 1 for f in folders.values())
    # the cap held: at no moment did more than CAP jobs train at once
    spans = []
    for f in folders.values():
        job = json.loads((f[0] / "config.json").read_text())["extra"]["job"]
        spans.append((job["started"], job["trained"]))
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= CAP
    print(f"{SESSIONS} sessions, cap {CAP}, all finished in {time.time() - t0:.1f} s")
