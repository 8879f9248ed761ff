"""Fixtures the real-browser tests share: one Chromium and one two-job server per module.

Playwright is imported inside the fixtures, so collecting this folder without it still
reaches each module's ``skip_without_browser()``.
"""

from __future__ import annotations

import pytest

from tests.helpers.browser import launch_chromium, server_env, streamlit_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The URL of a module's own server (its log in the module's temporary folder)."""
    with open(tmp_path_factory.mktemp("log") / "server.log", "w") as log:
        with streamlit_server(server_env(tmp_path_factory), log=log) as (url, _):
            yield url


@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
