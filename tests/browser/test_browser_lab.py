"""A lab's abuse in a real browser: many reruns then Back, every page's URL, refresh
after Back, a second tab, and chart titles that nothing overprints.

Uses Debian's chromium through Playwright's ``executable_path``; skipped when
either is missing. Screenshots go to ``test-artifacts/``.
"""

from urllib.parse import parse_qs, urlsplit

from tests.helpers.browser import ARTIFACTS, settle, skip_without_browser, tiny_run

skip_without_browser()
from playwright.sync_api import expect  # noqa: E402

TINY = tiny_run(tol=None)
# A run that lasts: live pretraining, then DEC with no tolerance and many batches.
LONG = ("data.n_samples=300&model.hidden=32,10&train.autoencoder=live"
        "&train.pretrain_epochs=2000&train.tol=0&train.max_iter=100000")
NOT_FOUND = "does not seem to exist"
PATHS = ["", "data", "model", "train", "explore", "runs", "learn", "lockstep", "compare"]
# Per chart: the title's box and every y-axis title's box, [left, top, right, bottom].
TITLE_BOXES = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(c => {
  const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const t = c.querySelector('.gtitle');
  return {title: t ? t.textContent : '', box: t ? box(t) : null,
          ytitles: [...c.querySelectorAll('.g-ytitle, [class^=g-y][class$=title]')]
            .filter(e => e.getBoundingClientRect().width > 0).map(box)};
})"""


def nav(page, name: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_role("link", name=name).first.click()
    settle(page)


def job_of(page) -> str | None:
    return parse_qs(urlsplit(page.url).query).get("job", [None])[0]


def overlap(a, b) -> bool:
    """Whether two boxes share an area (touching edges do not count)."""
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def overprinted(page) -> list[str]:
    """The chart titles a y-axis title runs over."""
    return [c["title"] for c in page.evaluate(TITLE_BOXES)
            if c["box"] and any(overlap(c["box"], y) for y in c["ytitles"])]


def test_reruns_keep_one_history_entry_per_page_back_and_refresh(server, browser):
    """URL updates (settings, job, polls) replace the entry; Back goes to the previous
    page; a refresh after Back shows the job's result again; no y title overprints."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{server}/model?{TINY}")
    page.get_by_role("heading", name="Model").wait_for(timeout=120_000)
    settle(page)
    base = page.evaluate("history.length")
    nav(page, "Train")  # one move: one entry
    start = page.get_by_role("button", name="Start")
    start.wait_for(timeout=60_000)
    start.click()
    page.get_by_text("Finished in").first.wait_for(timeout=240_000)
    settle(page, 1000)
    job = job_of(page)
    assert job
    toggle = page.locator("[data-testid=stSidebar]").get_by_text("Share / present")
    toggle.click()
    for _ in range(6):  # each switch rewrites the URL (projector=1 on and off)
        page.get_by_text("Projector mode", exact=True).click()
        settle(page)
    assert page.evaluate("history.length") == base + 1
    page.screenshot(path=str(ARTIFACTS / "lab-after-reruns.png"))
    page.go_back()  # the previous page, at once
    page.get_by_role("heading", name="Model").wait_for(timeout=30_000)
    assert urlsplit(page.url).path == "/model"
    page.go_forward()
    page.get_by_text("Finished in").first.wait_for(timeout=60_000)
    nav(page, "Data")
    page.go_back()  # Train again, whose entry now holds the job
    page.get_by_text("Finished in").first.wait_for(timeout=60_000)
    settle(page)
    assert job_of(page) == job
    page.reload()  # a refresh shows what was there
    page.get_by_text("Finished in").first.wait_for(timeout=60_000)
    settle(page, 1500)
    assert job_of(page) == job
    assert page.get_by_text("Result").count() >= 1
    assert overprinted(page) == []
    page.screenshot(path=str(ARTIFACTS / "lab-refresh-after-back.png"))
    page.context.close()


def test_every_page_url_opens_without_page_not_found(server, browser):
    """In a tab that already has the app, every page's path opens, /data included; so
    do the share links."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{server}/model?data.n_samples=300&train.tol=0")  # "0" is written "0.0"
    opened = page.evaluate("history.length")  # before the app's first run
    page.get_by_text("Share / present").first.wait_for(timeout=120_000)
    settle(page, 1000)
    assert page.evaluate("history.length") == opened  # a link opened is one entry
    for path in PATHS:
        page.goto(f"{server}/{path}?data.n_samples=300")
        page.get_by_text("Share / present").first.wait_for(timeout=60_000)
        settle(page, 800)
        assert page.get_by_text(NOT_FOUND).count() == 0, path
        assert urlsplit(page.url).path == f"/{path}"
        page.get_by_text("Share / present").first.click()
        link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
        page.goto(link if link.startswith("http") else f"{server}/{path}{link}")
        page.get_by_text("Share / present").first.wait_for(timeout=60_000)
        settle(page, 800)
        assert page.get_by_text(NOT_FOUND).count() == 0, link
    page.context.close()


def test_second_tab_follows_the_running_job(server, browser):
    """A second tab of the same browser (same owner cookie) shows the first tab's job."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    first = context.new_page()
    first.goto(f"{server}/train?{LONG}")
    start = first.get_by_role("button", name="Start")
    start.wait_for(timeout=120_000)
    settle(first)
    start.click()
    first.get_by_text("elapsed").first.wait_for(timeout=60_000)
    job = job_of(first)
    assert job
    second = context.new_page()
    second.goto(f"{server}/train?{LONG}")  # no job= in this tab's URL
    second.get_by_text("elapsed").first.wait_for(timeout=60_000)
    # (no settle: the page of a running job polls, so it is never idle)
    stop = second.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop")
    expect(stop).to_be_enabled(timeout=60_000)
    second.screenshot(path=str(ARTIFACTS / "lab-second-tab.png"))
    # the same job: stopped in both tabs. Forced: the page redraws the button at every
    # poll, and on a busy machine it never stays still long enough for a plain click.
    stop.click(force=True)
    first.get_by_text("Stopped after").first.wait_for(timeout=120_000)
    second.get_by_text("Stopped after").first.wait_for(timeout=60_000)
    settle(second)
    assert job_of(second) == job  # and the second tab's URL holds it for a refresh
    context.close()
