"""A CSV of pure Gaussian noise, uploaded in a real browser: Data and Train say, without a
click, that it has no structure.

Debian's chromium through Playwright (skipped when either is missing, an error
under ``.ci/run``); the server is a real ``streamlit run app.py``.
"""

from __future__ import annotations

import numpy as np

from tests.helpers.browser import launch_chromium, settle, skip_without_browser, streamlit_server

skip_without_browser()
from playwright.sync_api import sync_playwright  # noqa: E402

NO_STRUCTURE = "no more structure than noise"


def test_noise_csv_gets_no_structure_on_data_and_train_without_a_click(tmp_path):
    csv = tmp_path / "noise.csv"
    np.savetxt(csv, np.random.default_rng(0).standard_normal((2000, 8)), delimiter=",",
               fmt="%.6f")
    env = {"DEC_RUNS_DIR": str(tmp_path / "runs")}
    with streamlit_server(env) as (url, _), sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url + "/data?data.name=file")
        settle(page, timeout_ms=120_000)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(csv))
        settle(page, timeout_ms=120_000)
        # an upload is swept by itself, in a background thread, with its cost said first;
        # the page polls it (several s on 2 busy cores)
        cost = page.get_by_text("It costs about")
        cost.wait_for(timeout=60_000)
        assert "on all 2,000 rows" in cost.inner_text()
        assert "It runs by itself for an uploaded file." in cost.inner_text()
        assert page.get_by_role("button", name="Run the k sweep").count() == 0
        page.get_by_text("Suggested k =").wait_for(timeout=240_000)
        settle(page)
        verdict = page.locator("[data-testid=stAlert]", has_text=NO_STRUCTURE)
        assert verdict.count() == 1
        assert "Gap(1) =" in verdict.inner_text()
        assert page.locator(".js-plotly-plot").count() >= 4  # silhouette, stability, BIC, gap

        page.locator("[data-testid=stSidebarNav] a, [data-testid=stSidebar] a",
                     has_text="Train").first.click()
        settle(page, timeout_ms=120_000)
        warning = page.locator("[data-testid=stAlert]", has_text=NO_STRUCTURE)
        warning.wait_for(timeout=60_000)
        assert "DEC still returns 10 clusters" in warning.inner_text()
        header = page.get_by_text("autoencoder d-").first.inner_text()
        assert "the default without labels" in header
        assert "as many clusters as labels" not in page.content()
        browser.close()
