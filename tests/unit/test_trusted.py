"""Test cells judged on the trusted side (graders/trusted.py), against a kernel answering with
kernel_side.py's own code in this process, or a kernel that lies (tests/fakes.py). The real
path, with sandboxed kernels, is tested in tests/test_grading_sandbox.py."""

from __future__ import annotations

import ast
import json

import pytest

from decoder.messages import render
from graders.trusted import (
    Conversation,
    KernelStopped,
    free_names,
    hidden_line_count,
    run_part,
    split_hidden,
)
from tests.fakes import InProcessKernel, LyingKernel

TEST = '''from graders.checks import Erreur, verifier

espaces = Erreur(lambda o, a: type(o) is str and o.replace(" ", "") == a.replace(" ", ""),
                 "Vérifiez les espaces.")
verifier(saluer("Awa"), "Bonjour, Awa !", quoi='saluer("Awa")', erreurs=[espaces])
### BEGIN HIDDEN TESTS
verifier(saluer("Jean-Marc"), "Bonjour, Jean-Marc !", quoi='saluer("Jean-Marc")')
### END HIDDEN TESTS
'''
RIGHT = "def saluer(p):\n    return 'Bonjour, ' + p + ' !'\n"


def judged(learner_code: str, test: str = TEST, part: int = 0):
    kernel = InProcessKernel(learner_code)
    result = run_part(split_hidden(test)[part], "test-exemple", {}, Conversation(kernel.ask))
    return result, kernel


def said(result) -> str:
    return render(result.failure, "fr")


def test_a_cell_splits_into_visible_and_hidden_parts_on_the_same_lines():
    visible, hidden = split_hidden(TEST)
    assert len(visible.splitlines()) == len(hidden.splitlines()) == len(TEST.splitlines())
    assert "Jean-Marc" not in visible and "Awa" not in hidden
    assert visible.splitlines()[4] == TEST.splitlines()[4]
    assert hidden.splitlines()[6] == TEST.splitlines()[6]
    assert hidden_line_count(TEST) == 1


def test_free_names_are_the_learners_names_only():
    only_called, used = free_names(ast.parse(
        "from graders.checks import verifier\nimport math\nx = 3\n"
        "verifier(saluer(x), 2, quoi='')\nverifier(panier.total, len(etapes), quoi='')\n"
        "for p in noms:\n    f(p)\n[g(y) for y in range(3)]\nh = lambda z: z\nh(1)\n"))
    assert only_called == {"saluer", "f", "g"}
    assert used == {"panier", "etapes", "noms"}


def test_a_right_answer_passes_and_the_kernel_never_sees_an_expected_value():
    result, kernel = judged(RIGHT)
    assert result.passed, said(result)
    asked = json.dumps(kernel.questions)
    assert "Awa" in asked and "Bonjour" not in asked  # arguments only


def test_a_wrong_answer_fails_with_the_exercises_message():
    result, _ = judged("def saluer(p):\n    return 'Bonjour,' + p + '!'\n")
    assert "saluer(\"Awa\") ne donne pas le bon résultat" in said(result)
    assert "Vérifiez les espaces." in said(result) and "'Bonjour,Awa!'" in said(result)


def test_what_the_learners_code_prints_is_kept_with_the_test():
    result, _ = judged("def saluer(p):\n    print('coucou', p)\n")
    assert result.printed == "coucou Awa\n"
    assert "print au lieu de return" in said(result)


@pytest.mark.parametrize(("code", "words"), [
    ("def saluer(p):\n    raise NotImplementedError()\n", "pas encore écrite"),
    ("def saluer(p):\n    return 1 / 0\n", "saluer('Awa') a provoqué une erreur : "
                                               "ZeroDivisionError : division by zero"),
    ("", "« saluer » n'est pas défini"),
    ("saluer = 3\n", "saluer('Awa') a provoqué une erreur : TypeError"),
])
def test_each_failure_of_the_learners_code_is_said_by_the_trusted_side(code, words):
    result, _ = judged(code)
    assert words in said(result)


def test_a_test_can_expect_the_learners_exception():
    test = ("try:\n    diviser(1, 0)\n    ok = False\nexcept ZeroDivisionError:\n    ok = True\n"
            "assert ok, 'diviser(1, 0) doit lever ZeroDivisionError'\n")
    result, _ = judged("def diviser(a, b):\n    return a / b\n", test + "\n", 0)
    assert result.passed, said(result)


def test_objects_that_lie_arrive_as_descriptions_equal_to_nothing():
    liar = ("class Tout(str):\n    def __eq__(self, o): return True\n"
            "    def __hash__(self): return 0\n"
            "    def __repr__(self): return \"'Bonjour, Awa !'\"\n"
            "    __class__ = property(lambda self: str)\n"
            "def saluer(p):\n    return Tout('Bonjour, Awa !')\n")
    result, _ = judged(liar)
    assert not result.passed and "un objet de type Tout" in said(result)


def test_names_used_as_values_and_attributes_come_as_plain_data():
    learner = ("etapes = ['a', 'b']\nclass Panier:\n    total = 12\n"
               "    def ajouter(self, x):\n        return x * 2\npanier = Panier()\n")
    test = ("from graders.checks import verifier\nverifier(etapes, ['a', 'b'], quoi='etapes')\n"
            "verifier(panier.total, 12, quoi='total')\n"
            "verifier(panier.ajouter(4), 8, quoi='ajouter')\n"
            "verifier(panier, 12, quoi='panier')\n")
    result, _ = judged(learner, test + "\n")
    assert "panier ne donne pas" in said(result) and "un objet de type Panier" in said(result)


@pytest.mark.parametrize("answer", [
    None, [], "Bonjour, Awa !", {"returned": "pas du json"},
    {"returned": '{"t": "exec", "v": "import os"}'}, {"views": "x"}, {"raised": 3},
])
def test_a_kernel_that_lies_about_its_answers_only_fails_its_tests(answer):
    result = run_part(split_hidden(TEST)[0], "t", {}, Conversation(LyingKernel(answer).ask))
    assert not result.passed
    assert said(result)  # a message of ours, whatever the kernel sent


def test_a_stopped_kernel_ends_the_test_even_under_except_exception():
    def ask(_request):
        raise KernelStopped("grader.kernel_died")

    test = "try:\n    saluer('Awa')\nexcept Exception:\n    pass\n"
    result = run_part(test, "t", {}, Conversation(ask))
    assert not result.passed and result.stopped is not None
    assert "Python s'est arrêté" in said(result)


def test_a_test_that_sends_what_is_not_plain_data_is_told_so():
    result, _ = judged(RIGHT, "saluer(object())\n")
    assert "ne peut pas être envoyé" in said(result)
