"""Parsons problems (images/lab/decoder_widgets/parsons.py, parsons_widget.py): problems as
data, the shuffle, moves, the judgement by what the program does (another right order is
right), the first line out of place, the widget's buttons and what it keeps in the home."""

from __future__ import annotations

import json
import sys

import pytest

from decoder import messages
from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import parsons, parsons_widget, questions, saved  # noqa: E402

from tests.unit.test_quiz import judged, solved  # noqa: E402

PANIER = '''
id = "s2-parsons-panier"
question = "Remettez les lignes dans l'ordre pour calculer le total du panier."
setup = "panier = [2.5, 1.2, 4.0]"
solution = """
total = 0
for prix in panier:
    total = total + prix
print(total)"""
distractors = ["total = total + 1"]
output = "7.7"

[[checks]]
name = "total"
expected = 7.7
'''


run = judged


def test_a_problem_read_shuffled_and_solved():
    problem = parsons.parse(PANIER)
    assert [line.level for line in problem.solution] == [0, 0, 1, 0]
    start = parsons.shuffled(problem)
    assert start.order != list(range(len(problem.lines))) and start.levels == {}
    assert parsons.shuffled(problem).order == start.order  # the same for everyone, every time
    assert run(problem, solved(problem)).right
    assert not run(problem, start).right


def test_another_right_order_is_right_too():
    problem = parsons.parse({"id": "deux-affectations", "question": "?",
                             "solution": "a = 1\nb = 2\nprint(a + b)", "output": "3"})
    swapped = parsons.Arrangement([1, 0, 2])
    assert run(problem, swapped).right


def test_what_is_wrong_is_said_first_line_first():
    problem = parsons.parse(PANIER)
    arrangement = solved(problem)
    arrangement.left_out.clear()  # the distractor kept
    assert run(problem, arrangement).first_wrong == (
        "parsons_distractor", {"line": "total = total + 1"})
    arrangement = solved(problem)
    arrangement.levels[2] = 0  # the loop's body not shifted
    verdict = run(problem, arrangement)
    assert verdict.seen == ("parsons_error", {  # the learner's line, not the setup's
        "line": 3, "error": "IndentationError: expected an indented block after 'for' statement "
                            "on line 2"})
    assert verdict.first_wrong == ("parsons_more_indent", {"position": 3,
                                                           "line": "total = total + prix"})
    arrangement = solved(problem)
    parsons.move(arrangement, 3, -3)  # print first
    verdict = run(problem, arrangement)
    assert verdict.first_wrong == ("parsons_out_of_place", {"position": 1, "line": "print(total)"})
    assert verdict.seen[0] == "parsons_error"  # total is not defined yet
    arrangement = solved(problem)
    arrangement.left_out.add(0)
    assert run(problem, arrangement).first_wrong[0] == "parsons_out_of_place"
    for language in messages.LANGUAGES:
        for key, params in (verdict.first_wrong, verdict.seen):
            assert "{" not in messages.say(f"widgets.{key}", language, **params)


def test_an_endless_arrangement_is_cut():
    problem = parsons.parse({"id": "boucle", "question": "?", "output": "0",
                             "solution": "n = 3\nwhile n > 0:\n    n = n - 1\nprint(n)"})
    stuck = parsons.Arrangement([0, 1, 3, 2], {3: 1})  # print in the loop, n never changes
    verdict = run(problem, stuck)
    assert not verdict.right and verdict.seen == ("parsons_cut", {})
    assert verdict.first_wrong == ("parsons_out_of_place", {"position": 3, "line": "print(n)"})


@pytest.mark.parametrize("broken, key", [
    ({"id": "a", "question": "?", "solution": "a = 1\n  b = 2\nc = 3", "output": "x"},
     "parsons_bad_indent"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2", "output": "x"},
     "parsons_few_lines"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2\na = 1", "output": "x"},
     "parsons_same_line"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2\nc = 3"}, "parsons_nothing_checked"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2\nc = 3", "checks": [{"name": "a"}]},
     "parsons_checks"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2\nc = 3", "output": "",
      "distractors": "x = 1"}, "parsons_distractors"),
    ({"id": "a", "question": "?", "solution": "a = 1\nb = 2\nc = 3", "ouput": "1"},
     "unknown_fields"),
])
def test_a_problem_that_cannot_be_set_says_why(broken, key):
    with pytest.raises(questions.QuestionError) as raised:
        parsons.parse(broken)
    assert raised.value.key == key
    for language in messages.LANGUAGES:
        assert "{" not in messages.say(f"widgets.{key}", language, **raised.value.params)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv(saved.FILE_ENV, str(tmp_path / "widgets.json"))
    return tmp_path / "widgets.json"


def buttons(box):
    _heading, lines, row, status, check, told = box.children
    up, down, indent, dedent, leave_out = row.children
    return lines, up, down, indent, dedent, leave_out, status, check, told


def test_the_widget_solves_a_problem_with_its_buttons_and_remembers_it(home):
    box = parsons_widget.remettre_en_ordre(PANIER, language="fr")
    lines, up, down, indent, dedent, leave_out, status, check, told = buttons(box)
    problem = parsons.parse(PANIER)
    target = [0, 1, 2, 3]
    # put each line of the solution in place, top first, as a learner would
    for position, line in enumerate(target):
        lines.value = line
        while list(v for _, v in lines.options).index(line) > position:
            up.click()
        assert lines.value == line  # the chosen line follows its moves
    lines.value = 2
    indent.click()
    assert "« total = total + prix » : ligne 3, décalée de 1 niveau(x)." in status.value
    lines.value = 4
    leave_out.click()
    assert "écartée" in dict((v, k) for k, v in lines.options)[4]
    check.click()
    assert "Bravo" in told.value and "7.7" in told.value
    kept = json.loads(home.read_text())["parsons:" + problem.id]
    assert kept["order"][:4] == target and kept["solved"] is True
    again = parsons_widget.remettre_en_ordre(PANIER, language="fr")
    assert buttons(again)[-1].value.count("Bravo") == 1
    assert [v for _, v in buttons(again)[0].options][:4] == target


def test_the_widget_says_what_is_wrong_and_survives_a_strange_file(home):
    box = parsons_widget.remettre_en_ordre(PANIER, language="en")
    *_, told = buttons(box)
    buttons(box)[7].click()
    assert "Not yet" in told.value
    home.write_text(json.dumps({"parsons:s2-parsons-panier": {"order": [0, 0, 9]}}))
    fresh = parsons_widget.remettre_en_ordre(PANIER, language="fr")
    assert len(buttons(fresh)[0].options) == 5
    broken = parsons_widget.remettre_en_ordre({"id": "x", "question": "?"}, language="fr")
    assert "solution" in broken.value
