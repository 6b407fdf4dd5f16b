"""Two whole journeys in a real browser (Playwright driving Debian's Chromium), each a story a
person lives, with the real hub, service, engine, sandboxes and review rooms. Every page a
person reads is checked by axe-core and kept as screenshots (build/screenshots/, at 100 % and
200 %).

- A learner, from the sign-up form to a badge anyone can check: her JupyterLab in French, a
  lesson run, an exercise handed in from nbgrader's list and its feedback, a peer's copy run in
  a review room and reviewed, the reviews of her own work, her week's badge.
- An instructor, from the hub's home to the export: the dashboard, a written answer graded by
  hand in the formgrader that the learner then reads, a resubmission that replaces the mark,
  the grades opened as a spreadsheet's CSV.

Things the other learners do in the same stories (hand in, review) go through the service's
API, as their own servers would."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import docker
import nbformat
import pytest
from playwright.sync_api import expect

from decoder.dates import when
from tests import lab
from tests.a11y import assert_accessible
from tests.browsers import log_in_to_lab, new_page
from tests.pages import Pages, give, give_what_is_owed, submit
from tests.test_dashboard_pages import WEEK_1, submit_right
from tests.test_formgrader import (
    PEER,
    gradebook,
    in_gradebook,
    instructor_password,
    log_in_to_home,
    manual_grade,
    submit_hostile,
    until,
)
from tests.test_peer_browser import graded, hold_the_review_of

pytestmark = [pytest.mark.docker, pytest.mark.browser]

MODIFIED_TAB = ".lm-TabBar-tab.jp-mod-dirty"


def test_a_learner_from_sign_up_to_a_badge(platform, browser, tmp_path):
    lea = platform.learner("lea")
    page = new_page(browser)

    # -- she signs up, logs in, and lands in her JupyterLab, in French, on week 1's lessons
    page.goto(f"{platform.url}/hub/signup")
    assert_accessible(page, "sign-up")
    page.fill("#username_input", lea.name)
    page.fill("#password_input", lea.password)
    page.fill("#password_confirmation_input", lea.password)
    page.click("#signup_submit")
    expect(page.locator("#signup-result")).to_contain_text("Votre compte est prêt")
    lea.login()  # (her session for what the story does by API, below)
    page.goto(f"{platform.url}/hub/login")
    assert_accessible(page, "login")
    log_in_to_lab(page, platform, lea)
    expect(page.get_by_role("menuitem", name="Fichier")).to_be_visible(timeout=120_000)
    # JupyterLab opens « Par ici » at start: this week's lessons, her exercises, where to ask
    start = page.locator(".jp-RenderedMarkdown").filter(has_text="Par ici !")
    expect(start).to_contain_text("Les leçons de la semaine", timeout=120_000)
    expect(start.locator("table")).to_contain_text("pas encore rendu")
    assert_accessible(page, "par ici", region=".jp-RenderedMarkdown")
    start.get_by_role("link", name="Qu'est-ce que le code ?").click()
    expect(page.locator(".jp-Notebook .jp-RenderedMarkdown h1").first).to_contain_text(
        "Qu'est-ce que le code ?")
    # the kernel starts: the lesson is not « modified » by it (nothing to save, nothing to lose)
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    page.wait_for_timeout(1000)
    expect(page.locator(MODIFIED_TAB)).to_have_count(0)
    page.get_by_role("menuitem", name="Exécution").click()
    page.get_by_text("Exécuter toutes les cellules", exact=True).click()
    output = page.locator(".jp-OutputArea-output").filter(has_text="étoile(s)").first
    expect(output).to_contain_text("3 étoile(s)", timeout=120_000)
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(output).to_contain_text("5 étoile(s)")

    # -- the « Cours » menu: her pages, not the staff's; her course page, dates in French
    page.get_by_role("menuitem", name="Cours").click()
    expect(page.get_by_role("menuitem", name="Évaluation par les pairs")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Correction à la main (formgrader)")).to_have_count(0)
    with page.context.expect_page() as opened:
        page.get_by_role("menuitem", name="Mon cours").click()
    course_page = opened.value
    course_page.wait_for_url(re.compile(r"/services/course/course"))
    expect(course_page.locator("body")).to_contain_text("Dire bonjour")
    course = lab.served_course(platform)
    expect(course_page.locator("body")).to_contain_text(
        f"À rendre avant le {when(course.week(2).due, 'fr')}.")
    course_page.close()

    # -- an exercise from nbgrader's list, handed in, graded in seconds, its feedback in a click
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_text("Liste des exercices", exact=True).click()
    expect(page.locator("#assignments")).to_contain_text("Exercices à récupérer")
    row = page.locator("#released_assignments_list .list_item").filter(has_text="Dire bonjour")
    due = when(course.week(1).due, "fr")  # week 1 is due in the demo's run (mid-course)
    assert due.endswith("à 23 h 59")
    expect(row).to_contain_text(f"Semaine 1 · à rendre le {due} (date passée")
    row.get_by_role("button", name="Récupérer").click()
    fetched = page.locator("#fetched_assignments_list .list_item").filter(has_text="Dire bonjour")
    fetched.get_by_role("button", name="Rendre").click()
    submitted = page.locator("#submitted_assignments_list")
    expect(submitted.locator(".list_item").first).to_contain_text(
        re.compile(r"rendu le [^ ]+ \d+(er)? [^ ]+ 20\d\d à \d+ h \d\d, en retard"),
        timeout=60_000)
    expect(submitted).not_to_contain_text("UTC")
    expect(submitted).not_to_contain_text("Voir le retour")  # the button says what it does
    submitted.get_by_text("(voir le retour)").first.click()
    frame = page.frame_locator("iframe").last
    expect(frame.locator("#score")).to_contain_text("0 / 3", timeout=60_000)
    expect(frame.locator("body")).to_contain_text("remplacez « raise NotImplementedError() »")
    expect(frame.locator("body")).to_contain_text("caché")
    # from the notebook: « Mon dernier retour », the course service's page of it
    page.goto(re.sub(r"/lab.*", "/lab/tree/exercices/s1-bonjour/s1-bonjour.ipynb", page.url))
    button = page.get_by_role("button", name="Mon dernier retour")
    expect(button).to_be_visible(timeout=120_000)
    with page.context.expect_page() as opened:
        button.click()
    feedback = opened.value
    feedback.wait_for_url(re.compile(r"/services/course/feedback/\d+$"))
    expect(feedback.locator("#score")).to_contain_text("0 / 3")
    assert_accessible(feedback, "feedback")
    feedback.close()

    # she gets the week's exercises right and hands in the peer-reviewed one; so does Noé
    submit_right(platform, lea, WEEK_1)
    hers = submit(platform, lea, PEER)
    noe = platform.signed_up("noe")
    his = submit(platform, noe, PEER)
    review = hold_the_review_of(platform, Pages(lea), his)
    graded(platform, his)

    # -- she reviews a peer's copy: the form, then the copy run in a review room
    page.goto(f"{platform.url}/services/course/peer/{PEER}")
    assert_accessible(page, "peer review")
    page.get_by_role("button", name="Recevoir une copie à évaluer").click()
    expect(page).to_have_url(re.compile(rf"/peer/review/{review}$"))
    expect(page.locator("body")).not_to_contain_text(noe.name)
    expect(page.locator(".outputs").first).to_contain_text("Remplir la bouilloire")
    assert_accessible(page, "review form")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Ouvrir la copie pour l'exécuter").click()
    room = opened.value
    expect(room.locator("#authorize-room")).to_contain_text("salle de relecture")
    assert_accessible(room, "review room authorization")
    room.get_by_role("button", name="Ouvrir").click()
    room.wait_for_url(re.compile(rf"/lab/tree/copie-{review}\.ipynb"), timeout=180_000)
    assert "relecture-" in room.url and lea.name not in room.url
    expect(room.locator(".jp-RenderedMarkdown").first).to_contain_text("Copie anonyme",
                                                                      timeout=120_000)
    expect(room.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    room.wait_for_timeout(1000)
    expect(room.locator(MODIFIED_TAB)).to_have_count(0)  # a copy opened is not a copy changed
    room.get_by_role("menuitem", name="Exécution").click()
    room.get_by_text("Exécuter toutes les cellules", exact=True).click()
    ran = room.locator(".jp-OutputArea-output").filter(has_text="Remplir la bouilloire")
    expect(ran.first).to_contain_text("1 - Remplir la bouilloire", timeout=120_000)
    expect(room.locator("body")).not_to_contain_text(lea.name)
    expect(room.locator("body")).not_to_contain_text(noe.name)
    page.bring_to_front()
    for criterion in range(3):
        page.locator(f"input[name='criterion-{criterion}'][value='2']").check()
    page.locator("textarea[name='cell-1']").fill("La boucle qui numérote est bien trouvée.")
    page.locator("textarea[name='comment']").fill(
        "Algorithme clair et complet ; la condition sur l'eau est au bon endroit. Bravo !")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#done")).to_contain_text("Évaluation envoyée")
    expect(page.get_by_role("button", name="Évaluer une autre copie")).to_be_visible()
    assert_accessible(page, "review sent")

    # -- Noé reviews her work; she gives what she owes, reads the review and says it helped
    theirs = hold_the_review_of(platform, Pages(noe), hers)
    assert give(Pages(noe), PEER, theirs, [2, 1, 2],
                "Très lisible ; il manque l'étape où l'on verse l'eau.").status_code == 200
    give_what_is_owed(Pages(lea), PEER, [2, 2, 2])
    page.goto(f"{platform.url}/services/course/peer/{PEER}/received")
    body = page.locator("body")
    expect(body).to_contain_text("il manque l'étape où l'on verse l'eau")
    expect(page.locator("#peer-grade")).to_contain_text("Note des pairs : 5 / 6")
    expect(page.locator("#provisional")).to_contain_text(
        "Note provisoire : 1 évaluation comptée sur les 3 prévues")
    expect(page.locator("#week-grade")).to_contain_text("/ 100")
    expect(body).not_to_contain_text(noe.name)
    page.get_by_label("Utile", exact=True).first.check()
    page.get_by_role("button", name="Enregistrer mon avis").first.click()
    expect(page.locator("body")).to_contain_text("Votre avis est enregistré, merci !")
    assert_accessible(page, "reviews received")

    # -- her week's badge, from her course page, checked as anyone would check it
    page.get_by_role("navigation").get_by_role("link", name="Mon cours").click()
    page.wait_for_url(re.compile(r"/services/course/course"))
    expect(page.locator("body")).to_contain_text("Mes badges")
    assert_accessible(page, "course page")
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

    # -- back to JupyterLab from the header; the hub's home stays French after a stop
    page.get_by_role("navigation").get_by_role("link", name="Mon JupyterLab").click()
    page.wait_for_url(re.compile(rf"/user/{lea.name}/"), timeout=180_000)
    page.goto(f"{platform.url}/hub/home")
    assert_accessible(page, "hub home")
    expect(page.locator("#nav-course")).to_have_text("Mon cours")  # the service, by its use
    page.click("#stop")
    expect(page.locator("#start")).to_have_text("Démarrer mon espace", timeout=120_000)


def test_an_instructor_from_the_hub_home_to_the_export(platform, browser):
    wanda = platform.signed_up("wanda")
    submit_right(platform, wanda, ["s1-bonjour"])
    first = submit_hostile(platform, wanda)  # a written answer to grade by hand, and attacks
    notebook_id = until(lambda: in_gradebook(platform, wanda), "in the gradebook")

    page = new_page(browser)
    log_in_to_home(page, platform, "formatrice", instructor_password(platform))
    assert_accessible(page, "hub home (instructor)")

    # -- the dashboard, from the hub's home: the class per exercise, drawn
    page.click("#dashboard")
    page.wait_for_url(re.compile(r"/services/course/staff/"))
    dashboard = page
    plot = dashboard.locator("svg").first
    expect(plot).to_be_visible()
    box = plot.bounding_box()
    assert box["width"] > 150 and box["height"] > 80  # drawn, not an empty element
    assert dashboard.locator("svg path").count() > 10  # bars and axes
    expect(dashboard.locator("body")).to_contain_text("Dire bonjour")
    plural = re.compile(r"\b(1 a|[2-9]\d* ont) tout réussi")  # « 1 a », « 2 ont »
    expect(dashboard.locator("body")).to_contain_text(plural)
    assert_accessible(dashboard, "dashboard")

    # -- the formgrader, from the hub's home (in a tab of its own): its home says what is true
    page.goto(f"{platform.url}/hub/home")
    with page.context.expect_page() as opened:
        page.click("#formgrader")
    formgrader = opened.value
    formgrader.set_default_timeout(60_000)
    formgrader.wait_for_url(re.compile(r"/services/formgrader/formgrader"))
    expect(formgrader.locator("body")).to_contain_text("Manage Assignments")
    expect(formgrader.locator("#warning-exchange")).to_have_count(0)
    expect(formgrader.locator("body")).to_contain_text(PEER)
    formgrader.goto(f"{platform.url}/services/formgrader/formgrader/api/assignments")
    home = {item["name"]: item for item in json.loads(formgrader.locator("body").inner_text())}
    assert set(home) >= {a.name for a in lab.served_course(platform).assignments}
    assert home[PEER]["status"] == "released" and home[PEER]["num_submissions"] >= 1
    assert home[PEER]["display_duedate"] and home["s4-mini-projet"]["display_duedate"]
    assert home["s4-mini-projet"]["status"] == "draft"  # week 4 is not open in the demo's run
    # what the formgrader's container sees of a submission: its time, never the learner's files
    seen = docker.from_env().containers.get(f"{platform.settings.instance}-formgrader").exec_run(
        ["ls", f"/srv/formgrader/cours/submitted/{wanda.name}/{PEER}"])
    assert seen.exit_code == 0 and seen.output.decode().split() == ["timestamp.txt"]

    # -- a written answer graded by hand; nothing the learner put in the notebook runs here
    formgrader.goto(f"{platform.url}/services/formgrader/formgrader/submissions/{notebook_id}/")
    expect(formgrader.locator("body")).to_contain_text("Ma réponse écrite, lisible.")
    expect(formgrader.locator("body")).to_contain_text("sortie-html-visible")
    formgrader.fill("#reponse-ecrite", "5")
    formgrader.fill("#reponse-ecrite-comment", "Très clair : l'étape « attendre » est précise.")
    formgrader.locator("#reponse-ecrite").press("Tab")
    formgrader.locator("#reponse-ecrite-comment").press("Tab")
    until(lambda: manual_grade(platform, wanda) == (
        5.0, "Très clair : l'étape « attendre » est précise."), "the marks saved", 60)
    formgrader.wait_for_timeout(1000)  # anything the notebook could run has had its chance
    assert formgrader.title() != "PWNED"
    assert formgrader.evaluate("() => window.PWNED === undefined")

    # -- the learner reads the mark and the comment on her feedback page
    hers = new_page(browser)
    log_in_to_home(hers, platform, wanda.name, wanda.password)
    hers.goto(f"{platform.url}/services/course/feedback/{first}")
    expect(hers.locator("body")).to_contain_text("Notes et commentaires de l'équipe pédagogique")
    expect(hers.locator("body")).to_contain_text("reponse-ecrite : 5 / 6")
    expect(hers.locator("body")).to_contain_text("Très clair : l'étape « attendre » est précise.")
    assert_accessible(hers, "feedback with the instructor's mark")

    # a regrade of the exercise keeps the marks (an operator's `decoder grade-all`)
    regraded = subprocess.run(
        [sys.executable, "-m", "decoder.ops.cli", "grade-all", PEER],
        env={"PATH": os.environ["PATH"], "DECODER_CONFIG": platform.settings.config_file},
        capture_output=True, text=True, timeout=600)
    assert regraded.returncode == 0, regraded.stdout + regraded.stderr
    store = lab.store(platform)
    until(lambda: not store.results_to_record(), "the regrade recorded", 120)
    assert manual_grade(platform, wanda)[0] == 5.0

    # -- she hands in a new version: graded afresh, the mark stays with the work it judged,
    # and the formgrader asks for a new look at the newer one
    newer = submit(platform, wanda, PEER,
                   nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4))
    until(lambda: manual_grade(platform, wanda) == (None, None), "the marks retired", 120)
    hers.goto(f"{platform.url}/services/course/feedback/{newer}")
    expect(hers.locator("h1")).to_contain_text("Mon algorithme du quotidien")
    expect(hers.locator("body")).not_to_contain_text("Très clair")
    hers.goto(f"{platform.url}/services/course/feedback/{first}")
    expect(hers.locator("body")).to_contain_text("reponse-ecrite : 5 / 6")
    newer_id = until(lambda: in_gradebook(platform, wanda), "the newer one in the gradebook")
    formgrader.goto(f"{platform.url}/services/formgrader/formgrader/submissions/{newer_id}/")
    expect(formgrader.locator("#reponse-ecrite")).to_have_class(re.compile("needs_manual_grade"))
    expect(formgrader.locator("#reponse-ecrite")).to_have_value("")
    with gradebook(platform) as gb:
        assert gb.find_grade("reponse-ecrite", PEER, PEER, wanda.name).needs_manual_grade

    # -- the grades, opened as a French spreadsheet opens a CSV
    dashboard.goto(f"{platform.url}/services/course/staff/?week=1")
    with dashboard.expect_download() as downloaded:
        dashboard.get_by_role("link", name="Exporter les notes pour un tableur").click()
    raw = open(downloaded.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # without it, Excel reads « Ã© » for « é »
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    mine = {r["assignment"]: r for r in rows if r["student_id"] == wanda.name}
    assert list(mine) == [a.name for a in lab.served_course(platform).assignments
                          if a.week == 1]  # the course's order
    assert mine["s1-bonjour"]["score"] == "3" and mine["s1-bonjour"]["week_grade"] == "17,5"
    assert "formatrice" not in {r["student_id"] for r in rows}

    # -- her own JupyterLab, from the hub's home: the staff's pages in its « Cours » menu
    page.goto(f"{platform.url}/hub/home")
    page.click("#start")
    page.wait_for_url(re.compile(r"/user/formatrice/lab"), timeout=180_000)
    page.get_by_role("menuitem", name="Cours").click(timeout=120_000)
    expect(page.get_by_role("menuitem", name="Tableau de bord du cours")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Correction à la main (formgrader)")).to_be_visible()
