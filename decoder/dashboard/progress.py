"""Where the class and each learner stand (pure): per exercise, who started (fetched it), who
submitted, who passed (their newest graded submission has every point), the newest scores; per
week, each learner's grade (course.toml's [grading]); and the learners at risk.

A learner is **at risk** with no activity for ``IDLE_DAYS`` (7) days of the course run (the hub's
last activity: JupyterLab, pages, submissions; the days before the run began do not count), or
after ``FAILED_IN_A_ROW`` (3) graded submissions in a row below full marks on one exercise (the
newest three).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..course import Assignment, Course
from ..peer import scoring
from ..service.hub import Learner

IDLE_DAYS = 7
FAILED_IN_A_ROW = 3


@dataclass
class ExerciseState:
    """One learner on one exercise."""

    started: bool = False
    submissions: int = 0
    grading: bool = False  # their newest submission is not graded yet
    score: float | None = None  # newest graded submission's score
    max_score: float | None = None
    submission: int | None = None  # the newest graded submission (its feedback)
    failed_in_a_row: int = 0
    late: bool = False  # their newest submission came after the due date
    penalty: float = 0.0  # taken off the newest graded submission's score for lateness
    hints_penalty: float = 0.0  # taken off it for the hints opened before it ([hints])

    @property
    def passed(self) -> bool:
        return self.score is not None and self.max_score is not None and \
            self.score >= self.max_score


@dataclass
class ExerciseStats:
    assignment: Assignment
    learners: int
    started: int = 0
    submitted: int = 0
    passed: int = 0
    late: int = 0
    unscored: int = 0  # handed in, no score yet: being graded, or its grading failed
    scores: list[float] = field(default_factory=list)


def states(history: Iterable[Mapping], fetched: set[tuple[str, str]]
           ) -> dict[tuple[str, str], ExerciseState]:
    """Each (learner, exercise)'s state from the submissions (oldest first) and fetches."""
    found: dict[tuple[str, str], ExerciseState] = {}
    for key in fetched:
        found.setdefault(key, ExerciseState()).started = True
    for row in history:
        state = found.setdefault((row["username"], row["assignment"]), ExerciseState())
        state.started = True
        state.submissions += 1
        state.late = row.get("late_by", 0) > 0
        graded = row["score"] is not None
        state.grading = not graded and row["state"] in ("queued", "running")
        if graded:
            state.score, state.max_score, state.submission = (row["score"], row["max_score"],
                                                              row["id"])
            state.penalty = row.get("penalty", 0.0)
            state.hints_penalty = row.get("hints_penalty", 0.0)
            failed = row["score"] < row["max_score"]
            state.failed_in_a_row = state.failed_in_a_row + 1 if failed else 0
    return found


def exercise_stats(course: Course, learners: list[str],
                   found: Mapping[tuple[str, str], ExerciseState],
                   week: int | None = None) -> list[ExerciseStats]:
    """Per exercise (of ``week``, or all): how many learners started, submitted, passed, and
    their newest scores."""
    stats = []
    for assignment in course.assignments:
        if week is not None and assignment.week != week:
            continue
        item = ExerciseStats(assignment, len(learners))
        for learner in learners:
            state = found.get((learner, assignment.name))
            if state is None:
                continue
            item.started += state.started
            item.submitted += state.submissions > 0
            item.passed += state.passed
            item.late += state.submissions > 0 and state.late
            item.unscored += state.submissions > 0 and state.score is None
            if state.score is not None:
                item.scores.append(state.score)
        stats.append(item)
    return stats


def at_risk(learners: Iterable[Learner], found: Mapping[tuple[str, str], ExerciseState],
            now: dt.datetime, since: dt.datetime | None = None) -> list[tuple[str, str, dict]]:
    """(learner, reason key, its parameters) for each learner at risk, by name; ``since``:
    when the run's first week opened (idle days are counted from then at the earliest)."""
    failing: dict[str, list[tuple[str, int]]] = {}
    for (name, exercise), state in sorted(found.items()):
        if state.failed_in_a_row >= FAILED_IN_A_ROW:
            failing.setdefault(name, []).append((exercise, state.failed_in_a_row))
    risky = []
    for learner in sorted(learners, key=lambda item: item.name):
        counted_from = [moment for moment in (learner.last_activity, since) if moment]
        idle = not counted_from or now - max(counted_from) > dt.timedelta(days=IDLE_DAYS)
        if idle:
            risky.append((learner.name, "idle", {"since": learner.last_activity,
                                                 "days": IDLE_DAYS}))
        for exercise, count in failing.get(learner.name, []):
            risky.append((learner.name, "failing", {"exercise": exercise, "count": count}))
    return risky


def week_grades(course: Course, learner: str, found: Mapping[tuple[str, str], ExerciseState],
                peer_points: Mapping[tuple[str, str], int | None]) -> dict[int, float]:
    """The learner's grade of each week, out of 100 (course.toml's [grading])."""
    grades = {}
    for week in course.weeks:
        autograded = [a for a in course.assignments_of(week.number) if not a.peer_reviewed]
        peer = [a for a in course.assignments_of(week.number) if a.peer_reviewed]
        scored = sum((found.get((learner, a.name)) or ExerciseState()).score or 0
                     for a in autograded)
        peer_scored = sum(peer_points.get((learner, a.name)) or 0 for a in peer)
        grades[week.number] = scoring.week_grade(
            scored, sum(a.points for a in autograded), peer_scored if peer else None,
            sum(a.points for a in peer), course.autograde_weight, course.peer_weight)
    return grades
