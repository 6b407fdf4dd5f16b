"""The step-by-step visualiser's traces (images/lab/decoder_widgets/stepper.py) on ten
programs a beginner writes (loops, functions, lists, an exception…), and on programs that
flood it: each is cut at its limit with the reason, and the process keeps its tracer, its
output and its signal handler."""

from __future__ import annotations

import signal
import sys

import pytest

from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import stepper  # noqa: E402


def variables(step: stepper.Step, frame: int = -1) -> dict[str, str]:
    return dict(step.frames[frame].variables)


def test_a_sequence_of_assignments():
    trace = stepper.trace("prenom = 'Samia'\nage = 34\nage = age + 1\n")
    assert [s.line for s in trace.steps] == [1, 2, 3, None]
    assert variables(trace.steps[2]) == {"prenom": "'Samia'", "age": "34"}
    assert variables(trace.steps[-1])["age"] == "35" and trace.error is None


def test_a_for_loop_fills_a_list():
    trace = stepper.trace("carres = []\nfor n in range(3):\n    carres.append(n * n)\n")
    assert [s.line for s in trace.steps] == [1, 2, 3, 2, 3, 2, 3, 2, None]
    assert [variables(s).get("carres") for s in trace.steps if s.line == 2] == [
        "[]", "[0]", "[0, 1]", "[0, 1, 4]"]


def test_print_versus_return():
    trace = stepper.trace("def double(x):\n    print(x * 2)\n\nr = double(4)\nprint(r)\n")
    inside = [s for s in trace.steps if len(s.frames) == 2]
    assert inside and inside[0].frames[1].function == "double"
    assert variables(inside[0]) == {"x": "4"}
    assert variables(inside[0], 0)["double"] == "def double(x)"
    assert trace.steps[-1].printed == "8\nNone\n" and variables(trace.steps[-1])["r"] == "None"


def test_a_function_that_returns():
    trace = stepper.trace("def prix_ttc(ht):\n    return ht * 1.2\n\ntotal = prix_ttc(10)\n")
    assert variables(trace.steps[-1])["total"] == "12.0"


def test_a_while_loop_counts_down():
    trace = stepper.trace("n = 3\nwhile n > 0:\n    print(n)\n    n = n - 1\nprint('Partez !')\n")
    assert trace.steps[-1].printed == "3\n2\n1\nPartez !\n"
    assert [variables(s)["n"] for s in trace.steps if s.line == 2] == ["3", "2", "1", "0"]


def test_a_condition_takes_one_branch():
    trace = stepper.trace("age = 16\nif age >= 18:\n    statut = 'majeur'\nelse:\n"
                          "    statut = 'mineur'\n")
    assert 3 not in [s.line for s in trace.steps] and 5 in [s.line for s in trace.steps]


def test_a_dictionary_and_a_string_built_step_by_step():
    trace = stepper.trace("budget = {'loyer': 500}\nbudget['courses'] = 200\n"
                          "phrase = ''\nfor mot in ['un', 'cv']:\n    phrase = phrase + mot\n")
    final = variables(trace.steps[-1])
    assert final["budget"] == "{'courses': 200, 'loyer': 500}" or "'courses': 200" in final[
        "budget"]
    assert final["phrase"] == "'uncv'"


def test_frames_of_nested_calls():
    trace = stepper.trace("def b(y):\n    return y + 1\n\ndef a(x):\n    return b(x) * 2\n\n"
                          "print(a(1))\n")
    deepest = max(trace.steps, key=lambda s: len(s.frames))
    assert [f.function for f in deepest.frames] == ["<module>", "a", "b"]
    assert trace.steps[-1].printed == "4\n"


def test_an_error_stops_at_the_line_that_raised():
    trace = stepper.trace("notes = [12, 15]\ni = 0\nwhile True:\n    print(notes[i])\n"
                          "    i = i + 1\n")
    assert trace.error == (4, "IndexError", "list index out of range")
    assert trace.steps[-1].line == 4 and trace.steps[-1].printed == "12\n15\n"
    assert variables(trace.steps[-1])["i"] == "2"


def test_a_syntax_error_has_its_line_and_no_step():
    trace = stepper.trace("x = 1\nif x > 0\n    print(x)\n")
    assert trace.steps == () and trace.error[0] == 2 and trace.error[1] == "SyntaxError"


@pytest.fixture(autouse=True)
def the_process_gets_everything_back():
    tracer, out, handler = sys.gettrace(), sys.stdout, signal.getsignal(signal.SIGALRM)
    timer = signal.getitimer(signal.ITIMER_REAL)  # (pytest-timeout's, if it uses signals)
    yield
    assert sys.gettrace() is tracer and sys.stdout is out
    assert signal.getsignal(signal.SIGALRM) is handler
    after = signal.getitimer(signal.ITIMER_REAL)
    assert (after[0] > 0) == (timer[0] > 0) and after[0] <= timer[0]


def test_an_endless_loop_is_cut_after_the_steps_allowed():
    trace = stepper.trace("n = 0\nwhile True:\n    n = n + 1\n", max_steps=200)
    assert trace.cut == "steps" and len(trace.steps) == 201 and trace.error is None


def test_a_million_steps_are_cut_and_so_is_their_output():
    assert stepper.trace("for i in range(10 ** 6):\n    pass\n").cut == "steps"
    flood = stepper.trace("print('x' * 10 ** 6)\n", max_output=10_000)
    assert flood.cut == "output" and len(flood.steps[-1].printed) == 10_000


def test_one_endless_operation_is_cut_by_the_clock():
    trace = stepper.trace("x = 7\ny = x ** 10 ** 9\n", max_seconds=0.5)
    assert trace.cut == "time"
    looping = stepper.trace("class A:\n    def __repr__(self):\n        while True:\n"
                            "            pass\na = A()\nb = 1\n", max_seconds=0.5)
    assert looping.cut == "time"


def test_huge_values_are_shown_short():
    trace = stepper.trace("texte = 'a' * 10 ** 6\nnombres = list(range(10 ** 5))\n"
                          "grand = 10 ** 5000\n")
    final = variables(trace.steps[-1])
    assert all(len(value) <= 100 for value in final.values())


def test_input_and_catching_everything_do_not_escape():
    asked = stepper.trace("nom = input('Nom ? ')\n")
    assert asked.error[1] == "RuntimeError" and "input()" in asked.error[2]
    caught = stepper.trace("n = 0\nwhile True:\n    try:\n        n = n + 1\n"
                           "    except Exception:\n        pass\n")
    assert caught.cut == "steps"  # an `except Exception` does not swallow the cut


def test_the_widget_moves_through_the_steps_and_says_how_it_ended():
    from decoder_widgets import pas_a_pas

    box = pas_a_pas("total = 0\nfor prix in [3, 5]:\n    total = total + prix\nprint(total)\n",
                    language="fr")
    _title, code, controls, state = box.children
    previous, following, slider, position = controls.children
    assert "▶  1  total = 0" in code.value and previous.disabled
    assert position.value == "Étape 1 sur 8"
    following.click()
    following.click()
    assert "▶  3      total = total + prix" in code.value
    assert "<code>total</code></td><td><code>0</code>" in state.value
    slider.value = slider.max
    assert following.disabled and "Fin du programme." in state.value
    assert "8\n" in state.value and "Programme principal" in state.value
    previous.click()
    assert "Fin du programme" not in state.value
    cut = pas_a_pas("while True:\n    pass\n", language="en")
    cut.children[2].children[2].value = cut.children[2].children[2].max
    assert "Stopped after too many steps" in cut.children[3].value
    broken = pas_a_pas("print('<b>oups</b>'\n", language="fr")
    assert "Erreur à la ligne 1" in broken.children[3].value
    assert "<b>oups" not in broken.children[1].value  # the learner's code shown as text
