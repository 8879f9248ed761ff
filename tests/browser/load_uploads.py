"""Many students upload a big CSV at once: how much memory does the server take?

usage (from the project root, in its venv; loopback only, stops by itself)::

    python -m tests.browser.load_uploads --sessions 10 --mb 20 [--cap CELLS] [--out uploads.json]

It starts ``streamlit run app.py`` on 127.0.0.1 (no warm worker), opens one
Chromium with N contexts (N separate sessions) on the Data page with "Upload a
file", gives each the same CSV of about ``--mb`` MB (4 Gaussian blobs, 3
features and a label) within a second, samples the server's RSS every 0.1 s
until every page shows the file's preview (or, with ``--cap`` below its size,
the refusal), and 5 s more. A preview counts once the page's "Samples" metric
reads the file's row count, "Features (d)" reads 3 and its scatter plot is
drawn (:func:`preview_outcome`). It prints one JSON object: ``rss_before_mb``,
``rss_peak_mb``, ``rss_end_mb``, ``pages_shown``, ``pages_refused`` and the
file's size; it exits 1 unless every page showed its preview (or, with
``--cap``, the refusal).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from tests.helpers.browser import CHROMIUM, LAUNCH_ARGS, streamlit_server


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_csv(path: Path, mb: float) -> int:
    """Blobs with labels, about ``mb`` MB; returns the number of rows."""
    from sklearn.datasets import make_blobs

    rows = int(mb * 1e6 / 27)  # ~27 bytes a row ("%.5f" x 3 and a label)
    x, y = make_blobs(rows, 3, centers=4, random_state=0)
    with open(path, "w") as f:
        f.write("x0,x1,x2,label\n")
        np.savetxt(f, np.column_stack([x, y]), fmt=["%.5f"] * 3 + ["%d"], delimiter=",")
    return rows


def preview_outcome(page, rows: int) -> str | None:
    """``"shown"`` once the page shows this upload parsed, ``"refused"`` for the cap's refusal.

    Shown means the Data page's preview of exactly this file: its "Samples"
    metric reads the file's row count (shortened past 5 digits, e.g. "740.7 k"),
    "Features (d)" reads 3, the caption
    says "user file NAME (ROWS x 3)" (rows with thousands separators, which
    the check before this one missed, so it never matched) and the feature
    scatter plot has been drawn; None while neither has happened.
    """
    values = dict(zip(page.locator("[data-testid=stMetricLabel]").all_inner_texts(),
                      page.locator("[data-testid=stMetricValue]").all_inner_texts()))
    values = {label.strip(): value.strip() for label, value in values.items()}
    from dec_core.cost import human_count

    if (values.get("Samples") in (f"{rows:,}", human_count(rows)) and values.get("Features (d)") == "3"
            and page.get_by_text(f"({rows:,} x 3)", exact=False).count()
            and page.locator("[data-testid=stPlotlyChart] .main-svg").count()):
        return "shown"
    if page.get_by_text("DEC_MAX_UPLOAD_CELLS").count():
        return "refused"
    return None


def main(argv: list[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--cap", type=int, help="DEC_MAX_UPLOAD_CELLS (default: the server's)")
    ap.add_argument("--deadline", type=float, default=600.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="dec-uploads-"))
    csv = tmp / "blobs.csv"
    rows = make_csv(csv, args.mb)
    env = {"DEC_RUNS_DIR": str(tmp / "runs"), "DEC_WARM_WORKERS": "0"}
    if args.cap:
        env["DEC_MAX_UPLOAD_CELLS"] = str(args.cap)
    with streamlit_server(env) as (url, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        pages = []
        for _ in range(args.sessions):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{url}/data?data.name=file")
            pages.append(page)
        for page in pages:
            page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(
                state="attached", timeout=180_000)
        print(f"{len(pages)} pages ready", file=sys.stderr, flush=True)
        time.sleep(2.0)
        before = rss_mb(proc.pid)
        samples, stop = [before], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(rss_mb(proc.pid))
                time.sleep(0.1)

        threading.Thread(target=sample, daemon=True).start()
        t0 = time.time()
        for page in pages:
            page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(csv))
        shown, refused = set(), set()
        end = t0 + args.deadline
        while len(shown | refused) < len(pages) and time.time() < end:
            for i, page in enumerate(pages):
                if i in shown or i in refused:
                    continue
                outcome = preview_outcome(page, rows)
                if outcome == "shown":
                    shown.add(i)
                elif outcome == "refused":
                    refused.add(i)
                if outcome:
                    print(f"page {i} {outcome} at {time.time() - t0:.0f} s", file=sys.stderr,
                          flush=True)
            time.sleep(0.5)
        seconds = time.time() - t0
        shot = tmp / "page0.png"  # what the first session saw, to look at
        pages[0].screenshot(path=str(shot), full_page=True)
        time.sleep(5.0)
        stop.set()
        result = {"sessions": args.sessions, "file_mb": round(csv.stat().st_size / 1e6, 1),
                  "rows": rows, "cap": args.cap, "pages_shown": len(shown),
                  "pages_refused": len(refused), "pages_done": len(shown | refused),
                  "seconds_to_all_done": round(seconds, 1), "rss_before_mb": round(before),
                  "rss_peak_mb": round(max(samples)), "rss_end_mb": round(samples[-1]),
                  "screenshot": str(shot)}
        browser.close()
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    out = main()
    sys.exit(0 if out["pages_done"] == out["sessions"] else 1)
