"""The learning widgets (images/lab/decoder_widgets) in a real learner's JupyterLab, in a real
browser (Playwright driving Debian's Chromium): a self-check question answered with the
keyboard only and with the mouse, accessible (axe-core on the widget), and a learner's tries
kept across a new kernel (the home's widgets.json); the step-by-step visualiser and a Parsons
problem by keyboard and mouse; an error in a cell explained in French above Python's
traceback."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from playwright.sync_api import expect

from decoder.service.hints_opened import HintsOpened
from decoder.settings import PROJECT_ROOT
from tests import lab
from tests.a11y import assert_accessible
from tests.browsers import log_in_to_lab, new_page
from tests.hubclient import demo_account
from tests.pages import Pages
from tests.unit.test_parsons import PANIER, parsons
from tests.unit.test_quiz import MULTIPLE, SINGLE

pytestmark = [pytest.mark.docker, pytest.mark.browser]

NOTEBOOK = "essai-questions.ipynb"
HINTS = {"id": "s1-bonjour", "hints": ["Une fonction renvoie avec return.",
                                       "Assemblez le texte : \"Bonjour, \" + prenom + \" !\""]}
TARIF = PROJECT_ROOT / "course" / "source" / "s2-tarif" / "s2-tarif.ipynb"
STEPS = ("courses = []\nfor article in ['pain', 'lait']:\n    courses.append(article)\n"
         "print(courses)\n")  # 8 steps: 1, 2, 3, 2, 3, 2, 4, the end
STOP_KERNELS = """async () => {
  // as JupyterLab itself calls its server: with the token of its page
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const headers = {'Authorization': 'token ' + config.token};
  const base = config.baseUrl;
  const kernels = await (await fetch(base + 'api/kernels', {headers})).json();
  for (const kernel of kernels) {
    await fetch(base + 'api/kernels/' + kernel.id, {method: 'DELETE', headers});
  }
  return kernels.length;
}"""


def exercise_with_a_try_table() -> str:
    """The s2-tarif exercise as a learner has it (its « appel / attendu / obtenu » cell after
    the answer, as its author placed it), a wrong answer in."""
    notebook = nbformat.read(TARIF, 4)
    assert any("essayer()" in cell.source for cell in notebook.cells)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "def prix_billet(age):\n    return 9"
    return nbformat.writes(notebook)


def lesson_with_questions() -> str:
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Deux questions"),
        nbformat.v4.new_code_cell(f'from decoder_widgets import quiz\nquiz("""{SINGLE}""")'),
        nbformat.v4.new_code_cell(f"quiz({MULTIPLE!r})"),
        nbformat.v4.new_code_cell(f"from decoder_widgets import pas_a_pas\npas_a_pas({STEPS!r})"),
        nbformat.v4.new_code_cell(
            f"from decoder_widgets import remettre_en_ordre\nremettre_en_ordre({PANIER!r})"),
        nbformat.v4.new_code_cell(
            'from decoder_widgets import predisez\npredisez("essai-predire", "print(6 * 7)")'),
        nbformat.v4.new_code_cell(
            f"from decoder_widgets import indices\nindices({HINTS!r})"),
        nbformat.v4.new_code_cell('prenom = "Samia"\nprint(prenon)'),  # a beginner's error
    ]
    return nbformat.writes(notebook)


def tab_to(page, target, most: int = 6) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through a form."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{most} Tabs did not reach {target}")


def solve_parsons(page, box, problem) -> None:
    """Put each line in place with the mouse and « ↑ Monter », shift the loop's body with the
    keyboard, leave out the distractor, and check."""
    labels = box.locator(".widget-radio-box label")

    def order() -> list[str]:
        return [text.strip().removeprefix("✕ ").split("   (")[0]
                for text in labels.all_inner_texts()]

    box.locator("input[type=radio]").first.focus()  # the arrows choose in the list
    page.keyboard.press("ArrowDown")
    expect(box.locator("input[type=radio]").nth(1)).to_be_checked()
    for position, line in enumerate(problem.solution):
        labels.nth(order().index(line.text)).click()
        while (at := order().index(line.text)) > position:
            box.get_by_role("button", name="↑ Monter").click()
            expect(labels.nth(at - 1)).to_contain_text(line.text)  # (the kernel answered)
    for line in problem.solution:
        if line.level:
            labels.nth(order().index(line.text)).locator("input").focus()
            page.keyboard.press("Space")  # chosen by the keyboard
            tab_to(page, box.get_by_role("button", name="→ Décaler"), most=8)
            for _ in range(line.level):
                page.keyboard.press("Enter")
            expect(box.locator("[role=status]").first).to_contain_text(
                f"« {line.text} » : ligne")
    for line in problem.distractors:
        labels.nth(order().index(line.text)).click()
        box.get_by_role("button", name="✕ Écarter / reprendre").click()
    box.get_by_role("button", name="Vérifier").click()
    expect(box).to_contain_text("Bravo, votre programme fait ce qu'il faut !")
    assert_accessible(page, "parsons", region=".decoder-parsons")


def run_all(page) -> None:
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    page.get_by_role("menuitem", name="Exécution").click()
    page.get_by_text("Exécuter toutes les cellules", exact=True).click()


def test_a_learner_answers_self_check_questions_by_keyboard_and_mouse(platform, browser):
    learner = platform.signed_up("quentin")
    page = new_page(browser)
    log_in_to_lab(page, platform, learner)
    container = platform.container(learner)
    written = container.exec_run(
        ["python3", "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
         f"/home/jovyan/{NOTEBOOK}", lesson_with_questions()], user="1000")
    assert written.exit_code == 0, written.output
    page.goto(re.sub(r"/lab.*", f"/lab/tree/{NOTEBOOK}", page.url))
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    page.wait_for_timeout(1000)
    # the kernel started and filled in its language: the notebook is not « modified » for it
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    run_all(page)
    single, multiple = page.locator(".decoder-quiz").nth(0), page.locator(".decoder-quiz").nth(1)
    expect(single).to_contain_text("Vérifiez votre compréhension", timeout=60_000)
    expect(multiple).to_be_visible()

    # asked once: may the tries be shared with the instructors (counts, no names)? Yes
    expect(single).to_contain_text("combien de personnes la réussissent")
    single.get_by_role("button", name="Oui, partager").click()
    expect(single).to_contain_text("Vos réponses seront comptées, sans votre nom.")

    # keyboard only: arrows choose in the group, Tab reaches « Vérifier », Entrée checks
    single.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowDown")
    expect(single.locator("input[type=radio]").nth(1)).to_be_checked()
    tab_to(page, single.get_by_role("button", name="Vérifier"))
    page.keyboard.press("Enter")
    told = single.locator("[role=status]").first  # (the consent said, below, is another)
    expect(told).to_contain_text("il vous reste 1 essai")
    expect(told).to_contain_text("Sans guillemets, ce n'est pas un texte")
    # the mouse: the right option, then « Vérifier »
    single.get_by_text("Il affiche 5.").click()
    single.get_by_role("button", name="Vérifier").click()
    expect(told).to_contain_text("Bravo, c'est juste !")

    # a multiple choice with the keyboard: Espace ticks, Tab moves on
    multiple.locator("input[type=checkbox]").first.focus()
    page.keyboard.press("Space")
    tab_to(page, multiple.locator("input[type=checkbox]").nth(2))
    page.keyboard.press("Space")
    expect(multiple.locator("input[type=checkbox]").nth(2)).to_be_checked()
    tab_to(page, multiple.get_by_role("button", name="Vérifier"))
    page.keyboard.press("Enter")
    expect(multiple.locator("[role=status]").first).to_contain_text("Bravo")
    assert_accessible(page, "self-check questions", region=".decoder-quiz")

    # the step-by-step visualiser, by keyboard: « Suivant ▶ » twice, then a step to go to
    steps = page.locator(".decoder-stepper")
    expect(steps).to_contain_text("Étape 1 sur 8")
    tab_to(page, steps.get_by_role("button", name="Suivant ▶"), most=12)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(steps).to_contain_text("Étape 3 sur 8")
    expect(steps.locator(".decoder-variables")).to_contain_text("courses")
    steps.get_by_label("Étape").fill("8")
    page.keyboard.press("Enter")
    expect(steps).to_contain_text("Fin du programme.")
    expect(steps).to_contain_text("['pain', 'lait']")
    assert_accessible(page, "step by step", region=".decoder-stepper")

    # a Parsons problem: lines chosen by mouse and by arrows, moved with the buttons
    solve_parsons(page, page.locator(".decoder-parsons"), parsons.parse(PANIER))

    # « Prédisez, puis exécutez »: the run waits for a prediction, then both side by side
    predict = page.locator(".decoder-predict")
    run = predict.get_by_role("button", name="Exécuter")
    expect(run).to_be_disabled()
    predict.locator("textarea").fill("42")
    expect(run).to_be_enabled()
    run.click()
    expect(predict.locator("[role=status]")).to_contain_text("Exactement ce que vous aviez prévu")
    assert_accessible(page, "predict then run", region=".decoder-predict")

    # a hint, one at a time; the count reaches the instructors' export
    hints = page.locator(".decoder-hints")
    hints.get_by_role("button", name="Un indice (1 sur 2)").click()
    expect(hints).to_contain_text("Une fonction renvoie avec return.")
    expect(hints.get_by_role("button", name="Un indice (2 sur 2)")).to_be_visible()
    expect(hints).not_to_contain_text("Assemblez le texte")
    assert_accessible(page, "hints", region=".decoder-hints")

    # an error in a cell: explained in plain French above Python's own traceback
    explained = page.locator(".decoder-error")
    expect(explained).to_contain_text("Python ne connaît pas le nom « prenon »")
    expect(explained).to_contain_text("Vouliez-vous écrire « prenom » ?")
    expect(explained).to_contain_text("À la ligne 2 : print(prenon)")
    outputs = explained.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]")
    expect(outputs).to_contain_text("NameError")
    assert_accessible(page, "beginner error", region=".decoder-error")

    # an exercise: « appel / attendu / obtenu » for every visible check, before handing in
    written = container.exec_run(
        ["python3", "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
         "/home/jovyan/essai-tarif.ipynb", exercise_with_a_try_table()], user="1000")
    assert written.exit_code == 0, written.output
    exercise = page.context.new_page()
    exercise.goto(re.sub(r"/lab.*", "/lab/tree/essai-tarif.ipynb", page.url))
    run_all(exercise)
    table = exercise.locator(".decoder-try")
    expect(table).to_contain_text("2 sur 5 vérifications réussies.", timeout=60_000)
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator("tbody tr").first).to_contain_text("prix_billet(8)")
    expect(table.locator("tbody tr").first).to_contain_text("à revoir")
    assert_accessible(exercise, "appel attendu obtenu", region=".decoder-try")
    exercise.close()

    # the tries reached the course service from the kernel: the instructors see counts only
    staff = Pages(demo_account(platform.settings, "formatrice"))
    counted = staff.text("/staff/self-checks")
    assert re.search(r"<code>s1-print</code></td><td>1</td><td>0</td><td>1</td>", counted), \
        counted[-800:]
    assert learner.name not in counted
    # the hint's count reached the service from the kernel (its export column:
    # test_dashboard_pages.py)
    kept = HintsOpened(lab.store(platform).engine).of_run(lab.current_run(platform))
    assert kept.get((learner.name, "s1-bonjour")) == 1

    # what the learner did is in their home, and comes back with a new kernel
    kept = container.exec_run(["cat", "/home/jovyan/.decoder/widgets.json"], user="1000")
    assert json.loads(kept.output)["quiz:s1-print"]["right"] is True
    assert page.evaluate(STOP_KERNELS) >= 1
    page.reload()
    run_all(page)
    single = page.locator(".decoder-quiz").first
    expect(single.locator("[role=status]")).to_contain_text("Bravo", timeout=60_000)
    expect(single.get_by_label("Il affiche 5.")).to_be_checked()
