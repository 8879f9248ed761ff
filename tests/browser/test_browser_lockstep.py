"""In a real browser: a lockstep pair, started in one click, advances both maps together.

Both maps are read from the plotly figures in the page: while Play runs, they
always show the same update, and at update 0 they draw the same points (the
shared k-means start). Skipped when Playwright or Chromium is missing.
Screenshots go to ``test-artifacts/``.
"""


from tests.helpers.browser import (
    ARTIFACTS,
    launch_chromium,
    settle,
    skip_without_browser,
    streamlit_server,
    tiny_run,
)

skip_without_browser()

from playwright.sync_api import sync_playwright  # noqa: E402

TINY = tiny_run(max_iter=150)

# Each lockstep map: its update (from its title) and its points (the markers trace with
# one point per tracked row; the centroids' crosses have k = 10).
READ_MAPS = """() => [...document.querySelectorAll('.st-key-lockstep_map_0 .js-plotly-plot, '
                                              + '.st-key-lockstep_map_1 .js-plotly-plot')]
  .map(gd => {
    const title = ((gd.layout || {}).title || {}).text || '';
    const at = title.match(/update (\\d+)/);
    const pts = (gd._fullData || []).find(t => t.mode === 'markers' && t._length > 10);
    return {update: at ? parseInt(at[1]) : null,
            x: pts ? Array.from(pts.x) : [], y: pts ? Array.from(pts.y) : []};
  })"""


def test_a_lockstep_pair_advances_both_maps_together(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server({"DEC_RUNS_DIR": str(tmp_path)}) as (url, _), \
            sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/lockstep?{TINY}")
        page.get_by_role("button", name="power 2 vs 1").click(timeout=120_000)
        # both runs end (updates 0..10); the pair then shows its last update
        for _ in range(480):
            maps = page.evaluate(READ_MAPS)
            if [m["update"] for m in maps] == [10, 10]:
                break
            page.wait_for_timeout(500)
        assert [m["update"] for m in maps] == [10, 10], maps
        settle(page)
        slider = page.locator("[class*='st-key-lockstep_replay_pos_'] input[type=range]")
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(120):
            start = page.evaluate(READ_MAPS)
            if [m["update"] for m in start] == [0, 0]:
                break
            page.wait_for_timeout(250)
        settle(page)
        page.locator(".st-key-lockstep_replay_speed").get_by_text("0.5 s", exact=True).click()
        settle(page)
        page.locator(".st-key-lockstep_replay_play button").first.click()
        seen = []
        for _ in range(80):  # 10 updates at 0.5 s each, with room for a busy machine
            maps = page.evaluate(READ_MAPS)
            if len(maps) == 2 and None not in (maps[0]["update"], maps[1]["update"]):
                seen.append((maps[0]["update"], maps[1]["update"]))
                if maps[0]["update"] == 5 and maps[1]["update"] == 5:
                    page.screenshot(path=str(ARTIFACTS / "lockstep-update-5.png"))
                if seen[-1] == (10, 10):
                    break
            page.wait_for_timeout(200)
        browser.close()
    assert [m["update"] for m in start] == [0, 0]
    assert start[0]["x"] and start[0]["x"] == start[1]["x"] and start[0]["y"] == start[1]["y"]
    # sampled while both maps are redrawn one after the other, a pair may be one apart
    # for a moment, never more; and the pair walks on together to the end
    assert all(abs(a - b) <= 1 for a, b in seen), seen
    together = sorted({a for a, b in seen if a == b})
    assert len(together) >= 5 and together[-1] == 10, seen
