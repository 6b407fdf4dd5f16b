"""The instructors' marks from nbgrader's formgrader, laid over what a learner reads.

In the formgrader an instructor gives points by hand to a cell (a written answer, or an
autograded cell whose points they change) and writes comments. nbgrader keeps them in the
course's gradebook, beside the autograder's points (``manual_score`` wins over ``auto_score``,
as nbgrader itself counts). ``read_marks`` reads them all in two queries, read-only, never
locking the formgrader out (I/O); the rest is pure: a learner's score with the marks, and a
report's view with them.

Marks belong to the submission the gradebook holds (the learner's newest graded one): a
regrade keeps them (the gradebook writer never touches ``manual_score``), and a new submission
keeps them too, flagged for review in the formgrader, as nbgrader does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

GRADES = """
SELECT sa.student_id, a.name, sa.timestamp, bc.name, g.auto_score, g.manual_score, gc.max_score
FROM grade g
JOIN submitted_notebook sn ON sn.id = g.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.id = g.cell_id
JOIN grade_cells gc ON gc.id = g.cell_id
WHERE g.manual_score IS NOT NULL
"""
COMMENTS = """
SELECT sa.student_id, a.name, sa.timestamp, bc.name, c.manual_comment
FROM comment c
JOIN submitted_notebook sn ON sn.id = c.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.id = c.cell_id
WHERE c.manual_comment IS NOT NULL AND trim(c.manual_comment) != ''
"""


@dataclass(frozen=True)
class CellMark:
    cell: str
    points: float | None = None  # given by hand; None: a comment only
    auto_points: float | None = None
    max_points: float | None = None
    comment: str = ""

    @property
    def change(self) -> float:
        """What the hand-given points change in the score."""
        return 0.0 if self.points is None else self.points - (self.auto_points or 0.0)


@dataclass(frozen=True)
class Marks:
    submitted_at: dt.datetime  # naive UTC, as the store keeps it
    cells: tuple[CellMark, ...]

    @property
    def score_change(self) -> float:
        return sum(mark.change for mark in self.cells)

    def applies_to(self, submitted_at: dt.datetime) -> bool:
        """True for the submission the gradebook holds."""
        return naive_utc(submitted_at) == self.submitted_at


Key = tuple[str, str]  # (learner, assignment)


def read_marks(gradebook: Path) -> dict[Key, Marks]:
    """Every hand-given mark in the gradebook (no gradebook yet: none)."""
    if not gradebook.exists():
        return {}
    uri = f"file:{gradebook}?mode=ro"
    cells: dict[tuple[str, str, str, str], dict] = {}
    with sqlite3.connect(uri, uri=True, timeout=30) as db:
        for student, name, stamp, cell, auto, manual, max_points in db.execute(GRADES):
            cells.setdefault((student, name, stamp, cell), {}).update(
                points=manual, auto_points=auto, max_points=max_points)
        for student, name, stamp, cell, comment in db.execute(COMMENTS):
            cells.setdefault((student, name, stamp, cell), {})["comment"] = comment.strip()
    found: dict[Key, list] = {}
    for (student, name, stamp, cell), values in sorted(cells.items()):
        found.setdefault((student, name), [stamp, []])[1].append(CellMark(cell, **values))
    return {key: Marks(_parse(stamp), tuple(marks)) for key, (stamp, marks) in found.items()}


def _parse(stamp) -> dt.datetime:
    return naive_utc(stamp if isinstance(stamp, dt.datetime) else dt.datetime.fromisoformat(stamp))


def naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def marked_score(score: float | None, submitted_at: dt.datetime,
                 marks: Marks | None) -> float | None:
    """A graded submission's score counting the instructors' marks (pure)."""
    if score is None or marks is None or not marks.applies_to(submitted_at):
        return score
    return score + marks.score_change


def with_marks(view: dict, marks: Marks | None, submitted_at: dt.datetime) -> dict:
    """A report's view with the marks: test cells given points by hand show them (and their
    autograder points apart), the score counts them, and ``marks`` lists every marked cell for
    the page (pure)."""
    if marks is None or not marks.applies_to(submitted_at):
        return view
    by_cell = {mark.cell: mark for mark in marks.cells}
    tests = []
    for test in view.get("tests", []):
        mark = by_cell.get(test["grade_id"])
        if mark is not None and mark.points is not None:
            test = {**test, "auto_points": test["points"], "points": mark.points}
        tests.append(test)
    return {**view, "tests": tests, "score": view.get("score", 0) + marks.score_change,
            "marks": [mark.__dict__ for mark in marks.cells]}
