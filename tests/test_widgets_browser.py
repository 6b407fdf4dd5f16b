"""The learning widgets (images/lab/decoder_widgets) in a real learner's JupyterLab, in a real
browser (Playwright driving Debian's Chromium): a self-check question answered with the
keyboard only and with the mouse, accessible (axe-core on the widget), and a learner's tries
kept across a new kernel (the home's widgets.json)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from playwright.sync_api import expect

from tests.a11y import assert_accessible
from tests.browsers import log_in_to_lab, new_page
from tests.unit.test_quiz import MULTIPLE, SINGLE

pytestmark = [pytest.mark.docker, pytest.mark.browser]

NOTEBOOK = "essai-questions.ipynb"
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


def lesson_with_questions() -> str:
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Deux questions"),
        nbformat.v4.new_code_cell(f'from decoder_widgets import quiz\nquiz("""{SINGLE}""")'),
        nbformat.v4.new_code_cell(f"quiz({MULTIPLE!r})"),
    ]
    return nbformat.writes(notebook)


def tab_to(page, target, most: int = 6) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through a form."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{most} Tabs did not reach {target}")


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

    # keyboard only: arrows choose in the group, Tab reaches « Vérifier », Entrée checks
    single.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowDown")
    expect(single.locator("input[type=radio]").nth(1)).to_be_checked()
    tab_to(page, single.get_by_role("button", name="Vérifier"))
    page.keyboard.press("Enter")
    told = single.locator("[role=status]")
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
    expect(multiple.locator("[role=status]")).to_contain_text("Bravo")
    assert_accessible(page, "self-check questions", region=".decoder-quiz")

    # what the learner did is in their home, and comes back with a new kernel
    kept = container.exec_run(["cat", "/home/jovyan/.decoder/widgets.json"], user="1000")
    assert json.loads(kept.output)["quiz:s1-print"]["right"] is True
    assert page.evaluate(STOP_KERNELS) >= 1
    page.reload()
    run_all(page)
    single = page.locator(".decoder-quiz").first
    expect(single.locator("[role=status]")).to_contain_text("Bravo", timeout=60_000)
    expect(single.get_by_label("Il affiche 5.")).to_be_checked()
