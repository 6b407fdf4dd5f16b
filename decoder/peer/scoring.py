"""Peer grades, calibration against the autograder, and the week's grade (pure).

**Grade of a submission.** Per criterion, the median of its counted reviews (ORA's rule: an even
count takes the mean of the middle two, rounded up), summed over the criteria. A staff review
replaces the peers' altogether. Hidden reviews and extra reviews do not count.

**Calibration.** Where ``course.toml`` maps a criterion to autograded tests of the same exercise
(``tests = [...]``), the autograder has an opinion on it: the share of those tests the
submission passed, times the criterion's best level, is the *expected* points. A reviewer's
agreement on one such judgment is ``1 - |given - expected| / best``; their agreement is the mean
over all their judgments. A reviewer with at least ``MIN_JUDGMENTS`` judgments and an agreement
below ``FAR_BELOW`` is *far* from the autograder: their reviews weigh ``FAR_WEIGHT`` instead of
1 in the medians (a weighted median), and instructors see them flagged. Learners see their own
agreement.

**Week.** ``100 × (autograde_weight × autograded points / possible + peer_weight × peer points /
possible)``, the weights of ``course.toml``'s ``[grading]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_JUDGMENTS = 2
FAR_BELOW = 0.5
FAR_WEIGHT = 0.5


def median_rounded_up(values: Sequence[int]) -> int:
    """ORA's median: the middle value; an even count takes the mean of the middle two, rounded
    up (``[1, 2] -> 2``)."""
    return weighted_median([(value, 1.0) for value in values])


def weighted_median(weighted: Iterable[tuple[int, float]]) -> int:
    """The value at the middle of the total weight. When half the weight falls exactly between
    two values, their mean rounded up (with equal weights: ``median_rounded_up``)."""
    ordered = sorted((value, weight) for value, weight in weighted if weight > 0)
    if not ordered:
        raise ValueError("no review to take a median of")
    half = sum(weight for _, weight in ordered) / 2
    running = 0.0
    for index, (value, weight) in enumerate(ordered):
        running += weight
        if math.isclose(running, half):
            return math.ceil((value + ordered[index + 1][0]) / 2)
        if running > half:
            return value
    return ordered[-1][0]  # floating point: the last value holds the middle


@dataclass(frozen=True)
class Given:
    """One review's points per criterion, and how much it weighs."""

    points: tuple[int, ...]
    weight: float = 1.0


def criterion_points(reviews: Sequence[Given], criteria: int) -> tuple[int, ...] | None:
    """Per criterion, the weighted median of the reviews; None without any review."""
    if not reviews:
        return None
    return tuple(weighted_median((review.points[index], review.weight) for review in reviews)
                 for index in range(criteria))


def peer_points(reviews: Sequence[Given], criteria: int, staff: Given | None = None
                ) -> int | None:
    """A submission's peer grade: the staff review's points if any, else the sum of the
    criteria's medians (None: not reviewed yet)."""
    if staff is not None:
        return sum(staff.points)
    medians = criterion_points(reviews, criteria)
    return None if medians is None else sum(medians)


def agreement(given: int, expected: float, best: int) -> float:
    """How close a reviewer's points are to the autograder's, from 0 (opposite) to 1."""
    return 1.0 - abs(given - expected) / best if best else 1.0


def expected_points(passed: int, total: int, best: int) -> float:
    """The autograder's opinion on a criterion: the share of its tests passed, in points."""
    return best * passed / total


@dataclass(frozen=True)
class Calibration:
    judgments: int
    agreement: float | None  # mean agreement, None without judgments

    @property
    def far(self) -> bool:
        return self.judgments >= MIN_JUDGMENTS and self.agreement is not None and \
            self.agreement < FAR_BELOW

    @property
    def weight(self) -> float:
        return FAR_WEIGHT if self.far else 1.0


def calibration(judgments: Iterable[float]) -> Calibration:
    """A reviewer's calibration from their agreements (one per calibrated criterion judged)."""
    values = list(judgments)
    return Calibration(len(values), sum(values) / len(values) if values else None)


def week_grade(autograded: float, autograded_possible: float, peer: float | None,
               peer_possible: float, autograde_weight: float, peer_weight: float) -> float:
    """The week's grade out of 100. A peer grade not known yet counts as 0."""
    auto = autograded / autograded_possible if autograded_possible else 0.0
    peer_share = (peer or 0) / peer_possible if peer_possible else 0.0
    return round(100 * (autograde_weight * auto + peer_weight * peer_share), 1)


def grade_is_final(grade: dict, reviewers: int, review_closed: bool) -> bool:
    """A peer grade no longer moves once the team gave it, the copy has every counted review
    it needs, or the review is closed; before that it is provisional, and said so."""
    return grade["by_staff"] or grade["counted"] >= reviewers or review_closed
