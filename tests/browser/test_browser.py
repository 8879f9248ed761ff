"""A real browser drives the real server: Start on a tiny config, wait for the result.

Uses Debian's chromium through Playwright's ``executable_path``; skipped when
either is missing. A screenshot goes to ``test-artifacts/``.
"""

import time

from tests.helpers.browser import (
    ARTIFACTS,
    server_env,
    settle,
    skip_without_browser,
    streamlit_server,
    tiny_run,
)
from tests.helpers.browser import owner_of as owner_cookie

skip_without_browser()

TINY = tiny_run(tol=None)


# Checked at every change of the page: what a projector would show at that moment.
WATCH_FINISH = """
window.__glitches = [];
new MutationObserver(() => {
  const text = document.body.innerText;
  if (!text.includes('Finished in')) return;
  const start = [...document.querySelectorAll('button')].find(b => b.innerText.includes('Start'));
  const side = document.querySelector('[data-testid=stSidebar]');
  const shares = [...document.querySelectorAll('[data-testid=stExpander] summary')]
      .filter(e => e.innerText.includes('Share / present')).length;
  if (start && start.disabled) window.__glitches.push('Start disabled');
  if (side && side.innerText.includes('Training:')) window.__glitches.push('sidebar training');
  if (shares > 1) window.__glitches.push('two Share panels');
}).observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
"""
# Every page-menu label drawn while the app loads.
WATCH_MENU = """
window.__menu = new Set();
new MutationObserver(() => {
  document.querySelectorAll('[data-testid=stSidebarNav] a, [data-testid=stPageLink] a')
      .forEach(a => window.__menu.add(a.innerText.trim().split('\\n').pop().trim()));
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def test_fresh_server_first_paint_shows_only_the_app_menu(tmp_path_factory, browser):
    """Streamlit's old pages/ menu (raw file names) never appears, even on a fresh server."""
    with streamlit_server(server_env(tmp_path_factory)) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(WATCH_MENU)
        page.goto(f"{url}/train?data.n_samples=300")  # a deep link, the server's first request
        page.get_by_text("Share / present").first.wait_for(timeout=120_000)
        page.get_by_text("Compare methods").first.wait_for(timeout=30_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "fresh-server-first-paint.png"))
        menu = set(page.evaluate("[...window.__menu]"))
        assert menu == {"Data", "Model", "Train", "Explore", "Runs", "Step by step",
                        "Lockstep", "Compare methods"}
        assert page.get_by_role("heading", name="Train").count() == 1
        page.close()


def test_start_tiny_config_until_confusion_matrix(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(WATCH_FINISH)
    page.goto(f"{server}/train?{TINY}")
    start = page.get_by_role("button", name="Start")
    start.wait_for(timeout=120_000)  # a server's first page imports TensorFlow
    start.click()
    t0 = time.time()
    page.get_by_text("Autoencoder pretraining: reconstruction loss").first.wait_for(timeout=60_000)
    page.get_by_text("Confusion matrix after Hungarian matching").first.wait_for(timeout=180_000)
    elapsed = time.time() - t0
    page.get_by_text("Finished in").first.wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "train-finished-0.5s.png"))
    page.wait_for_timeout(2500)
    page.screenshot(path=str(ARTIFACTS / "train-finished-3s.png"))
    # "Finished" was never on screen beside a disabled Start, a sidebar still
    # training, or two Share panels
    assert page.evaluate("window.__glitches") == []
    page.screenshot(path=str(ARTIFACTS / "train-finished.png"), full_page=True)
    assert page.get_by_text("Training failed").count() == 0
    assert elapsed < 180
    # the URL keeps the settings and the job, the owner token stays in a cookie
    assert "model.hidden=32%2C10" in page.url or "model.hidden=32,10" in page.url
    assert "job=" in page.url and "owner=" not in page.url
    token = owner_cookie(page)
    # on screen nowhere (the page source has it only in the script that sets the cookie)
    assert token and token not in page.url and token not in page.inner_text("body")
    page.reload()  # a refresh reattaches: the job from the URL, the owner from the cookie
    page.get_by_text("Finished in").first.wait_for(timeout=60_000)
    assert owner_cookie(page) == token and token not in page.url
    page.close()


def test_share_link_reopens_the_same_experiment(server, browser):
    """A teacher's link opens the same settings in a fresh browser (another context)."""
    teacher = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    teacher.goto(f"{server}/train?model.hidden=48,12&train.tol=0.02&train.pretrain_epochs=7"
                 "&data.n_samples=500")
    teacher.get_by_text("autoencoder d-48-12").first.wait_for(timeout=60_000)
    teacher.get_by_text("Share / present").click()
    teacher.locator("[data-testid='stCode'] code").first.wait_for(timeout=30_000)
    presenter, link = (c.inner_text().strip()
                       for c in teacher.locator("[data-testid='stCode'] code").all())
    assert "projector=1" in presenter and "model.hidden=48,12" in presenter
    # the students' link: the same experiment, in normal mode
    assert "owner=" not in link and "model.hidden=48,12" in link and "projector" not in link
    if link.startswith("?"):
        link = f"{server}/train{link}"
    teacher.screenshot(path=str(ARTIFACTS / "share-link.png"))
    student = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    student.goto(link)
    student.get_by_text("500 samples").first.wait_for(timeout=60_000)
    assert student.get_by_text("autoencoder d-48-12").count() == 1
    student.get_by_text("Settings").first.click()
    tol = student.get_by_role("spinbutton", name="Tolerance (tol)")
    tol.wait_for(timeout=30_000)
    assert float(tol.input_value()) == 0.02
    epochs = student.get_by_role("spinbutton", name="Epochs", exact=True)
    end = time.time() + 30  # the expander's inputs fill in one by one on a busy machine
    while epochs.input_value() != "7" and time.time() < end:
        time.sleep(0.2)
    assert int(epochs.input_value()) == 7
    student.get_by_text("Share / present").click()
    student.locator("[data-testid='stCode'] code").first.wait_for(timeout=30_000)
    assert owner_cookie(student) != owner_cookie(teacher)  # a new owner
    assert owner_cookie(teacher) not in link and "owner=" not in student.url
    student.screenshot(path=str(ARTIFACTS / "share-link-student.png"))


# Bounding boxes in page pixels: [left, top, right, bottom].
BOXES = """(sel) => [...document.querySelectorAll(sel)].map(e => {
  const b = e.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom];
})"""


def overlap(a, b) -> bool:
    """Whether two boxes share an area (touching edges do not count)."""
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def chart_title_gaps(page) -> list[float]:
    """Per image-grid chart: pixels between the bottom of its title and the top of its image."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
      .filter(c => c.querySelector('.imagelayer image') && c.querySelector('.gtitle'))
      .map(c => c.querySelector('.imagelayer image').getBoundingClientRect().top
                - c.querySelector('.gtitle').getBoundingClientRect().bottom)""")


def nav(page, name: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_role("link", name=name).first.click()


def test_screens_keep_settings_and_nothing_covers_anything(server, browser):
    """What only a browser shows, at 1280 px: Input noise stays 0.40 after
    Data -> moons -> digits; image grids sit under their titles; chart toolbars clear
    the titles; Play / Pause clear the evolution slider; Step's status is not clipped."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
    page.goto(f"{server}/")
    page.get_by_text("Sample images").first.wait_for(timeout=120_000)
    settle(page, 1000)
    assert all(0 <= gap < 48 for gap in chart_title_gaps(page)), chart_title_gaps(page)

    nav(page, "Train")  # the Train widgets are registered first, as a class would
    page.get_by_text("Settings").first.click()
    page.get_by_text("Input noise").first.wait_for(timeout=30_000)
    nav(page, "Data")
    for name in ("Two moons (synthetic, non-convex)", "Digits 8x8 (built in, 1,797 images)"):
        page.locator("[data-testid=stSelectbox]").first.click()
        page.get_by_role("option", name=name).click()
        settle(page)
    nav(page, "Train")
    page.get_by_text("Settings").first.click()
    noise = page.locator("[data-testid=stSlider]").filter(has_text="Input noise")
    noise.wait_for(timeout=30_000)
    settle(page)
    assert noise.locator("[data-testid=stSliderThumbValue]").inner_text() == "0.40"
    page.screenshot(path=str(ARTIFACTS / "screens-train-settings.png"))

    t0 = time.time()
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Finished in").first.wait_for(timeout=180_000)
    print(f"[screens] Start -> Finished {time.time() - t0:.1f} s")
    assert "train.pretrain_noise" not in page.url
    nav(page, "Explore")  # at once: the Train page's last run may still be drawing
    page.get_by_role("tab", name="Evolution").wait_for(timeout=60_000)
    settle(page, 1000)
    for tab in ("Embedding map", "Confusion matrix", "Metrics", "Galleries"):
        page.get_by_role("tab", name=tab).click()
        settle(page, 700)
        charts = page.locator("[data-testid=stPlotlyChart]:visible")
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.hover()  # shows the toolbar
            titles = chart.evaluate(f"c => ({BOXES})('.gtitle').length ? "
                                    "[...c.querySelectorAll('.gtitle')].map(e => {"
                                    "const b = e.getBoundingClientRect();"
                                    "return [b.left, b.top, b.right, b.bottom]}) : []")
            bars = chart.evaluate("c => [...c.querySelectorAll('.modebar')].map(e => {"
                                  "const b = e.getBoundingClientRect();"
                                  "return [b.left, b.top, b.right, b.bottom]})")
            assert not any(overlap(t, m) for t in titles for m in bars), (tab, i, titles, bars)
        if tab == "Galleries":
            assert all(0 <= gap < 48 for gap in chart_title_gaps(page)), chart_title_gaps(page)
    page.get_by_role("tab", name="Evolution").click()
    page.locator(".slider-grip-rect").first.wait_for(timeout=30_000)
    settle(page)
    buttons = page.evaluate(BOXES, ".updatemenu-button")
    rail = page.evaluate(BOXES, ".slider-rail-rect")[0]
    grip = page.evaluate(BOXES, ".slider-grip-rect")[0]  # the handle, at update 0
    assert len(buttons) == 2 and max(b[2] for b in buttons) <= rail[0]
    assert not any(overlap(b, grip) for b in buttons)
    axis_title = page.evaluate(BOXES, "[data-testid=stPlotlyChart] .xtitle")
    axis_title = [t for t in axis_title if t[2] > t[0]]  # the visible tab's chart
    assert axis_title and not any(overlap(t, r) for t in axis_title for r in [rail, *buttons])
    page.screenshot(path=str(ARTIFACTS / "screens-evolution-update0.png"))

    print(f"[screens] Explore checked {time.time() - t0:.1f} s")
    nav(page, "Step by step")
    page.get_by_role("button", name="Start in step mode").click()
    badge = page.get_by_text("waiting for Step (update 0)").first
    badge.wait_for(timeout=180_000)
    print(f"[screens] step job waiting {time.time() - t0:.1f} s")
    page.wait_for_timeout(1500)
    assert badge.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    clipped = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=stMetricValue] div, [data-testid=stMetricValue], button p')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)""")
    assert clipped == []
    page.screenshot(path=str(ARTIFACTS / "screens-step-waiting.png"))
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped:").first.wait_for(timeout=60_000)
    page.close()


def test_two_tabs_opened_at_once_share_one_owner(server, browser):
    """Two tabs of a new browser open before either stored the cookie: one gives way.

    Each session gets a token; the one whose token lost the cookie reloads and
    reads the cookie's, so a refresh of either tab later finds both tabs' jobs.
    """
    import re

    # A server's very first page reconnects once (explorer.session.page.ensure_navigation), which
    # would hide the race: open one elsewhere first.
    warm = browser.new_context()
    first = warm.new_page()
    first.goto(f"{server}/data")
    first.get_by_text("Sample images").first.wait_for(timeout=120_000)
    warm.close()
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tabs = [context.new_page() for _ in range(2)]
    for tab in tabs:  # both requests leave before either page has run its script
        tab.goto(f"{server}/data?data.n_samples=300", wait_until="commit")
    for tab in tabs:
        tab.get_by_text("Sample images").first.wait_for(timeout=120_000)
    time.sleep(3)  # past the script's second look at the cookie (ui.OWNER_CHECK_MS)
    for tab in tabs:
        tab.get_by_text("Sample images").first.wait_for(timeout=60_000)
    cookie = owner_cookie(tabs[0])
    assert cookie
    for tab in tabs:
        # a session draws the cookie script only when the browser did not send its token,
        # and the script carries the session's token: none may differ from the cookie
        tokens = set(re.findall(r"dec_owner=([A-Za-z0-9_-]{16,64})", tab.content()))
        assert tokens <= {cookie}, (tokens, cookie)
    tabs[0].screenshot(path=str(ARTIFACTS / "two-tabs-first.png"))
    context.close()
