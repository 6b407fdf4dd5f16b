"""Who reviews what (pure): Open edX ORA's allocation rule, with its holds and flexible counts.

A reviewer asking for work gets:
1. the review they already hold and have not finished, if any (no hoarding);
2. else the oldest submission that is not theirs, not withdrawn, not already reviewed or held by
   them, and has fewer *counted* reviews done or held than it needs: a counted review;
3. else, so that nobody is ever stuck waiting for work, the eligible submission with the fewest
   reviews (then the oldest): an *extra* review, shown to its author, not counted in the grade;
4. else nothing (no other submission exists, or they reviewed them all).

A hold lasts ``HOLD`` (8 hours); an unfinished hold past it no longer counts, and the submission
goes back to the pool. A submission needs ``required`` reviews, and only ``FLEX_SHARE`` of them
(never less than one) once its author has waited ``FLEX_AFTER`` (7 days) since review opened or
since they submitted, whichever is later: keyed on the author's wait, never on their own
reviewing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

HOLD = dt.timedelta(hours=8)
FLEX_AFTER = dt.timedelta(days=7)
FLEX_SHARE = 0.3


@dataclass(frozen=True)
class Candidate:
    """The newest submission of one author, as the pool sees it."""

    submission: int
    author: str
    submitted_at: dt.datetime
    withdrawn: bool = False


@dataclass(frozen=True)
class Review:
    """A review done, or held until ``held_until``."""

    id: int
    submission: int
    reviewer: str
    done: bool
    held_until: dt.datetime | None
    counted: bool = True

    def active(self, now: dt.datetime) -> bool:
        """Done, or held and not yet given back."""
        return self.done or (self.held_until is not None and self.held_until > now)


@dataclass(frozen=True)
class Decision:
    """What the reviewer gets: a review they already hold (``resume``), or a new hold on
    ``submission`` (``counted`` or extra)."""

    submission: int
    counted: bool
    resume: int | None = None


def needed(candidate: Candidate, required: int, review_opens: dt.datetime,
           now: dt.datetime) -> int:
    """Counted reviews the submission needs now."""
    waited = now - max(candidate.submitted_at, review_opens)
    if waited >= FLEX_AFTER:
        return max(1, math.floor(required * FLEX_SHARE))
    return required


def counted_reviews(submission: int, reviews: Iterable[Review], now: dt.datetime) -> int:
    return sum(1 for r in reviews if r.submission == submission and r.counted and r.active(now))


def allocate(reviewer: str, candidates: Iterable[Candidate], reviews: Iterable[Review], *,
             required: int, review_opens: dt.datetime, now: dt.datetime) -> Decision | None:
    """The work ``reviewer`` gets now (see the module's rule), or None when there is none."""
    reviews = list(reviews)
    for review in reviews:
        if review.reviewer == reviewer and not review.done and review.active(now):
            return Decision(review.submission, review.counted, resume=review.id)
    seen = {r.submission for r in reviews if r.reviewer == reviewer and r.active(now)}
    eligible = sorted((c for c in candidates if c.author != reviewer and not c.withdrawn
                       and c.submission not in seen),
                      key=lambda c: (c.submitted_at, c.submission))
    for candidate in eligible:
        if counted_reviews(candidate.submission, reviews, now) < needed(
                candidate, required, review_opens, now):
            return Decision(candidate.submission, counted=True)
    if not eligible:
        return None
    fewest = min(eligible, key=lambda c: (
        sum(1 for r in reviews if r.submission == c.submission and r.active(now)),
        c.submitted_at, c.submission))
    return Decision(fewest.submission, counted=False)


@dataclass(frozen=True)
class PoolIndex:
    """One exercise's pool arranged by person, built once per state of the stores: a learner's
    page then reads their own rows instead of walking the whole class's."""

    by_author: dict[str, Candidate]
    by_reviewer: dict[str, list[Review]]
    open_count: int  # submissions not withdrawn

    @classmethod
    def of(cls, candidates: Iterable[Candidate], reviews: Iterable[Review]) -> PoolIndex:
        by_author = {candidate.author: candidate for candidate in candidates}
        by_reviewer: dict[str, list[Review]] = {}
        for review in reviews:
            by_reviewer.setdefault(review.reviewer, []).append(review)
        return cls(by_author, by_reviewer,
                   sum(1 for candidate in by_author.values() if not candidate.withdrawn))

    def reviews_by(self, reviewer: str) -> list[Review]:
        return self.by_reviewer.get(reviewer, [])

    def owed(self, reviewer: str, required: int) -> int:
        """``reviews_owed`` for one reviewer, from the index."""
        own = self.by_author.get(reviewer)
        others = self.open_count - (1 if own is not None and not own.withdrawn else 0)
        given = sum(1 for review in self.reviews_by(reviewer) if review.done)
        return max(0, min(required, others) - given)


def reviews_owed(reviewer: str, required: int, candidates: Iterable[Candidate],
                 reviews: Iterable[Review]) -> int:
    """How many reviews ``reviewer`` must still give before seeing the reviews of their work:
    ``required``, or fewer when the class has fewer other submissions to review."""
    others = sum(1 for c in candidates if c.author != reviewer and not c.withdrawn)
    given = sum(1 for r in reviews if r.reviewer == reviewer and r.done)
    return max(0, min(required, others) - given)
