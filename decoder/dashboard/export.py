"""Grades as CSV (pure): one row per learner and exercise, with nbgrader's own export columns
first (``nbgrader export``: assignment, duedate, timestamp, student_id, last_name, first_name,
email, raw_score, late_submission_penalty, score, max_score), then ours: the week, the kind of
exercise, the peer grade of a peer-reviewed one, and the learner's grade of the week out of 100
(course.toml's [grading]), how many of the exercise's hints they opened, and what the hints
opened before the graded submission took off (course.toml's [hints]; 0 unless it says so).
``late_submission_penalty`` is what nbgrader's late-submission plug-in took off (course.toml's
[late], late.py): ``score`` is ``raw_score`` less it (as nbgrader's own export counts) and less
``hints_penalty``. Dates are those of the course run exported. A week's export holds that week's
exercises; the whole course's export adds a row per learner, ``assignment = "cours"``, whose
``week_grade`` is the mean of their weeks opened so far (a week not open yet is not a zero).

Two forms: plain CSV (UTF-8, commas, decimal points: for programs, as ``nbgrader export``
writes it) and, for a spreadsheet in French, UTF-8 with a byte-order mark (without it, Excel
reads « Ã© » for « é »), semicolons between columns and decimal commas (``spreadsheet``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from ..course import Course
from .progress import ExerciseState

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score"]
OUR_COLUMNS = ["week", "kind", "peer_score", "peer_max_score", "week_grade", "hints_opened",
               "hints_penalty"]
COURSE_ROW = "cours"


def grades_csv(course: Course, learners: list[str],
               found: Mapping[tuple[str, str], ExerciseState],
               submitted_at: Mapping[tuple[str, str], str],
               peer_points: Mapping[tuple[str, str], int | None],
               week_grades: Mapping[str, Mapping[int, float]], week: int | None = None,
               open_weeks: set[int] | None = None, spreadsheet: bool = False,
               hints: Mapping[tuple[str, str], int] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", delimiter=";" if spreadsheet else ",")
    def _number(value) -> str:
        text = _plain(value)
        return text.replace(".", ",") if spreadsheet else text

    writer.writerow(NBGRADER_COLUMNS + OUR_COLUMNS)
    for learner in sorted(learners):
        for assignment in course.assignments:
            if week is not None and assignment.week != week:
                continue
            state = found.get((learner, assignment.name)) or ExerciseState()
            peer = peer_points.get((learner, assignment.name)) if assignment.peer_reviewed \
                else None
            score = peer if assignment.peer_reviewed else state.score
            penalty = 0.0 if assignment.peer_reviewed else state.penalty
            hints_penalty = 0.0 if assignment.peer_reviewed else state.hints_penalty
            raw = None if score is None else score + penalty + hints_penalty
            writer.writerow([
                assignment.name, course.week(assignment.week).due.isoformat(),
                submitted_at.get((learner, assignment.name), ""), learner, "", "", "",
                _number(raw), _number(penalty), _number(score), _number(assignment.points),
                assignment.week, assignment.kind,
                _number(peer) if assignment.peer_reviewed else "",
                _number(assignment.points) if assignment.peer_reviewed else "",
                _number(week_grades[learner][assignment.week]),
                (hints or {}).get((learner, assignment.name), 0), _number(hints_penalty),
            ])
        if week is None:
            weeks = [grade for number, grade in week_grades[learner].items()
                     if open_weeks is None or number in open_weeks]
            mean = sum(weeks) / len(weeks) if weeks else 0.0
            writer.writerow([COURSE_ROW, "", "", learner, "", "", "", "", 0, "", "", "",
                             "course", "", "", _number(round(mean, 1)), "", ""])
    return ("\ufeff" if spreadsheet else "") + out.getvalue()


def _plain(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
