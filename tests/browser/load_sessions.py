"""A class on one server: N browser sessions press Start at once; does every page follow its run?

usage (from the project root, in its venv; loopback only, stops by itself)::

    python -m tests.browser.load_sessions --sessions 30 [--cap 2] [--deadline 1800] [--out load.json]

It starts ``streamlit run app.py`` on 127.0.0.1 with ``DEC_MAX_JOBS=cap`` and a
temporary runs folder, opens one Chromium with N contexts (N separate
browsers, each its own session and owner) on the Train page with a small run
(600 digits, d-64-10, 15 epochs; seed = session number), presses Start in
each, and watches until every page says "Finished in" or the deadline passes.
Then it closes everything and prints one JSON object:

``finished``            pages that showed their run finished
``delay_s``             per page: seconds from its run being saved (the run's
                        manifest written) to the page showing "Finished in";
                        with ``min``/``median``/``max``
``queued_pages``        pages whose job waited in the queue (the page showed
                        "Queued: position", or its job started over 5 s after Start)
``queued_updates``      per queued page: messages the page received while its
                        job waited, and the longest silence (s) in that time
``server_cpu_s``        CPU seconds of the Streamlit server process (not the
                        training workers) while the jobs ran, and per second
``idle_server_cpu_s``   the same over ``--idle`` seconds after all finished
                        (N open pages, nothing running)
``chromium_cpu_s``      CPU seconds of Chromium while the jobs ran
``max_running``         most jobs that trained at the same time (from the runs)
``own_runs_only``       every owner's folder holds exactly its one run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.helpers.browser import launch_chromium, owner_folder, owner_of, streamlit_server

SMALL_RUN = "data.n_samples=600&model.hidden=64,10&train.pretrain_epochs=15"
FINISHED, QUEUED = "Finished in", "Queued: position"
# Stamps, inside the page, the first time each text shows (textContent: no layout work).
WATCH_JS = """
(() => {
  if (window.__decWatch) return;
  window.__decWatch = {finished: null, queued: null, messages: []};
  // when each websocket message arrives (the page's own clock, not Playwright's)
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => window.__decWatch.messages.push(Date.now() / 1000));
    }
  };
  setInterval(() => {
    const text = document.body ? document.body.textContent : "";
    const w = window.__decWatch;
    if (w.queued === null && text.includes(QUEUED_TEXT)) w.queued = Date.now() / 1000;
    if (w.finished === null && text.includes(FINISHED_TEXT)) w.finished = Date.now() / 1000;
  }, 200);
})();
""".replace("QUEUED_TEXT", json.dumps(QUEUED)).replace("FINISHED_TEXT", json.dumps(FINISHED))


def process_cpu(match) -> dict[int, float]:
    """CPU seconds (user + system) of every process whose command line satisfies ``match``."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if match(int(pid), args):
            fields = stat[stat.rindex(")") + 2:].split()
            out[int(pid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return round(sum(v - before.get(pid, 0.0) for pid, v in after.items()), 2)


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1)}


def run(sessions: int, cap: int = 2, query: str = SMALL_RUN, deadline: float = 1800.0,
        idle: float = 20.0, port: int | None = None, runs_pages: bool = False) -> dict:
    """Run the load test; return the figures (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    t_begin = time.time()
    runs = Path(tempfile.mkdtemp(prefix="dec-load-runs-"))
    env = {"DEC_RUNS_DIR": str(runs), "DEC_MAX_JOBS": str(cap)}
    result: dict = {"sessions": sessions, "cap": cap, "query": query}
    with streamlit_server(env, port=port) as (url, server), sync_playwright() as p:
        browser = launch_chromium(p)
        pages = []
        for i in range(sessions):
            page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            page.add_init_script(WATCH_JS)
            page.goto(f"{url}/train?{query}&train.seed={i}")
            pages.append(page)
        for page in pages:
            page.get_by_role("button", name="Start").wait_for(timeout=120_000)

        def is_server(pid, _args):
            return pid == server.pid

        def is_chromium(_pid, args):
            return "chromium" in args

        cpu0, chrome0 = process_cpu(is_server), process_cpu(is_chromium)
        clicked = []
        for page in pages:  # everyone presses Start within a few seconds
            page.get_by_role("button", name="Start").click(timeout=120_000)
            clicked.append(time.time())
        t_clicked = time.time()
        seen: dict[int, dict] = {}
        stop_at = t_begin + deadline
        while len(seen) < sessions and time.time() < stop_at:
            for i, page in enumerate(pages):
                if i not in seen and page.evaluate("window.__decWatch.finished"):
                    seen[i] = True
            page.wait_for_timeout(500)
        t_done = time.time()
        cpu1, chrome1 = process_cpu(is_server), process_cpu(is_chromium)
        page.wait_for_timeout(idle * 1000)  # everything finished: what do open pages cost?
        cpu2 = process_cpu(is_server)

        stamps = [page.evaluate("window.__decWatch") for page in pages]
        frames = [w["messages"] for w in stamps]
        owners = [owner_of(page) for page in pages]
        own_runs_ok = True
        runs_table_shown = None
        if runs_pages:
            runs_table_shown = 0
            for page in pages:
                page.get_by_role("link", name="Runs").first.click()
                try:
                    page.get_by_text("Saved runs").first.wait_for(timeout=30_000)
                    runs_table_shown += 1
                except Exception:
                    pass
        browser.close()

    delays, queued, spans = {}, {}, []
    for i, owner in enumerate(owners):
        folder = owner_folder(runs, owner)
        saved = sorted(folder.iterdir()) if folder.is_dir() else []
        own_runs_ok &= len(saved) == 1
        if not saved:
            continue
        job = json.loads((saved[0] / "config.json").read_text())["extra"]["job"]
        spans.append((job["started"], job["trained"]))
        saved_at = (saved[0] / "manifest.json").stat().st_mtime
        if i in seen:
            delays[i] = round(stamps[i]["finished"] - saved_at, 1)
        # it waited for a slot: its page said so, or it started well after the click
        if stamps[i]["queued"] is not None or job["started"] - clicked[i] > 5:
            times = [t for t in frames[i] if clicked[i] <= t <= job["started"]]
            edges = [clicked[i], *times, job["started"]]
            queued[i] = {"waited_s": round(job["started"] - clicked[i], 1),
                         "messages": len(times),
                         "longest_silence_s": round(max(b - a for a, b in zip(edges, edges[1:])), 1)}
    shutil.rmtree(runs, ignore_errors=True)
    running = max((sum(1 for s, e in spans if s <= start < e) for start, _ in spans), default=0)
    busy = t_done - t_clicked
    result.update({
        "finished": len(seen),
        "all_finished": len(seen) == sessions,
        "delay_s": {**summary(list(delays.values())), "per_page": delays},
        "within_30_s": sum(1 for d in delays.values() if d <= 30),
        "queued_pages": len(queued),
        "queued_updates": {**summary([q["longest_silence_s"] for q in queued.values()]),
                           "per_page": queued},
        "queued_pages_silent_over_10_s": sum(1 for q in queued.values()
                                             if q["longest_silence_s"] > 10),
        "wall_s": round(busy, 1),
        "server_cpu_s": cpu_delta(cpu0, cpu1),
        "server_cpu_per_s": round(cpu_delta(cpu0, cpu1) / max(busy, 1e-9), 3),
        "idle_server_cpu_s": cpu_delta(cpu1, cpu2), "idle_window_s": idle,
        "chromium_cpu_s": cpu_delta(chrome0, chrome1),
        "max_running": running,
        "own_runs_only": own_runs_ok and len(set(owners)) == sessions,
        "runs_table_shown": runs_table_shown,
        "load_avg": os.getloadavg(),
    })
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--cap", type=int, default=2, help="DEC_MAX_JOBS of the server")
    ap.add_argument("--query", default=SMALL_RUN, help="settings of every run (a URL query)")
    ap.add_argument("--deadline", type=float, default=1800.0,
                    help="give up (and still report) after this many seconds")
    ap.add_argument("--idle", type=float, default=20.0,
                    help="seconds to measure the server with every page finished")
    ap.add_argument("--port", type=int, default=None, help="default: a free loopback port")
    ap.add_argument("--runs-pages", action="store_true",
                    help="afterwards open each session's Runs page and check its table")
    ap.add_argument("--out", default=None, help="also write the JSON here")
    a = ap.parse_args(argv)
    res = run(a.sessions, a.cap, a.query, a.deadline, a.idle, a.port, a.runs_pages)
    text = json.dumps(res)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")
    return 0 if res["all_finished"] else 1


if __name__ == "__main__":
    sys.exit(main())
