"""In a real browser: Train's replay shows, at update k, exactly update k's map.

The points drawn are read from the plotly figure in the page and compared with
update k of the saved run (its snapshots through the same fixed frame,
:func:`explorer.live_map.replay.frames_from_run`). Skipped when Playwright or Chromium is
missing. Screenshots go to ``test-artifacts/``.
"""


import numpy as np

from tests.helpers.browser import (
    ARTIFACTS,
    launch_chromium,
    owner_folder,
    owner_of,
    poll_page,
    settle,
    skip_without_browser,
    streamlit_server,
    tiny_run,
)

skip_without_browser()

from playwright.sync_api import sync_playwright  # noqa: E402

TINY = tiny_run()

# The map's update (from its title) and its points: the one markers trace with a point
# per tracked row (the centroids' crosses have k).
READ_MAP = """(m) => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const title = ((gd.layout || {}).title || {}).text || '';
    const at = title.match(/centroids μ_j \\(×\\) at update (\\d+)/);
    if (!at) continue;
    const pts = (gd._fullData || []).find(t => t.mode === 'markers' && t._length === m);
    if (!pts) continue;
    return {update: parseInt(at[1]), x: Array.from(pts.x), y: Array.from(pts.y)};
  }
  return null;
}"""


def _map_at(page, update: int, m: int, timeout_s: float = 60.0) -> dict:
    return poll_page(page, READ_MAP, lambda s: bool(s) and s["update"] == update, arg=m,
                     timeout_s=timeout_s, what=f"the map at update {update}")


def test_the_replay_at_update_k_draws_update_ks_points(tmp_path):
    from dec_core.runs import load_run
    from explorer.live_map.replay import frames_from_run

    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server({"DEC_RUNS_DIR": str(tmp_path)}) as (url, _), \
            sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/train?{TINY}")
        page.get_by_role("button", name="Start", exact=True).click(timeout=120_000)
        page.get_by_text("Finished in").first.wait_for(timeout=240_000)
        settle(page)
        (run_dir,) = [d for d in owner_folder(tmp_path, owner_of(page)).iterdir()
                      if d.is_dir() and not d.name.startswith(".")]
        frames = frames_from_run(load_run(run_dir, with_model=False))
        assert len(frames) == 21  # updates 0..20: 300 batches, one every 15
        m = len(frames[0]["xy"])
        _map_at(page, 20, m)  # a finished run shows its last update
        thumb = page.locator("[class*='st-key-train_replay_pos_'] input[type=range]")
        thumb.focus()
        page.keyboard.press("Home")
        seen = {}
        for k in range(4):
            seen[k] = _map_at(page, k, m)
            settle(page)
            thumb.focus()  # the rerun drew the slider anew
            page.keyboard.press("ArrowRight")
        page.locator(".st-key-train_replay_play").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "train-replay.png"))
        browser.close()
    for k, state in seen.items():
        drawn = np.stack([state["x"], state["y"]], axis=1)
        np.testing.assert_allclose(drawn, frames[k]["xy"], atol=1e-3, err_msg=f"update {k}")
    # the updates differ, so matching each one is not matching any one
    assert not np.allclose(frames[0]["xy"], frames[3]["xy"], atol=1e-3)


# Bottom edges (px) of the progress bar and of the live map, or null when not drawn.
BOTTOMS = """() => {
  const bottom = e => e ? e.getBoundingClientRect().bottom : null;
  const map = [...document.querySelectorAll('.st-key-train_map .js-plotly-plot')]
    .find(g => g.getBoundingClientRect().height > 0);
  return {progress: bottom(document.querySelector('[data-testid=stProgress]')),
          map: bottom(map), mapTop: map ? map.getBoundingClientRect().top : null};
}"""


def test_projector_mode_shows_the_progress_and_the_live_map_on_the_first_screen(tmp_path):
    long_dec = tiny_run(max_iter=100_000) + "&projector=1"
    with streamlit_server({"DEC_RUNS_DIR": str(tmp_path)}) as (url, _), \
            sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/train?{long_dec}")
        page.get_by_role("button", name="Start", exact=True).click(timeout=120_000)
        boxes = poll_page(page, BOTTOMS, lambda b: b["map"] and b["progress"], timeout_s=120,
                          what="the progress bar and the live map")
        for _ in range(40):  # the page polls while the run trains: wait for a layout at rest
            page.wait_for_timeout(500)
            again = page.evaluate(BOTTOMS)
            if again == boxes:
                break
            boxes = again
        page.screenshot(path=str(ARTIFACTS / "train-projector-mid-run.png"))
        browser.close()
    assert boxes["progress"] and boxes["map"], boxes
    assert boxes["progress"] <= boxes["mapTop"] and boxes["map"] <= 720, boxes
