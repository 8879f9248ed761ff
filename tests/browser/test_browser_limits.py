"""A real browser at the limits: long captions never clip; a refused upload frees its memory.

Debian's chromium through Playwright; skipped when either is missing. The
server is a real ``streamlit run app.py``; its memory is read from
``/proc/<pid>/status``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.browser import (
    ARTIFACTS,
    skip_without_browser,
    streamlit_server,
)

skip_without_browser()

LONG_NAME = "a_rather_long_experiment_file_name_for_the_lab_session_2026.csv"  # 63 characters
CAP = 200_000  # DEC_MAX_UPLOAD_CELLS of the test server

# Elements whose text must stay inside the page's main column, and within their own box.
OVERFLOWS = """
() => {
  const main = document.querySelector('[data-testid=stMain] [data-testid=stMainBlockContainer]')
      || document.querySelector('[data-testid=stMain]');
  const right = main.getBoundingClientRect().right + 1;
  const out = [];
  for (const el of main.querySelectorAll(
      '[data-testid=stCaptionContainer], [data-testid=stMarkdownContainer], [data-testid=stAlert], '
      + '[data-testid=stMetricValue] > div')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > right || el.scrollWidth > el.clientWidth + 1)
      out.push(el.innerText.slice(0, 80));
  }
  return out;
}
"""
# Every plotly annotation's box against its chart's box.
ANNOTATIONS_OUTSIDE = """
() => {
  const out = [];
  for (const svg of document.querySelectorAll('.main-svg')) {
    const box = svg.closest('.js-plotly-plot').getBoundingClientRect();
    for (const a of svg.querySelectorAll('.annotation-text')) {
      const r = a.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1) out.push(a.textContent.slice(0, 80));
    }
  }
  return out;
}
"""


def rss_mb(pid: int) -> float:
    """The resident memory of a process, MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"DEC_RUNS_DIR": str(tmp_path_factory.mktemp("runs")), "DEC_WARM_WORKERS": "0",
           "DEC_MAX_UPLOAD_CELLS": str(CAP)}
    with streamlit_server(env) as (url, proc):
        yield url, proc


def upload(page, path: Path) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))


def open_file_panel(page, url: str) -> None:
    page.goto(f"{url}/data?data.name=file")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(state="attached",
                                                                       timeout=120_000)


def test_tol_note_for_a_million_points_stays_inside_its_chart(browser):
    """Plotly never wraps an annotation: the tol note must be broken into lines."""
    from explorer.charts import train as charts
    from explorer.text import teach

    rows = [{"update": i, "iteration": 60 * i, "delta_label": d}
            for i, d in enumerate([0.0, 0.0016, 0.0009, 0.0002, 0.0001])]
    figs = [charts.delta_label_figure(rows, 1e-4, 1_000_000),
            charts.placeholder("DEC: points that changed cluster per update",
                               f"stops below {teach.tol_text(1e-4, 1_000_000)}")]
    html = "".join(f"<div style='width:600px'>{f.to_html(full_html=False, include_plotlyjs=i == 0)}"
                   "</div>" for i, f in enumerate(figs))
    page = browser.new_page(viewport={"width": 700, "height": 800})
    page.set_content(f"<html><body>{html}</body></html>")
    page.locator(".annotation-text").first.wait_for(timeout=30_000)
    assert page.locator(".annotation-text").count() >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tol-note-1m.png"), full_page=True)
    assert page.evaluate(ANNOTATIONS_OUTSIDE) == []
    page.close()


def test_long_file_name_and_wide_header_never_clip(server, browser, tmp_path):
    url, _ = server
    path = tmp_path / LONG_NAME
    cols = [f"feature_{i:04d}" for i in range(5000)]
    x = np.random.default_rng(0).random((30, 5000))
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        np.savetxt(f, x, fmt="%.3f", delimiter=",")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    open_file_panel(page, url)
    upload(page, path)
    page.get_by_text("(30 x 5000)", exact=False).first.wait_for(timeout=120_000)
    time.sleep(1.0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "long-name-wide-header.png"), full_page=True)
    assert page.evaluate(OVERFLOWS) == []
    page.close()


def test_refused_upload_releases_its_memory(server, browser, tmp_path):
    url, proc = server
    big = tmp_path / "too_big.csv"
    rng = np.random.default_rng(0)
    block = io.StringIO()  # formatted once: 20,000 rows of 5 random cells
    np.savetxt(block, rng.random((20_000, 5)) * 1000, fmt="%.12f", delimiter=",")
    with open(big, "w") as f:  # 3,000,000 cells (15x the cap), about 50 MB
        f.write(block.getvalue() * 30)
    good = tmp_path / "good.csv"
    good.write_text("a,b,label\n" + "\n".join(f"{i % 7},{i % 5},{i % 2}" for i in range(60)))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    open_file_panel(page, url)
    time.sleep(2.0)
    before = rss_mb(proc.pid)
    upload(page, big)
    page.get_by_text("DEC_MAX_UPLOAD_CELLS").first.wait_for(timeout=120_000)
    time.sleep(2.0)
    after = rss_mb(proc.pid)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "refused-upload.png"), full_page=True)
    print(f"server RSS before {before:.0f} MB, after refusing {big.stat().st_size / 1e6:.0f} MB: "
          f"{after:.0f} MB")
    assert after - before < 50, (before, after)
    # the page still works: a good file loads after the refusal
    upload(page, good)
    page.get_by_text("good.csv (60 x 2)", exact=False).first.wait_for(timeout=60_000)
    assert page.get_by_text("DEC_MAX_UPLOAD_CELLS").count() == 0
    print(f"server RSS after the good upload {rss_mb(proc.pid):.0f} MB")
    page.close()
