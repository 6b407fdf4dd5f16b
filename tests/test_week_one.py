"""Week 1 walked as a beginner does it, in a real browser (Playwright driving Debian's
Chromium) in a real learner's JupyterLab: the « Par ici » page JupyterLab opens at start, the
first lesson's first cells run one by one (Maj + Entrée), its first question answered, the
third lesson's Parsons problem solved, then the first exercise fetched from nbgrader's list, a
hint opened, the guided level's skeleton shown, the answer written, the « appel / attendu /
obtenu » table read, the work handed in and its feedback read."""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect

from decoder.ops import content_report
from decoder.settings import PROJECT_ROOT
from tests.a11y import assert_accessible
from tests.browsers import log_in_to_lab, new_page
from tests.test_widgets_browser import solve_parsons
from tests.unit.test_parsons import parsons

pytestmark = [pytest.mark.docker, pytest.mark.browser]

LESSON_3 = PROJECT_ROOT / "course" / "lessons" / "semaine-1" / "03-les-fonctions.ipynb"
IDLE = "Python 3 (ipykernel) | Inactif"


def lesson_parsons():
    """The Parsons problem of lesson 3, as its cell writes it."""
    for cell in nbformat.read(LESSON_3, 4).cells:
        for name, argument in content_report.widget_calls(cell.source):
            if name == "remettre_en_ordre":
                return parsons.parse(content_report.widget_data(argument))
    raise AssertionError("lesson 3 has no Parsons problem")


def run_cell(page, cell) -> None:
    """Click into a code cell and press Maj + Entrée, as the lesson says; once more if the
    cell did not start (a loaded machine: the editor took the click before it was ready),
    as a person presses again when nothing happens."""
    prompt = cell.locator(".jp-InputPrompt")
    for attempt in range(2):
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=30_000)
            return
        except AssertionError:
            if attempt:
                raise


def test_week_one_as_a_beginner(platform, browser):
    learner = platform.signed_up("debut")
    page = new_page(browser)
    log_in_to_lab(page, platform, learner)

    # « Par ici »: the week's three lessons in order, the exercises, where to ask for help
    start = page.locator(".jp-RenderedMarkdown").filter(has_text="Par ici !")
    expect(start).to_contain_text("Besoin d'aide ?", timeout=120_000)
    links = start.get_by_role("link")
    titles = [title for title in links.all_inner_texts() if title]
    assert "Qu'est-ce que le code ?" in titles and "Vos premières fonctions" in titles
    assert titles.index("Qu'est-ce que le code ?") < titles.index("Vos premières fonctions")
    expect(start.locator("table")).to_contain_text("Dire bonjour")

    # lesson 1: something runs in its first cells, then its first question
    start.get_by_role("link", name="Qu'est-ce que le code ?").click()
    expect(page.get_by_text(IDLE)).to_be_visible(timeout=120_000)
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    run_cell(page, cells.nth(0))
    expect(cells.nth(0).locator(".jp-OutputArea-output")).to_contain_text(
        "Bonjour, je découvre le code !", timeout=60_000)
    run_cell(page, cells.nth(1))
    expect(cells.nth(1).locator(".jp-OutputArea-output")).to_contain_text("Camille")
    run_cell(page, cells.nth(2))
    question = page.locator(".decoder-quiz").first
    expect(question).to_contain_text("Que se passe-t-il si l'on oublie les guillemets",
                                     timeout=60_000)
    question.get_by_text("Python affiche une erreur : il ne connaît pas le nom Bonjour.").click()
    question.get_by_role("button", name="Vérifier").click()
    expect(question.locator("[role=status]").first).to_contain_text("Bravo")

    # lesson 3: the Parsons problem before the first exercise that needs def and return
    page.goto(re.sub(r"/lab.*", "/lab/tree/cours/semaine-1/03-les-fonctions.ipynb", page.url))
    expect(page.get_by_text(IDLE)).to_be_visible(timeout=120_000)
    box = page.locator(".decoder-parsons")
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(has_text="remettre_en_ordre")
    run_cell(page, cell)
    expect(box).to_contain_text("Awa Diallo", timeout=60_000)
    solve_parsons(page, box, lesson_parsons())

    # the first exercise: fetched from nbgrader's list, a hint, the answer, the table, handed in
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_text("Liste des exercices", exact=True).click()
    row = page.locator("#released_assignments_list .list_item").filter(has_text="Dire bonjour")
    row.get_by_role("button", name="Récupérer").click()
    expect(page.locator("#fetched_assignments_list")).to_contain_text("Dire bonjour")
    page.goto(re.sub(r"/lab.*", "/lab/tree/exercices/s1-bonjour/s1-bonjour.ipynb", page.url))
    expect(page.get_by_text(IDLE)).to_be_visible(timeout=120_000)
    run_cell(page, page.locator(".jp-Notebook .jp-CodeCell").filter(has_text="indices("))
    hints = page.locator(".decoder-hints")
    hints.get_by_role("button", name=re.compile("Un indice")).click(timeout=120_000)
    expect(hints).to_contain_text("Une fonction donne son résultat avec")
    assert_accessible(page, "exercise hints", region=".decoder-hints")
    # the guided level: closed at first, its skeleton shown when its summary is clicked
    skeleton = page.locator(".jp-Notebook details pre").filter(has_text="___")
    expect(skeleton).to_be_hidden()
    page.locator(".jp-Notebook summary").filter(has_text="Version guidée").click()
    expect(skeleton).to_be_visible()
    expect(skeleton).to_contain_text('return "Bonjour, " + ___ + " !"')
    answer = page.locator(".jp-Notebook .jp-CodeCell").filter(has_text="def saluer").first
    answer.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text('def saluer(prenom):\n    return "Bonjour, " + prenom + " !"')
    page.keyboard.press("Shift+Enter")
    run_cell(page, page.locator(".jp-Notebook .jp-CodeCell").filter(has_text="essayer()"))
    table = page.locator(".decoder-try")
    expect(table.locator("tbody tr").first).to_contain_text("saluer(", timeout=60_000)
    checks = table.locator("tbody tr").count()
    expect(table).to_contain_text(f"{checks} sur {checks} vérification")
    expect(table).not_to_contain_text("à revoir")
    page.keyboard.press("Control+s")
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty").filter(has_text="s1-bonjour")) \
        .to_have_count(0)  # saved: what nbgrader hands in is what she wrote

    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_text("Liste des exercices", exact=True).click()
    fetched = page.locator("#fetched_assignments_list .list_item").filter(has_text="Dire bonjour")
    fetched.get_by_role("button", name="Rendre").click()
    submitted = page.locator("#submitted_assignments_list")
    submitted.get_by_text("(voir le retour)").first.click(timeout=120_000)
    frame = page.frame_locator("iframe").last
    expect(frame.locator("#score")).to_contain_text("3 / 3", timeout=60_000)
