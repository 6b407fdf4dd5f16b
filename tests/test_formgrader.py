"""nbgrader's formgrader for the instructors, in a real browser (Playwright driving Chromium):
the instructor opens it from the hub's home, grades a written answer by hand and comments; the
learner reads both on their feedback page; a regrade keeps them, a newer submission does not
(they stay on the one they judged); what the learner's code and
text put in the notebook runs nothing in the instructor's browser; learners are refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import warnings

import docker
import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from tests import lab
from tests.browsers import new_page
from tests.hubclient import Learner
from tests.pages import Pages, submit

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


def test_an_instructor_grades_by_hand_in_the_formgrader_and_the_learner_reads_it(platform,
                                                                                browser):
    learner = platform.signed_up("wanda")
    submission = submit_hostile(platform, learner)
    notebook_id = until(lambda: in_gradebook(platform, learner), "in the gradebook")

    page = new_page(browser)
    log_in_to_home(page, platform, "formatrice", instructor_password(platform))
    with page.context.expect_page() as opened:
        page.click("#formgrader")  # "Correction à la main (formgrader)", in a tab of its own
    formgrader = opened.value
    formgrader.set_default_timeout(60_000)
    formgrader.wait_for_url(re.compile(r"/services/formgrader/formgrader"))
    expect(formgrader.locator("body")).to_contain_text("Manage Assignments")
    # its home says what is true: the course's exercises with their due dates, released when
    # their week is open, the submissions counted; no warning of a missing exchange
    expect(formgrader.locator("#warning-exchange")).to_have_count(0)
    formgrader.goto(f"{platform.url}/services/formgrader/formgrader/api/assignments")
    listed = json.loads(formgrader.locator("body").inner_text())
    home = {item["name"]: item for item in listed}
    course = lab.served_course(platform)
    assert set(home) >= {a.name for a in course.assignments}
    assert home[PEER]["status"] == "released" and home[PEER]["num_submissions"] >= 1
    assert home[PEER]["display_duedate"] and home["s4-mini-projet"]["display_duedate"]
    assert home["s4-mini-projet"]["status"] == "draft"  # week 4 is not open in the demo's run
    # what the formgrader's container sees of a submission: its time, never the learner's files
    seen = docker.from_env().containers.get(f"{platform.settings.instance}-formgrader").exec_run(
        ["ls", f"/srv/formgrader/cours/submitted/{learner.name}/{PEER}"])
    assert seen.exit_code == 0 and seen.output.decode().split() == ["timestamp.txt"]

    formgrader.goto(f"{platform.url}/services/formgrader/formgrader/submissions/{notebook_id}/")
    expect(formgrader.locator("body")).to_contain_text("Ma réponse écrite, lisible.")
    expect(formgrader.locator("body")).to_contain_text("sortie-html-visible")
    formgrader.fill("#reponse-ecrite", "5")
    formgrader.fill("#reponse-ecrite-comment", "Très clair : l'étape « attendre » est précise.")
    formgrader.locator("#reponse-ecrite").press("Tab")
    formgrader.locator("#reponse-ecrite-comment").press("Tab")
    until(lambda: manual_grade(platform, learner) == (
        5.0, "Très clair : l'étape « attendre » est précise."), "the marks saved", 60)
    formgrader.wait_for_timeout(1000)  # anything the notebook could run has had its chance
    assert formgrader.title() != "PWNED"
    assert formgrader.evaluate("() => window.PWNED === undefined")

    feedback = Pages(learner).text(f"/feedback/{submission}")
    assert "Notes et commentaires de l'équipe pédagogique" in feedback
    assert "reponse-ecrite : 5 / 6" in re.sub(r"<[^>]+>", "", feedback)
    assert "Très clair : l'étape « attendre » est précise." in feedback

    # a regrade of every submission keeps the instructor's marks, and the learner still reads them
    regraded = subprocess.run(
        [sys.executable, "-m", "decoder.cli", "grade-all", PEER],
        env={"PATH": os.environ["PATH"], "DECODER_CONFIG": platform.settings.config_file},
        capture_output=True, text=True, timeout=600)
    assert regraded.returncode == 0, regraded.stdout + regraded.stderr
    store = lab.store(platform)
    until(lambda: not store.results_to_record(), "the regrade recorded", 120)
    assert len(store.results_of(submission)) >= 2
    assert manual_grade(platform, learner)[0] == 5.0
    assert "5 / 6" in re.sub(r"<[^>]+>", "", Pages(learner).text(f"/feedback/{submission}"))

    # a newer submission is graded afresh: the marks stay with the work they judged (its
    # feedback still shows them), the newer one starts without them and asks for a new look
    notebook = nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4)
    newer = submit(platform, learner, PEER, notebook)
    until(lambda: manual_grade(platform, learner) == (None, None), "the marks retired", 120)
    with gradebook(platform) as gb:
        assert gb.find_grade("reponse-ecrite", PEER, PEER, learner.name).needs_manual_grade
    newest = Pages(learner).text(f"/feedback/{newer}")
    assert "Très clair" not in newest and "équipe pédagogique" not in newest
    earlier = re.sub(r"<[^>]+>", "", Pages(learner).text(f"/feedback/{submission}"))
    assert "reponse-ecrite : 5 / 6" in earlier and "Très clair" in earlier


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
