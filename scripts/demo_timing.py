"""Time the default demo as a person sees it: the app in headless Chromium, Start on Train.

usage (from the project root, in its venv):
    python scripts/demo_timing.py [--query 'train.autoencoder=live'] [--timeout 400]

It starts ``streamlit run app.py`` on a free loopback port with its own runs folder
(:func:`tests.helpers.browser.streamlit_server`), opens ``/train`` (plus the query
string, if given) in Debian's Chromium, presses Start, and prints one JSON line:

``first_chart_s``
    seconds from the click to the first chart on the page;
``finished_s``
    seconds from the click to the text "Finished in";
``banner``
    that text (its own seconds are the worker's time, from its start to the saved run);
``cpu_s``
    CPU seconds used meanwhile, by process family: the Streamlit server, the training
    worker(s) (multiprocessing children) and Chromium.

The demo figures in docs/benchmarks.md come from this script. Needs Debian's chromium and pip's
playwright (``[test]`` extra).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.getcwd())

from tests.helpers.browser import launch_chromium, streamlit_server  # noqa: E402


def family(args: str) -> str | None:
    """Which process family a command line belongs to (None: not counted)."""
    if "chromium" in args:
        return "chromium"
    if "multiprocessing" in args and "resource_tracker" not in args:
        return "worker"
    if "streamlit run" in args:
        return "server"
    return None


def snapshot() -> dict[str, tuple[str, int]]:
    """``{pid: (family, cpu seconds)}`` of the counted processes, from ``ps``."""
    out = subprocess.run(["ps", "-eo", "pid=,times=,args="], capture_output=True,
                         text=True).stdout
    now = {}
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and (fam := family(parts[2])):
            now[parts[0]] = (fam, int(parts[1]))
    return now


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--query", default="", help="URL query of the Train page, e.g. "
                    "'train.autoencoder=live'")
    ap.add_argument("--timeout", type=int, default=400, help="seconds to wait for each step")
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    cpu: dict[str, tuple[str, int]] = {}
    done = threading.Event()

    def sample() -> None:  # a process's last reading counts: it may end before the next
        while not done.is_set():
            cpu.update(snapshot())
            time.sleep(1)

    res: dict = {}
    base: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="demo-runs-") as runs, \
            streamlit_server({"DEC_RUNS_DIR": runs}, timeout=240) as (url, _):
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{url}/train" + (f"?{a.query}" if a.query else ""))
                start = page.get_by_role("button").filter(has_text="Start").first
                start.wait_for(timeout=120_000)
                time.sleep(2)  # the page's first script runs settle
                base = {pid: s for pid, (_, s) in snapshot().items()}
                threading.Thread(target=sample, daemon=True).start()
                t0 = time.time()
                start.click()
                page.wait_for_selector(".js-plotly-plot, [data-testid='stVegaLiteChart']",
                                       timeout=a.timeout * 1000)
                res["first_chart_s"] = round(time.time() - t0, 1)
                banner = page.get_by_text("Finished in", exact=False).first
                banner.wait_for(timeout=a.timeout * 1000)
                res["finished_s"] = round(time.time() - t0, 1)
                res["banner"] = banner.inner_text()[:200]
                browser.close()
        finally:
            done.set()
            totals: collections.Counter = collections.Counter()
            for pid, (fam, s) in cpu.items():
                totals[fam] += s - base.get(pid, 0)
            res["cpu_s"] = dict(totals)
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
