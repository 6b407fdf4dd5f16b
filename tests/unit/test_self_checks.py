"""The class's self-check answers on the service's side (decoder/service/self_checks.py): the
payload a kernel may send, a learner's latest tries kept once, counts per question without
names, the most missed first; with the real store (SQLite, migrated)."""

from __future__ import annotations

import pytest

from decoder.protocol import PayloadError
from decoder.service.self_checks import SelfChecks, answer_of, summary
from decoder.service.store import Store


@pytest.mark.parametrize("payload", [
    None, [], "x", {}, {"tries": 1}, {"tries": 0, "right": True}, {"tries": 3, "right": True},
    {"tries": True, "right": True}, {"tries": 1.0, "right": True}, {"tries": 1, "right": 1},
    {"tries": 1, "right": True, "name": "awa"}])
def test_only_tries_and_right_are_accepted(payload):
    with pytest.raises(PayloadError):
        answer_of(payload)


def test_counts_per_question_the_most_missed_first():
    rows = [("boucle", 1, True), ("boucle", 2, False), ("boucle", 2, True),
            ("print", 1, True), ("print", 1, True), ("print", 1, False)]
    boucle, printed = summary(rows)
    assert boucle.question == "boucle" and (boucle.learners, boucle.first_try,
                                            boucle.second_try, boucle.missed) == (3, 1, 1, 1)
    assert (printed.first_try, printed.trying, printed.missed) == (2, 1, 0)


def test_a_learners_latest_tries_count_once_and_staff_not_at_all(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    store.migrate()
    answers = SelfChecks(store.engine)
    answers.record("demo", "awa", "s1-print", 1, False)
    answers.record("demo", "awa", "s1-print", 2, True)  # her second try replaces the first
    answers.record("demo", "ben", "s1-print", 1, True)
    answers.record("demo", "formatrice", "s1-print", 2, False)
    answers.record("autre", "awa", "s1-print", 2, False)  # another run
    [question] = answers.summary("demo", staff={"formatrice"})
    assert (question.learners, question.first_try, question.second_try) == (2, 1, 1)
    assert answers.summary("vide") == []
