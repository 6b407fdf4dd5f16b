"""nbgrader's formgrader for the instructors: the helpers of the instructor's journey
(test_journeys.py: grading by hand, what the learner reads, a resubmission that replaces the
mark), and learners refused it, in a real browser (Playwright driving Chromium)."""

from __future__ import annotations

import json
import re
import time
import warnings

import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from tests.browsers import new_page
from tests.hubclient import Learner
from tests.pages import submit

pytestmark = [pytest.mark.docker, pytest.mark.browser]

PEER = "s1-algorithme-du-quotidien"  # its written answer ("reponse-ecrite") is graded by hand
# What a learner's code and text may try: run script in whoever opens the notebook
ATTACK = "document.title='PWNED';window.top.PWNED=1"
HOSTILE_CODE = f"""
from IPython.display import HTML, Javascript, SVG, Markdown, display
display(HTML("<img src=x onerror=\\"{ATTACK}\\"><b>sortie-html-visible</b>"))
display(Javascript("{ATTACK}"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{ATTACK}"></svg>'))
display(Markdown("<details open ontoggle=\\"{ATTACK}\\">x</details>"))
"""
HOSTILE_ANSWER = (f"Ma réponse écrite, lisible. <img src=x onerror=\"{ATTACK}\">\n\n"
                  f"<script>{ATTACK}</script>\n\n[lien](javascript:{ATTACK})")


def log_in_to_home(page, platform, name: str, password: str) -> None:
    page.goto(f"{platform.url}/hub/login?next=%2Fhub%2Fhome")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/hub/home"))


def instructor_password(platform) -> str:
    accounts = json.loads(platform.settings.path("secrets", "demo-accounts.json").read_text())
    return accounts["formatrice"]["password"]


def submit_hostile(platform, learner: Learner) -> int:
    notebook = nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "programme":
            cell.source += "\n" + HOSTILE_CODE
        elif grade_id == "reponse-ecrite":
            cell.source = HOSTILE_ANSWER
    return submit(platform, learner, PEER, notebook)


def gradebook(platform) -> Gradebook:
    warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
    return Gradebook(f"sqlite:///{platform.settings.course_storage / 'nbgrader' / 'gradebook.db'}")


def until(condition, what: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - not there yet (no row, no file)
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not in {timeout} s"
        time.sleep(0.5)


def in_gradebook(platform, learner: Learner) -> str:
    """The formgrader's id of the learner's graded notebook, once the service wrote it."""
    with gradebook(platform) as gb:
        return gb.find_submission_notebook(PEER, PEER, learner.name).id


def manual_grade(platform, learner: Learner) -> tuple[float | None, str | None]:
    with gradebook(platform) as gb:
        grade = gb.find_grade("reponse-ecrite", PEER, PEER, learner.name)
        comment = gb.find_comment("reponse-ecrite", PEER, PEER, learner.name)
        return grade.manual_score, comment.manual_comment


def test_a_learner_is_refused_the_formgrader_and_the_dashboard(platform, browser):
    learner = platform.signed_up("xavi")
    page = new_page(browser)
    log_in_to_home(page, platform, learner.name, learner.password)
    expect(page.locator("#formgrader")).to_have_count(0)
    expect(page.locator("#dashboard")).to_have_count(0)
    refused = page.goto(f"{platform.url}/services/formgrader/formgrader")
    assert refused.status == 403
    refused = page.goto(f"{platform.url}/services/course/staff/")
    assert refused.status == 403
    expect(page.locator("body")).to_contain_text("Réservé aux formatrices")
