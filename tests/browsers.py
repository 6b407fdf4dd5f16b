"""Debian's Chromium driven by Playwright, as the browser tests use it: one browser per test,
pages in French at a laptop's size."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser):
    page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(60_000)
    return page


def log_in_to_lab(page, platform, learner) -> None:
    """Log in from the hub's page, as a person does, and wait for their JupyterLab."""
    page.goto(f"{platform.url}/hub/login")
    page.fill("#username_input", learner.name)
    page.fill("#password_input", learner.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{learner.name}/lab"), timeout=180_000)
