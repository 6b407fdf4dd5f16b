"""A new learner, in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from decoder.dates import when
from tests import lab
from tests.browsers import CHROMIUM_ARGS

pytestmark = [pytest.mark.docker, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-last.png"))
        browser.close()


def test_new_learner_signs_up_and_moves_a_widget_slider(platform, page):
    name, password = f"lea{secrets.token_hex(3)}", "un-mot-de-passe-solide"

    page.goto(f"{platform.url}/hub/signup")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.fill("#password_confirmation_input", password)
    page.click("#signup_submit")
    expect(page.locator("#signup-result")).to_contain_text("Votre compte est prêt")

    page.goto(f"{platform.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")

    # the server starts and JupyterLab opens, in French, on the week-1 lessons
    page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=180_000)
    expect(page.get_by_role("menuitem", name="Fichier")).to_be_visible(timeout=120_000)
    lesson = page.get_by_text("01-qu-est-ce-que-le-code.ipynb")
    lesson.dblclick()
    title = page.locator(".jp-RenderedMarkdown h1").first
    expect(title).to_contain_text("Qu'est-ce que le code ?")

    # run everything once the kernel is ready (a run before that would silently do nothing)
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    page.get_by_role("menuitem", name="Exécution").click()
    page.get_by_text("Exécuter toutes les cellules", exact=True).click()
    output = page.locator(".jp-OutputArea-output").filter(has_text="étoile(s)").first
    expect(output).to_contain_text("3 étoile(s)", timeout=120_000)

    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(output).to_contain_text("5 étoile(s)")


def test_learner_submits_from_the_assignment_list_and_reads_the_feedback(platform, page):
    learner = platform.signed_up("sam")
    page.goto(f"{platform.url}/hub/login")
    page.fill("#username_input", learner.name)
    page.fill("#password_input", learner.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{learner.name}/lab"), timeout=180_000)
    expect(page.get_by_role("menuitem", name="Fichier")).to_be_visible(timeout=120_000)

    # the "Cours" menu: the learner's pages, not the staff's
    page.get_by_role("menuitem", name="Cours").click()
    expect(page.get_by_role("menuitem", name="Évaluation par les pairs")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Correction à la main (formgrader)")).to_have_count(0)
    with page.context.expect_page() as opened:
        page.get_by_role("menuitem", name="Mon cours").click()
    course_page = opened.value
    course_page.wait_for_url(re.compile(r"/services/course/course"))
    expect(course_page.locator("body")).to_contain_text("Dire bonjour")
    expect(course_page.locator("body")).to_contain_text(
        f"À rendre avant le {when(lab.served_course(platform).week(2).due, 'fr')}.")
    course_page.close()

    # nbgrader's assignment list, from its menu: in French, exercises named by their titles
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_text("Liste des exercices", exact=True).click()
    released = page.locator("#released_assignments_list")
    expect(page.locator("#assignments")).to_contain_text("Exercices à récupérer")
    row = released.locator(".list_item").filter(has_text="Dire bonjour")
    # week 1 is due in the demo's run (mid-course): its date in French, Paris time, and what
    # a learner may still do
    due = when(lab.served_course(platform).week(1).due, "fr")
    assert due.endswith("à 23 h 59")
    expect(row).to_contain_text(f"Semaine 1 · à rendre le {due} (date passée")
    row.get_by_role("button", name="Récupérer").click()
    fetched = page.locator("#fetched_assignments_list .list_item").filter(has_text="Dire bonjour")
    fetched.get_by_role("button", name="Rendre").click()

    # graded in the sandbox within seconds: the submission comes back with its feedback,
    # named by when it was handed in (French, Paris time: no UTC, no microseconds)
    submitted = page.locator("#submitted_assignments_list")
    expect(submitted.locator(".list_item").first).to_contain_text(
        re.compile(r"rendu le [^ ]+ \d+(er)? [^ ]+ 20\d\d à \d+ h \d\d, en retard"),
        timeout=60_000)
    expect(submitted).not_to_contain_text("UTC")
    expect(submitted).not_to_contain_text("Voir le retour")  # the button says what it does
    submitted.get_by_text("(voir le retour)").first.click()

    # one click opens the feedback page itself, with the score and each test
    frame = page.frame_locator("iframe").last
    expect(frame.locator("#score")).to_contain_text("0 / 3", timeout=60_000)
    expect(frame.locator("body")).to_contain_text("remplacez « raise NotImplementedError() »")
    expect(frame.locator("body")).to_contain_text("caché")

    # from the notebook, one click: « Mon dernier retour » in its toolbar opens the newest
    # feedback (the course service's page of it)
    page.goto(re.sub(r"/lab.*", "/lab/tree/exercices/s1-bonjour/s1-bonjour.ipynb", page.url))
    button = page.get_by_role("button", name="Mon dernier retour")
    expect(button).to_be_visible(timeout=120_000)
    with page.context.expect_page() as opened:
        button.click()
    feedback = opened.value
    feedback.wait_for_url(re.compile(r"/services/course/feedback/\d+$"))
    expect(feedback.locator("#score")).to_contain_text("0 / 3")
