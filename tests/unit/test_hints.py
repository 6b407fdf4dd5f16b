"""Progressive hints (images/lab/decoder_widgets/hints.py, decoder/service/hints_opened.py):
written as data, opened one at a time and remembered in the home, the count sent to the
course service (a stand-in here; the real one in test_dashboard_pages.py), kept as the most
ever opened, and written in the export."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from decoder import messages
from decoder.dashboard import export
from decoder.protocol import PayloadError
from decoder.service.hints_opened import HintsOpened, opened_of
from decoder.service.store import Store
from decoder.settings import PROJECT_ROOT
from tests.course_copy import taught
from tests.unit.test_quiz import course_service, home, wait_for  # noqa: F401 (fixtures)

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import hints as hints_module  # noqa: E402
from decoder_widgets import indices, questions  # noqa: E402

TARIF = {"id": "s2-tarif", "hints": ["Trois prix : if, elif, else.",
                                     "Du plus jeune au plus âgé : `if age < 12:`",
                                     "À 12 ans pile, on paie déjà 9 €."]}


def test_hints_open_one_at_a_time_and_are_remembered(home, course_service):  # noqa: F811
    box = indices(TARIF, language="fr")
    shown, button = box.children
    assert "Essayez d'abord" in shown.value and button.description == "Un indice (1 sur 3)"
    button.click()
    assert "Trois prix" in shown.value and "Du plus jeune" not in shown.value
    assert button.description == "Un indice (2 sur 3)"
    wait_for(course_service, 1)
    assert course_service == [("/services/course/api/assignments/s2-tarif/hints",
                               "token le-jeton-du-serveur", {"opened": 1})]
    again = indices(TARIF, language="fr")  # another day: the first stays open
    assert "Trois prix" in again.children[0].value
    again.children[1].click()
    again.children[1].click()
    assert again.children[1].disabled and "Tous les indices" in again.children[1].description
    assert "<code>if age &lt; 12:</code>" in again.children[0].value
    assert json.loads(home.read_text())["hints:s2-tarif"] == 3
    wait_for(course_service, 3)
    assert [body for _, _, body in course_service] == [{"opened": 1}, {"opened": 2},
                                                       {"opened": 3}]


def test_what_a_hint_costs_is_said_before_the_first_is_opened(home, monkeypatch):  # noqa: F811
    assert "Ils ne retirent aucun point" in indices(TARIF, language="fr").children[0].value
    monkeypatch.setenv("DECODER_POINTS_PER_HINT", "0.5")  # course.toml's [hints], from the hub
    said = indices(TARIF, language="fr").children[0].value
    assert "retire 0,5 point à la note" in said  # a French decimal comma
    assert "aucun point" not in said
    for odd in ("", "abc", "-1", "nan", "inf"):
        assert hints_module.points_per_hint({"DECODER_POINTS_PER_HINT": odd}) == 0.0


@pytest.mark.parametrize("broken", [{"id": "s2-tarif", "hints": ["un seul"]},
                                    {"id": "s2-tarif", "hints": ["1", "2", "3", "4", "5"]},
                                    {"id": "s2-tarif", "hints": ["1", ""]},
                                    {"id": "s2-tarif", "indices": ["1", "2"]}])
def test_hints_that_cannot_be_shown_say_why(broken):
    with pytest.raises(questions.QuestionError) as raised:
        hints_module.parse(broken)
    for language in messages.LANGUAGES:
        assert "{" not in messages.say(f"widgets.{raised.value.key}", language,
                                       **raised.value.params)


@pytest.mark.parametrize("payload", [None, {}, {"opened": 0}, {"opened": 5}, {"opened": "2"},
                                     {"opened": True}, {"opened": 1, "x": 1}])
def test_only_a_count_of_one_to_four_is_accepted(payload):
    with pytest.raises(PayloadError):
        opened_of(payload)


def test_a_count_only_rises_and_reaches_the_export(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    store.migrate()
    kept = HintsOpened(store.engine)
    before = kept.version()
    kept.record("demo", "awa", "s1-bonjour", 2)
    kept.record("demo", "awa", "s1-bonjour", 1)  # never lower
    kept.record("autre", "awa", "s1-bonjour", 4)
    assert kept.of_run("demo") == {("awa", "s1-bonjour"): 2} and kept.version() != before
    course = taught()
    text = export.grades_csv(course, ["awa"], {}, {}, {}, {"awa": {1: 0.0, 2: 0.0, 3: 0.0,
                                                                   4: 0.0}},
                             week=1, hints=kept.of_run("demo"))
    rows = {r["assignment"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["s1-bonjour"]["hints_opened"] == "2" and rows["s1-calculs"]["hints_opened"] == "0"


def test_a_submission_keeps_the_hints_opened_when_it_was_handed_in(tmp_path):
    """The service's submit reads the count (HintsOpened.opened) into the submission: hints
    opened afterwards (to compare with the solution) do not change what it cost."""
    import datetime as dt
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    store.migrate()
    kept = HintsOpened(store.engine)
    assert kept.opened("demo", "awa", "s2-tarif") == 0
    kept.record("demo", "awa", "s2-tarif", 2)
    first = store.add_submission("awa", "s2-tarif", dt.datetime(2026, 12, 1), "f", 1, "0" * 64,
                                 run="demo", hints_opened=kept.opened("demo", "awa", "s2-tarif"))
    kept.record("demo", "awa", "s2-tarif", 3)
    assert store.submission(first)["hints_opened"] == 2
    assert [r["hints_opened"] for r in store.history(run="demo")] == [2]
    assert kept.opened("demo", "awa", "s2-tarif") == 3 and kept.opened("autre", "awa",
                                                                       "s2-tarif") == 0
