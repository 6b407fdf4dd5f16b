"""Late work: how late a submission is, and its penalty through nbgrader's own late-submission
plug-in, so that the formgrader (which reads the penalty nbgrader keeps in its gradebook), the
learner's pages and the export say the same thing.

course.toml's ``[late] penalty`` names the method: ``none`` and ``zero`` are nbgrader's
``LateSubmissionPlugin`` methods; ``per_hour`` is :class:`PointsPerHour`, a plug-in of the same
kind taking ``points_per_hour`` off per started hour. The penalty is clamped to [0, score] as
nbgrader's ``AssignLatePenalties`` does. Pure, but for nbgrader's logging.
"""

from __future__ import annotations

import datetime as dt
import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

from .course import Course, LatePolicy


class PointsPerHour(LateSubmissionPlugin):
    """``points_per_hour`` points off per started hour late (nbgrader's documented example of
    a late-submission plug-in, with the hour counted as started)."""

    points_per_hour = Float(1.0, help="Points taken off per started hour late.").tag(
        config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        return math.ceil(total_seconds_late / 3600) * self.points_per_hour


def plugin(policy: LatePolicy) -> LateSubmissionPlugin:
    if policy.penalty == "per_hour":
        return PointsPerHour(points_per_hour=policy.points_per_hour)
    return LateSubmissionPlugin(penalty_method=policy.penalty)


def seconds_late(submitted_at: dt.datetime, due: dt.datetime) -> float:
    """Seconds past ``due`` (0 when on time), as nbgrader's ``total_seconds_late``."""
    return max(0.0, (submitted_at - due).total_seconds())


def penalty(policy: LatePolicy, student: str, score: float, late_by: float) -> float:
    """What nbgrader's plug-in takes off a ``score`` handed in ``late_by`` seconds late."""
    if late_by <= 0 or policy.penalty == "none":
        return 0.0
    given = plugin(policy).late_submission_penalty(student, score, late_by)
    return 0.0 if given is None else min(max(float(given), 0.0), max(score, 0.0))


def final_score(course: Course, student: str, score: float, late_by: float,
                hints_opened: int) -> tuple[float, float, float]:
    """(what counts, late penalty, hints penalty) of a graded ``score``: nbgrader's plug-in
    takes its part first (course.toml's [late]), then the hints opened before handing in take
    theirs from what is left (course.toml's [hints]). The one rule for every page and export."""
    late_penalty = penalty(course.late, student, score, late_by)
    hints = course.hints.penalty(hints_opened, score - late_penalty)
    return score - late_penalty - hints, late_penalty, hints
