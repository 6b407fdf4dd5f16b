"""A mark belongs to the submission it judged (earlier_marks.py, gradebook.py's _retire_marks):
the course service's gradebook writer with nbgrader's real gradebook, on a course exercise."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import pytest
import sqlalchemy as sa
from nbgrader.api import Gradebook

from decoder.service.earlier_marks import EarlierMarks
from decoder.service.gradebook import CourseGradebook
from decoder.service.store import Store
from decoder.settings import PlatformSettings

NAME = "s1-algorithme-du-quotidien"  # its « reponse-ecrite » is graded by hand


def result(number: int, submitted_at: dt.datetime) -> dict:
    return {"id": number, "submission_id": number, "assignment": NAME, "username": "awa",
            "submitted_at": submitted_at, "report": json.dumps({"tests": []})}


@pytest.fixture
def written(tmp_path):
    warnings.simplefilter("ignore")
    settings = PlatformSettings()
    book = CourseGradebook(tmp_path / "nbgrader", settings.masters_dir, settings.course_config)
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    store.migrate()
    return book, EarlierMarks(store.engine), tmp_path


def give_marks(book: CourseGradebook, points: float, comment: str) -> None:
    with Gradebook(book.url) as gb:
        gb.find_grade("reponse-ecrite", NAME, NAME, "awa").manual_score = points
        gb.find_comment("reponse-ecrite", NAME, NAME, "awa").manual_comment = comment
        gb.db.commit()


def marks_now(book: CourseGradebook) -> tuple:
    with Gradebook(book.url) as gb:
        grade = gb.find_grade("reponse-ecrite", NAME, NAME, "awa")
        comment = gb.find_comment("reponse-ecrite", NAME, NAME, "awa")
        return grade.manual_score, comment.manual_comment, grade.needs_manual_grade


def test_a_newer_submission_starts_without_the_older_ones_marks(written):
    book, earlier, tmp = written
    first = dt.datetime(2026, 12, 1, 10, 0, 0, 123456)
    book.record([result(1, first)], tmp, {("awa", NAME): 1}, keep_earlier=earlier.keep)
    give_marks(book, 2.0, "Il manque l'étape « attendre ».")
    book.record([result(1, first)], tmp, {("awa", NAME): 1}, keep_earlier=earlier.keep)
    assert marks_now(book)[:2] == (2.0, "Il manque l'étape « attendre »."), "a regrade keeps them"
    second = first + dt.timedelta(hours=2)
    book.record([result(2, second)], tmp, {("awa", NAME): 2}, keep_earlier=earlier.keep)
    assert marks_now(book) == (None, None, True)  # graded afresh, a look by hand asked again
    kept = earlier.all()[("awa", NAME, first)]
    assert [(m.cell, m.points, m.comment) for m in kept.cells] == \
        [("reponse-ecrite", 2.0, "Il manque l'étape « attendre ».")]
    assert kept.applies_to(first) and not kept.applies_to(second)


def test_the_marks_are_kept_before_they_are_cleared(written):
    """Keeping fails: nothing is cleared (the instructor's words are never lost)."""
    book, earlier, tmp = written
    first = dt.datetime(2026, 12, 1, 10, 0)
    book.record([result(1, first)], tmp, {("awa", NAME): 1})
    give_marks(book, 5.0, "Très clair.")

    def broken(*_):
        raise sa.exc.OperationalError("insert", {}, Exception("disk I/O error"))

    with pytest.raises(sa.exc.OperationalError):
        book.record([result(2, first + dt.timedelta(hours=1))], tmp, {("awa", NAME): 2},
                    keep_earlier=broken)
    assert marks_now(book)[:2] == (5.0, "Très clair.")
