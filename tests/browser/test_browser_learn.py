"""In a real browser: Step by step's lesson on one projector screen, and a click on the map.

At 1280x720 in projector mode (``/learn?projector=1``, the sidebar as it opens), the
Step button, the map and the q-and-p chart lie inside the viewport; clicking a point
on the map makes it the chosen point: the q-and-p chart shows it and the map draws
its pull arrow from it. Skipped when Playwright or Chromium is missing.
"""


import pytest

from tests.helpers.browser import (
    ARTIFACTS,
    launch_chromium,
    skip_without_browser,
    streamlit_server,
    tiny_run,
)

skip_without_browser()

from playwright.sync_api import sync_playwright  # noqa: E402

TINY = tiny_run()
VIEWPORT = {"width": 1280, "height": 720}

# The lesson's charts, found by their titles: the map's update, the q-and-p chart's
# point, the arrow (an annotation) and the ring of the chosen point, and each box.
READ = """() => {
  const out = {update: null, qp: null, map: null, qpBox: null, arrow: null, ring: null};
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const title = ((gd.layout || {}).title || {}).text || '';
    const r = gd.getBoundingClientRect();
    const box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    if (title.includes('centroids μ_j (×) at update')) {
      out.update = parseInt(title.split('at update ')[1]);
      out.map = box;
      const a = ((gd.layout || {}).annotations || []).find(a => a.name === 'pull');
      out.arrow = a ? {x0: a.ax, y0: a.ay, x1: a.x, y1: a.y} : null;
      const ring = (gd._fullData || []).find(t => (t.name || '').startsWith('point '));
      out.ring = ring ? parseInt(ring.name.slice(6)) : null;
    }
    const m = title.match(/oint #(\\d+)/);
    if (m) { out.qp = parseInt(m[1]); out.qpBox = box; }
  }
  return out;
}"""

# The page position of the tracked point farthest (on screen) from every other marker
# but the chosen one, so a click there can only hit it. Returns {row, x, y, xy}.
ISOLATED = """(avoid) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
      g => (((g.layout || {}).title || {}).text || '').includes('centroids μ_j'));
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const r = gd.getBoundingClientRect();
  const px = (x, y) => [r.left + xa._offset + xa.l2p(x), r.top + ya._offset + ya.l2p(y)];
  const data = gd._fullData;  // x and y decoded (plotly sends arrays as typed binary)
  const pts = data.find(t => t.name === 'points z_i');
  const others = [];
  for (const t of data) for (let i = 0; i < (t.x || []).length; i++)
    if (t.x[i] !== null && t.y[i] !== null) others.push(px(t.x[i], t.y[i]));
  let best = null;
  for (let i = 0; i < pts.x.length; i++) {
    if (i === avoid) continue;
    const [x, y] = px(pts.x[i], pts.y[i]);
    if (x < r.left + xa._offset + 10 || x > r.left + xa._offset + xa._length - 10) continue;
    if (y < r.top + ya._offset + 10 || y > r.top + ya._offset + ya._length - 10) continue;
    let near = Infinity;
    for (const [ox, oy] of others) {
      const d = Math.hypot(ox - x, oy - y);
      if (d > 0.01) near = Math.min(near, d);
    }
    if (!best || near > best.near) best = {row: i, x, y, near, xy: [pts.x[i], pts.y[i]]};
  }
  return best;
}"""


def wait_for(page, test, what: str, timeout_s: float = 120.0) -> dict:
    """Poll :data:`READ` until ``test(state)`` holds.

    (``settle`` cannot serve here: a step-mode job polls the page every 0.8 s, so the
    page is never idle; the charts' own contents say when a run was drawn.)
    """
    state = None
    for _ in range(int(timeout_s / 0.25)):
        state = page.evaluate(READ)
        if test(state):
            return state
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} never showed: {state}")


def inside(box: dict, viewport: dict = VIEWPORT) -> bool:
    return (box["left"] >= 0 and box["top"] >= 0 and box["right"] <= viewport["width"]
            and box["bottom"] <= viewport["height"])


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    """Step by step in projector mode at 1280x720, waiting at update 0."""
    ARTIFACTS.mkdir(exist_ok=True)
    runs = tmp_path_factory.mktemp("runs")
    with streamlit_server({"DEC_RUNS_DIR": str(runs)}) as (url, _), sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{url}/learn?projector=1&{TINY}")
        page.get_by_role("button", name="Start in step mode").click(timeout=120_000)
        wait_for(page, lambda s: s["update"] == 0 and s["qp"] is not None, "update 0", 240)
        page.wait_for_timeout(2000)  # the rest of the run's elements
        yield page
        browser.close()


def test_step_the_map_and_the_q_and_p_chart_fit_one_projector_screen(lesson):
    page = lesson
    main = page.get_by_test_id("stMainBlockContainer")  # not the header's own "Stop"
    step = main.get_by_role("button", name="Step", exact=True).bounding_box()
    state = page.evaluate(READ)
    page.screenshot(path=str(ARTIFACTS / "learn-projector-1280x720.png"))
    step_box = {"left": step["x"], "top": step["y"], "right": step["x"] + step["width"],
                "bottom": step["y"] + step["height"]}
    for name, box in (("Step", step_box), ("map", state["map"]), ("q and p", state["qpBox"])):
        assert inside(box), f"{name} at {box} is not inside 1280x720"
    # nothing cut: each button shows its whole words ("S…" is a truncated "Step"), and
    # every pace of the speed control is on screen
    whole = "b => [b, ...b.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1)"
    for label in ("Start in step mode", "Step", "Play", "Pause", "Stop", "0.5 s", "3 s"):
        button = (main.get_by_text(label, exact=True) if label.endswith(" s")  # the paces
                  else main.get_by_role("button", name=label, exact=True))
        assert button.evaluate(whole), f"{label!r} is cut"
        box = button.bounding_box()
        assert inside({"left": box["x"], "top": box["y"], "right": box["x"] + box["width"],
                       "bottom": box["y"] + box["height"]}), label


# Every chart's title whose right end lies beyond its chart (the chart's box clips it).
CUT_TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
  const t = gd.querySelector('.gtitle');
  if (!t || !t.textContent) return [];
  return t.getBoundingClientRect().right > gd.getBoundingClientRect().right + 1
      ? [t.textContent] : [];
})"""


def test_no_title_is_cut_and_captions_are_dark_in_projector_mode(lesson):
    page = lesson
    assert page.evaluate(CUT_TITLES) == []
    ink = page.get_by_test_id("stCaptionContainer").first.evaluate(
        "e => getComputedStyle(e).color")
    assert ink == "rgb(51, 51, 51)", ink  # theme.PROJECTOR["caption"], not the default grey


def test_clicking_a_point_chooses_it_and_draws_its_pull(lesson):
    page = lesson
    before = page.evaluate(READ)
    target = page.evaluate(ISOLATED, before["qp"])
    assert target is not None and target["row"] != before["qp"]
    # plotly turns a click into a selection only on a point it is hovering: move there first
    page.mouse.move(target["x"], target["y"])
    page.wait_for_timeout(500)
    page.mouse.click(target["x"], target["y"])
    state = wait_for(page, lambda s: s["qp"] == target["row"] and s["ring"] == target["row"],
                     f"point #{target['row']}", 60)
    page.screenshot(path=str(ARTIFACTS / "learn-clicked-point.png"))
    assert state["qp"] == target["row"] and state["ring"] == target["row"]
    arrow = state["arrow"]
    assert arrow is not None, "no pull arrow on the map"
    assert (arrow["x0"], arrow["y0"]) == pytest.approx(tuple(target["xy"]), abs=1e-6)
    assert (arrow["x1"], arrow["y1"]) != pytest.approx((arrow["x0"], arrow["y0"]))
