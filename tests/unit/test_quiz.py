"""The self-check questions (images/lab/decoder_widgets): questions as data, how tries are
judged, what is kept in the learner's home, and the widget's own logic with real ipywidgets
(no browser: the browser test drives it in a learner's JupyterLab)."""

from __future__ import annotations

import json
import re
import sys

import nbformat
import pytest

from decoder import messages
from decoder.ops import content_report
from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import hints, parsons, questions, saved, stepper  # noqa: E402
from decoder_widgets import self_check as quiz_module  # noqa: E402

SINGLE = """
id = "s1-print"
question = "Que fait `print(2 + 3)` ?"
code = "print(2 + 3)"
[[options]]
text = "Il affiche 5."
right = true
explanation = "Python calcule d'abord 2 + 3."
[[options]]
text = "Il affiche 2 + 3."
explanation = "Sans guillemets, ce n'est pas un texte : Python calcule."
[[options]]
text = "Rien."
explanation = "print affiche toujours quelque chose."
"""
MULTIPLE = {"id": "s1-noms", "kind": "multiple", "question": "Quels noms de variable ?",
            "options": [{"text": "age", "right": True, "explanation": "Des lettres."},
                        {"text": "2age", "explanation": "Pas de chiffre au début."},
                        {"text": "mon_age", "right": True, "explanation": "Le _ est permis."}]}
OUTPUT = {"id": "s1-sortie", "kind": "output", "question": "Qu'affiche ce code ?",
          "code": "x = 2\nprint(x * 3)", "answers": ["6"], "explanation": "x vaut 2.",
          "mistakes": [{"answer": "x * 3", "explanation": "print affiche la valeur."}]}


def test_a_question_is_read_from_toml_or_a_dict():
    single = questions.parse(SINGLE)
    assert single.kind == "single" and len(single.options) == 3 and single.code
    assert questions.parse(MULTIPLE).kind == "multiple"
    assert questions.parse(OUTPUT).answers == ("6",)


@pytest.mark.parametrize("broken, key", [
    ("id = ", "not_toml"),
    ([1], "not_a_table"),
    ({"id": "Avec Espace", "question": "?"}, "bad_id"),
    ({"id": "a", "kind": "vrai-faux", "question": "?"}, "bad_kind"),
    ({"id": "a", "question": ""}, "missing_text"),
    ({"id": "a", "question": "?", "optoins": []}, "unknown_fields"),
    ({"id": "a", "question": "?", "options": [{"text": "x", "explanation": "y"}]},
     "few_options"),
    ({"id": "a", "question": "?", "options": [{"text": "x", "explanation": "y"},
                                              {"text": "z", "right": True}]}, "missing_text"),
    ({"id": "a", "question": "?", "options": [{"text": "x", "explanation": "y"},
                                              {"text": "z", "explanation": "w"}]},
     "single_needs_one"),
    ({"id": "a", "question": "?", "options": [{"text": "x", "explanation": "y", "right": 1},
                                              {"text": "z", "explanation": "w"}]}, "bad_right"),
    ({"id": "a", "question": "?", "kind": "multiple",
      "options": [{"text": "x", "explanation": "y"}, {"text": "z", "explanation": "w"}]},
     "multiple_needs_some"),
    ({"id": "a", "question": "?", "options": [{"text": "x", "explanation": "y", "right": True},
                                              {"text": "x", "explanation": "w"}]}, "same_option"),
    ({"id": "a", "question": "?", "kind": "output", "explanation": "e"}, "no_answers"),
    ({"id": "a", "question": "?", "kind": "output", "answers": "1"}, "missing_text"),
])
def test_a_question_that_cannot_be_asked_says_why_in_both_languages(broken, key):
    with pytest.raises(questions.QuestionError) as raised:
        questions.parse(broken)
    assert raised.value.key == key
    for language in messages.LANGUAGES:  # every reason is in the catalogues, filled in
        text = messages.say(f"widgets.{key}", language, **raised.value.params)
        assert "{" not in text


def test_each_try_says_why_and_the_second_wrong_one_shows_the_answer():
    q = questions.parse(SINGLE)
    state = questions.Attempts()
    state, verdict = questions.attempt(q, state, 1)
    assert not verdict.right and verdict.said == (("Il affiche 2 + 3.",
                                                   q.options[1].explanation),)
    assert state.tries == 1 and not state.over
    state, verdict = questions.attempt(q, state, 2)
    assert state.revealed and state.over and not verdict.right
    assert [text for text, _ in questions.solution(q)][0] == "Il affiche 5."
    # over: trying other options still explains them, spends nothing, changes nothing
    after, verdict = questions.attempt(q, state, 0)
    assert after is state and verdict.right


def test_a_multiple_choice_is_right_only_with_every_right_option():
    q = questions.parse(MULTIPLE)
    assert not questions.judge(q, [0]).right
    assert not questions.judge(q, [0, 1, 2]).right
    right = questions.judge(q, [0, 2])
    assert right.right and {text for text, _ in right.said} == {"age", "mon_age"}
    assert not questions.answered(q, []) and not questions.answered(q, [7])


def test_an_output_is_compared_as_printed_and_known_mistakes_are_explained():
    q = questions.parse(OUTPUT)
    assert questions.judge(q, " 6 \n\n").right
    assert questions.judge(q, "x * 3").said == (("x * 3", "print affiche la valeur."),)
    assert questions.judge(q, "7") == questions.Verdict(False, ())
    assert not questions.answered(q, "  \n")


def test_tries_are_kept_in_the_home_whole(tmp_path):
    path = tmp_path / ".decoder" / "widgets.json"
    assert saved.load(path) == {}
    assert saved.save("quiz:a", {"tries": 1}, path)
    assert saved.save("quiz:b", {"tries": 2}, path)
    assert saved.load(path) == {"quiz:a": {"tries": 1}, "quiz:b": {"tries": 2}}
    assert [p.name for p in path.parent.iterdir()] == ["widgets.json"]  # no partial left
    path.write_text("{pas du json")
    assert saved.load(path) == {}
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert saved.save("quiz:a", {}, blocked / "widgets.json") is False  # no crash


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv(saved.FILE_ENV, str(tmp_path / "widgets.json"))
    return tmp_path / "widgets.json"


def test_the_widget_judges_keeps_and_restores_a_learners_tries(home):
    box = quiz_module.quiz(SINGLE, language="fr")
    heading, choices, check, told, _consent = box.children
    assert "Vérifiez votre compréhension" in heading.value and "<code>" in heading.value
    assert check.description == "Vérifier"
    check.click()  # nothing chosen: no try spent
    assert "Choisissez d'abord" in told.value and not home.exists()
    choices.value = 1
    check.click()
    assert "il vous reste 1 essai" in told.value and "ce n'est pas un texte" in told.value
    assert json.loads(home.read_text())["quiz:s1-print"]["tries"] == 1
    again = quiz_module.quiz(SINGLE, language="fr")  # the cell run again, another day
    assert again.children[1].value == 1 and "il vous reste 1 essai" in again.children[3].value
    again.children[1].value = 2
    again.children[2].click()
    shown = again.children[3].value
    assert "voici la réponse" in shown and "Il affiche 5." in shown
    assert "Python calcule d'abord" in shown  # every option explained once revealed


def test_the_widget_in_english_and_a_broken_question_said_plainly(home):
    box = quiz_module.quiz(OUTPUT, language="en")
    box.children[1].value = "6"
    box.children[2].click()
    assert "Well done" in box.children[3].value
    broken = quiz_module.quiz({"id": "x", "question": "?"}, language="fr")
    assert "ne peut pas s'afficher" in broken.value and "au moins deux choix" in broken.value


def test_what_a_learner_writes_is_shown_as_text(home):
    hostile = dict(OUTPUT, mistakes=[{"answer": "<img src=x onerror=alert(1)>",
                                      "explanation": "<script>alert(2)</script>"}])
    box = quiz_module.quiz(hostile, language="fr")
    box.children[1].value = "<img src=x onerror=alert(1)>"
    box.children[2].click()
    assert "<img" not in box.children[3].value and "<script>" not in box.children[3].value
    home.write_text(json.dumps({"quiz:s1-sortie": {"tries": "beaucoup", "answer": 3}}))
    assert quiz_module.quiz(OUTPUT, language="fr").children[3].value == ""


QUIZ_BLOCK = re.compile(r'quiz\("""\n(.*?)"""\)', re.S)
PARSONS_BLOCK = re.compile(r'remettre_en_ordre\("""\n(.*?)"""\)', re.S)
HINTS_BLOCK = re.compile(r'indices\("""\n(.*?)"""\)', re.S)


def test_the_authoring_guides_examples_and_the_courses_questions_can_be_asked():
    guide = (PROJECT_ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert len([questions.parse(block) for block in QUIZ_BLOCK.findall(guide)]) >= 2
    problems = [parsons.parse(block) for block in PARSONS_BLOCK.findall(guide)]
    assert [hints.parse(block)[0] for block in HINTS_BLOCK.findall(guide)] == ["s2-tarif"]
    ids = []
    for path in sorted((PROJECT_ROOT / "course").rglob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type != "code":
                continue
            for name, argument in content_report.widget_calls(cell.source):
                data = content_report.widget_data(argument)
                assert data is not None, f"{path.name}: {name}(...) not written as data"
                if name == "quiz":
                    ids.append(questions.parse(data).id)
                elif name == "remettre_en_ordre":
                    problems.append(parsons.parse(data))
                elif name == "predisez":
                    assert isinstance(data, str) and questions.ID.match(data), path.name
                    ids.append(data)
    ids += [problem.id for problem in problems]
    assert len(ids) == len(set(ids)), "two questions of the course share an id"
    for problem in problems:  # the author's own solution is judged right, the shuffle wrong
        assert judged(problem, solved(problem)).right, problem.id
        assert not judged(problem, parsons.shuffled(problem)).right, problem.id


def solved(problem: parsons.Problem) -> parsons.Arrangement:
    count = len(problem.solution)
    return parsons.Arrangement(list(range(len(problem.lines))),
                               {i: problem.lines[i].level for i in range(count)},
                               set(range(count, len(problem.lines))))


def judged(problem: parsons.Problem, arrangement: parsons.Arrangement) -> parsons.Verdict:
    namespace: dict = {}
    assert stepper.run(problem.setup, namespace).error is None, problem.id
    ran = stepper.run(arrangement.program(problem), namespace)
    values = {name: namespace[name] for name, _ in problem.checks if name in namespace}
    return parsons.judge(problem, arrangement, ran.printed, ran.error, ran.cut, values)


@pytest.fixture
def course_service(monkeypatch):
    """A stand-in for the course service's one route the kernel calls (the real service is
    tested in test_course_service.py): what it receives."""
    import http.server
    import threading

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Authorization"], json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DECODER_COURSE_URL", f"http://127.0.0.1:{server.server_port}/services/course/")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "le-jeton-du-serveur")
    yield received
    server.shutdown()


def wait_for(received: list, count: int, seconds: float = 10) -> None:
    import time

    deadline = time.monotonic() + seconds
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_tries_are_shared_only_once_the_learner_agreed(home, course_service):
    box = quiz_module.quiz(SINGLE, language="fr")
    consent = box.children[4]
    assert "combien de personnes la réussissent" in consent.children[0].value
    box.children[1].value = 1
    box.children[2].click()  # no answer to the consent yet: nothing is sent
    yes, no = consent.children[1].children
    yes.click()
    assert "Merci" in consent.children[0].value
    box.children[1].value = 0
    box.children[2].click()
    wait_for(course_service, 1)
    assert course_service == [("/services/course/api/self-checks/s1-print",
                               "token le-jeton-du-serveur", {"tries": 2, "right": True})]
    box.children[1].value = 2
    box.children[2].click()  # over: looking at another option's explanation sends nothing
    other = quiz_module.quiz(OUTPUT, language="fr")
    assert other.children[4].value == ""  # asked once for all questions
    other.children[1].value = "6"
    other.children[2].click()
    wait_for(course_service, 2)
    assert course_service[1][2] == {"tries": 1, "right": True} and len(course_service) == 2


def test_a_learner_who_says_no_shares_nothing(home, course_service):
    box = quiz_module.quiz(SINGLE, language="fr")
    box.children[4].children[1].children[1].click()  # « Non merci »
    box.children[1].value = 0
    box.children[2].click()
    wait_for(course_service, 1, seconds=1)  # (the sending thread had its chance)
    assert course_service == [] and json.loads(home.read_text())["consent:self-checks"] is False
