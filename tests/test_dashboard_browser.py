"""The instructors' and learners' pages in a real browser (Playwright driving Chromium): an
instructor finds the dashboard and the formgrader in JupyterLab's "Cours" menu, and the
dashboard's plots render; a learner finds their course page from the hub's home and downloads
a badge that checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_accessible
from tests.browsers import new_page
from tests.test_dashboard_pages import WEEK_1, submit_right
from tests.test_formgrader import instructor_password, log_in_to_home

pytestmark = [pytest.mark.docker, pytest.mark.browser]


def test_an_instructor_opens_the_dashboard_and_the_formgrader_from_jupyterlab(platform,
                                                                              browser):
    submit_right(platform, platform.signed_up("yoko"), ["s1-bonjour", "s1-calculs"])
    page = new_page(browser)
    page.goto(f"{platform.url}/hub/login")
    page.fill("#username_input", "formatrice")
    page.fill("#password_input", instructor_password(platform))
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/user/formatrice/lab"), timeout=180_000)
    expect(page.get_by_role("menuitem", name="Fichier")).to_be_visible(timeout=120_000)

    page.get_by_role("menuitem", name="Cours").click()
    with page.context.expect_page() as opened:
        page.get_by_role("menuitem", name="Tableau de bord du cours").click()
    dashboard = opened.value
    dashboard.wait_for_url(re.compile(r"/services/course/staff/"))
    plot = dashboard.locator("svg").first
    expect(plot).to_be_visible()
    box = plot.bounding_box()
    assert box["width"] > 150 and box["height"] > 80  # drawn, not an empty element
    assert dashboard.locator("svg path").count() > 10  # bars and axes
    expect(dashboard.locator("body")).to_contain_text("Dire bonjour")
    assert_accessible(dashboard, "dashboard")

    page.get_by_role("menuitem", name="Cours").click()
    with page.context.expect_page() as opened:
        page.get_by_role("menuitem", name="Correction à la main (formgrader)").click()
    formgrader = opened.value
    formgrader.wait_for_url(re.compile(r"/services/formgrader/formgrader"))
    expect(formgrader.locator("body")).to_contain_text("Manage Assignments")


def test_a_learner_finds_their_course_page_and_downloads_a_badge_that_checks(platform, browser,
                                                                            tmp_path):
    learner = platform.signed_up("zelie")
    submit_right(platform, learner, WEEK_1)
    page = new_page(browser)
    log_in_to_home(page, platform, learner.name, learner.password)
    assert_accessible(page, "hub home")
    page.click("#course-page")
    page.wait_for_url(re.compile(r"/services/course/course"))
    expect(page.locator("body")).to_contain_text("Dire bonjour")
    expect(page.locator("body")).to_contain_text("Mes badges")
    assert_accessible(page, "course page")
    # the header leads everywhere a learner goes: peer review, then back, then their JupyterLab
    page.get_by_role("navigation").get_by_role("link", name="Évaluations").click()
    page.wait_for_url(re.compile(r"/services/course/peer/"))
    page.get_by_role("navigation").get_by_role("link", name="Mon cours").click()
    page.wait_for_url(re.compile(r"/services/course/course"))
    page.get_by_role("link", name=re.compile("Semaine 1 réussie")).click()
    expect(page.locator("#badge-image")).to_be_visible()
    assert_accessible(page, "badge page")
    width = page.locator("#badge-image").evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(done => {"
        " img.onload = () => done(img.naturalWidth); img.onerror = () => done(-1); })")
    assert width == 240, "the badge's image did not load"
    with page.expect_download() as downloaded:
        page.click("#download-png")
    saved = tmp_path / "badge.png"
    downloaded.value.save_as(saved)
    checked = platform.decoder("verify-badge", str(saved))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Semaine 1 réussie" in checked.stdout
    page.get_by_role("navigation").get_by_role("link", name="Mon JupyterLab").click()
    page.wait_for_url(re.compile(rf"/user/{learner.name}/"), timeout=180_000)
    # the hub's home, in French even after JupyterHub's script changed its button
    page.goto(f"{platform.url}/hub/home")
    page.click("#stop")
    expect(page.locator("#start")).to_have_text("Démarrer mon espace", timeout=120_000)
