"""In a real browser: Step by step's map gains centroid-trail points and new prototypes per Step.

Skipped when Playwright or Chromium is missing. Screenshots go to ``test-artifacts/``.
"""

import json

from tests.helpers.browser import (
    ARTIFACTS,
    launch_chromium,
    poll_page,
    skip_without_browser,
    streamlit_server,
    tiny_run,
)

skip_without_browser()

from playwright.sync_api import sync_playwright  # noqa: E402

TINY = tiny_run()

# The map's trails (one "lines+markers" trace per centroid) and the prototypes' pixels.
READ = """() => {
  const out = {trail: null, protos: null, update: null};
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const title = ((gd.layout || {}).title || {}).text || '';
    if (title.includes('centroids μ_j (×) at update')) {
      out.update = parseInt(title.split('at update ')[1]);
      out.trail = (gd._fullData || []).filter(t => t.mode === 'lines+markers')
          .map(t => t._length ?? (t.x || []).length);
    }
    if (title.includes('Decoded centroids')) {
      out.protos = JSON.stringify(gd.data[0].z || gd.data[0].source);
    }
  }
  return out;
}"""


def _wait_for_update(page, update: int, timeout_s: float = 90.0) -> dict:
    return poll_page(page, READ, lambda s: s["update"] == update and s["protos"],
                     timeout_s=timeout_s, what=f"the map at update {update}")


def test_three_steps_grow_the_trails_and_change_the_prototypes(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server({"DEC_RUNS_DIR": str(tmp_path)}) as (url, _), \
            sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{url}/learn?{TINY}")
        page.get_by_role("button", name="Start in step mode").click(timeout=120_000)
        states = [_wait_for_update(page, 0, 240)]
        for u in (1, 2, 3):
            page.get_by_role("button", name="Step", exact=True).click()
            states.append(_wait_for_update(page, u))
        page.screenshot(path=str(ARTIFACTS / "learn-map-step3.png"))
        browser.close()
    for u, state in enumerate(states):
        assert state["trail"] == [u + 1] * 10, state["trail"]  # one point per update, k = 10
    protos = [s["protos"] for s in states]
    assert all(a != b for a, b in zip(protos, protos[1:])), "the prototypes did not change"
    json.loads(protos[-1])  # the pixels came through as data
