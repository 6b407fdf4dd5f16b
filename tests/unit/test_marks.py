"""The instructors' marks: read from a real nbgrader gradebook, laid over a report (pure)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import warnings
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from decoder.service import feedback
from decoder.service.marks import CellMark, Marks, marked_score, read_marks, with_marks

SUBMITTED = dt.datetime(2026, 1, 12, 9, 30, 15, 123456)


@pytest.fixture
def gradebook(tmp_path: Path) -> Path:
    """A gradebook as nbgrader's formgrader leaves it: a written answer graded by hand with a
    comment, a test cell whose points were changed by hand, another left to the autograder."""
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    path = tmp_path / "gradebook.db"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
        with Gradebook(f"sqlite:///{path}") as gb:
            gb.add_assignment("ex")
            gb.add_notebook("ex", "ex")
            gb.add_grade_cell("reponse", "ex", "ex", max_score=6, cell_type="markdown")
            gb.add_solution_cell("reponse", "ex", "ex")
            gb.add_grade_cell("test-1", "ex", "ex", max_score=2, cell_type="code")
            gb.add_grade_cell("test-2", "ex", "ex", max_score=2, cell_type="code")
            for student in ("lea", "yoan"):
                gb.add_student(student)
                gb.add_submission("ex", student, timestamp=SUBMITTED)
            gb.find_grade("test-1", "ex", "ex", "lea").auto_score = 0
            gb.find_grade("test-1", "ex", "ex", "lea").manual_score = 1.5
            gb.find_grade("test-2", "ex", "ex", "lea").auto_score = 2
            gb.find_grade("reponse", "ex", "ex", "lea").manual_score = 5
            gb.find_comment("reponse", "ex", "ex", "lea").manual_comment = "  Très clair.  "
            gb.find_grade("test-2", "ex", "ex", "yoan").auto_score = 2
            gb.db.commit()
    return path


def test_read_marks_finds_each_hand_given_mark_and_comment(gradebook):
    marks = read_marks(gradebook)
    assert set(marks) == {("lea", "ex")}  # yoan has none
    lea = marks[("lea", "ex")]
    assert lea.submitted_at == SUBMITTED
    assert {m.cell: (m.points, m.auto_points, m.max_points, m.comment) for m in lea.cells} == {
        "reponse": (5, None, 6, "Très clair."), "test-1": (1.5, 0, 2, "")}
    assert lea.score_change == pytest.approx(6.5)


def test_no_gradebook_means_no_marks(tmp_path):
    assert read_marks(tmp_path / "absent.db") == {}


def test_marks_count_only_for_the_submission_the_gradebook_holds():
    marks = Marks(SUBMITTED, (CellMark("reponse", 5, None, 6),))
    assert marked_score(2.0, SUBMITTED, marks) == 7.0
    assert marked_score(2.0, SUBMITTED.replace(tzinfo=dt.UTC), marks) == 7.0
    assert marked_score(2.0, SUBMITTED + dt.timedelta(seconds=1), marks) == 2.0
    assert marked_score(None, SUBMITTED, marks) is None
    assert marked_score(2.0, SUBMITTED, None) == 2.0


def test_the_feedback_page_shows_the_marks_escaped():
    report = {"score": 2.0, "max_score": 10.0, "tests": [
        {"grade_id": "test-1", "points": 0.0, "max_points": 2.0, "message": "non"},
        {"grade_id": "test-2", "points": 2.0, "max_points": 2.0, "message": ""}]}
    marks = Marks(SUBMITTED, (CellMark("test-1", 1.5, 0.0, 2.0),
                              CellMark("reponse", 5.0, None, 6.0, "<b>bien</b> vu")))
    view = with_marks(feedback.learner_view(report, False), marks, SUBMITTED)
    assert view["score"] == 8.5
    assert view["tests"][0]["points"] == 1.5 and view["tests"][0]["auto_points"] == 0.0
    page = feedback.feedback_html(view, title="Ex", submitted_at="hier", hidden_released=False)
    assert "8.5 / 10" in page and "1.5 / 2" in page and "5 / 6" in page
    assert "&lt;b&gt;bien&lt;/b&gt; vu" in page and "<b>bien" not in page
    assert "correction automatique : 0" in page
    untouched = with_marks(feedback.learner_view(report, False), marks,
                           SUBMITTED - dt.timedelta(days=1))
    assert untouched["score"] == 2.0 and "marks" not in untouched
