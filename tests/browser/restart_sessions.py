"""What a server restart costs a class: N sessions train, the server is killed and restarted.

usage (from the project root, in its venv; loopback only, stops by itself)::

    python -m tests.browser.restart_sessions --sessions 30 [--cap 2] [--after 20] [--out restart.json]

It starts ``streamlit run app.py`` with ``DEC_MAX_JOBS=cap``, opens N browser
contexts (N separate browsers) on the Train page with a small run, presses
Start in each, waits ``--after`` seconds, SIGKILLs the server (a crash; the
workers save a checkpoint and end by themselves), starts it again on the same
port and runs folder, and measures, per page, the seconds from the restart
command until the page shows its job's state again: "interrupted by a server
restart" for a job that was training, "kept across a server restart" (still
queued) or a running progress bar for one that was queued. The browser pages
are not touched: Streamlit's page reconnects by itself. Prints one JSON object:

``server_ready_s``   restart command to the server's health check answering
``shown_s``          per page and min / median / max: restart to the state shown
``all_shown``        whether every page showed its state before the deadline
``interrupted`` / ``queued``  pages of each kind
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.helpers.browser import free_port, launch_chromium, streamlit_server

SMALL_RUN = "data.n_samples=600&model.hidden=64,10&train.pretrain_epochs=30"
RUNNING_MARKS = ("interrupted by a server restart",)
QUEUED_MARKS = ("kept across a server restart", "elapsed", "Finished in")


def _summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1)}


def run(sessions: int, cap: int = 2, after: float = 20.0, deadline: float = 600.0,
        query: str = SMALL_RUN) -> dict:
    """Run the measurement; return the figures (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    runs = Path(tempfile.mkdtemp(prefix="dec-restart-runs-"))
    env = {"DEC_RUNS_DIR": str(runs), "DEC_MAX_JOBS": str(cap)}
    port = free_port()
    result: dict = {"sessions": sessions, "cap": cap, "query": query, "after_s": after}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        pages = []
        with streamlit_server(env, port=port) as (url, server):
            for i in range(sessions):
                page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
                page.goto(f"{url}/train?{query}&train.seed={i}")
                pages.append(page)
            for page in pages:
                page.get_by_role("button", name="Start").click(timeout=180_000)
            time.sleep(after)
            before = []
            for page in pages:
                text = page.inner_text("body")
                before.append("queued" if "Queued: position" in text else "running")
            server.send_signal(signal.SIGKILL)
            server.wait(10)
            end = time.time() + 60  # the orphaned workers checkpoint and end
            while time.time() < end:
                try:
                    os.killpg(server.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
        t_restart = time.time()
        with streamlit_server(env, port=port) as (url, server):
            ready = time.time() - t_restart
            shown: dict[int, float] = {}
            stop_at = time.time() + deadline
            while len(shown) < sessions and time.time() < stop_at:
                for i, page in enumerate(pages):
                    if i in shown:
                        continue
                    try:
                        text = page.inner_text("body", timeout=5_000)
                    except Exception:
                        continue
                    marks = RUNNING_MARKS if before[i] == "running" else QUEUED_MARKS
                    if any(m in text for m in marks):
                        shown[i] = round(time.time() - t_restart, 1)
                time.sleep(0.2)
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            except OSError:
                pass
        browser.close()
    shutil.rmtree(runs, ignore_errors=True)
    result.update({
        "server_ready_s": round(ready, 1),
        "shown_s": {**_summary(list(shown.values())), "per_page": shown},
        "all_shown": len(shown) == sessions,
        "interrupted": before.count("running"), "queued": before.count("queued"),
        "load_avg": os.getloadavg(),
    })
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--cap", type=int, default=2, help="DEC_MAX_JOBS of the server")
    ap.add_argument("--after", type=float, default=20.0,
                    help="seconds between the last Start and the kill")
    ap.add_argument("--deadline", type=float, default=600.0)
    ap.add_argument("--query", default=SMALL_RUN)
    ap.add_argument("--out", default=None, help="also write the JSON here")
    a = ap.parse_args(argv)
    res = run(a.sessions, a.cap, a.after, a.deadline, a.query)
    text = json.dumps(res)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")
    return 0 if res["all_shown"] else 1


if __name__ == "__main__":
    sys.exit(main())
