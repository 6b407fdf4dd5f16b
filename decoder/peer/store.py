"""Peer review's tables, beside the course service's (same database, same migrations): reviews
held and given, the authors' ratings and flags, withdrawn submissions, and every staff action.

Allocation is serialised per assignment: the transaction that gives a reviewer work first
updates the assignment's row in ``peer_locks`` (a write lock on SQLite, a row lock on
PostgreSQL), then reads the pool and writes the hold. Two reviewers asking at once are served
one after the other, so a submission is never held more than it needs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import sqlalchemy as sa

from ..service.store import as_utc, metadata, submissions
from .allocation import Candidate, Decision, Review

reviews = sa.Table(
    "peer_reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assignment", sa.String(255), nullable=False, index=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
              index=True),
    sa.Column("reviewer", sa.String(255), nullable=False, index=True),
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Column("staff", sa.Boolean, nullable=False, default=False),
    sa.Column("held_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("done_at", sa.DateTime),
    sa.Column("points", sa.Text),  # JSON list: points per criterion
    sa.Column("comment", sa.Text),
    sa.Column("cell_comments", sa.Text),  # JSON {cell index: text}
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
)
ratings = sa.Table(
    "peer_ratings", metadata,
    sa.Column("review_id", sa.Integer, sa.ForeignKey("peer_reviews.id"), primary_key=True),
    sa.Column("helpful", sa.Boolean),
    sa.Column("flagged", sa.Boolean, nullable=False, default=False),
    sa.Column("flag_reason", sa.Text),
    sa.Column("rated_at", sa.DateTime, nullable=False),
)
withdrawals = sa.Table(
    "peer_withdrawals", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("by", sa.String(255), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)
staff_actions = sa.Table(
    "staff_actions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assignment", sa.String(255), nullable=False, index=True),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("run", sa.String(64), nullable=False, index=True),
)
locks = sa.Table(
    "peer_locks", metadata,
    sa.Column("assignment", sa.String(255), primary_key=True),
    sa.Column("turn", sa.Integer, nullable=False),
)

Allocate = Callable[[list[Candidate], list[Review], dt.datetime], Decision | None]


def naive(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value is not None else None


class PeerStore:
    """Every pool is one course run's: the newest submission of each of its learners, and
    the reviews of those (a run's learners review each other, never another run's)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # ---- the pool ----

    def _candidates(self, db, assignment: str, run: str) -> list[Candidate]:
        newest = (sa.select(sa.func.max(submissions.c.id))
                  .where(submissions.c.assignment == assignment, submissions.c.run == run)
                  .group_by(submissions.c.username))
        rows = db.execute(
            sa.select(submissions.c.id, submissions.c.username, submissions.c.submitted_at,
                      withdrawals.c.submission_id.label("withdrawn"))
            .outerjoin(withdrawals, withdrawals.c.submission_id == submissions.c.id)
            .where(submissions.c.id.in_(newest))).all()
        return [Candidate(row.id, row.username, as_utc(row.submitted_at),
                          row.withdrawn is not None) for row in rows]

    def _reviews(self, db, assignment: str, run: str) -> list[Review]:
        rows = db.execute(sa.select(reviews)
                          .join(submissions, submissions.c.id == reviews.c.submission_id)
                          .where(reviews.c.assignment == assignment, submissions.c.run == run,
                                 reviews.c.staff == sa.false())).mappings()
        return [Review(r["id"], r["submission_id"], r["reviewer"], r["done_at"] is not None,
                       as_utc(r["held_until"]), r["counted"]) for r in rows]

    def pool(self, assignment: str, run: str) -> tuple[list[Candidate], list[Review]]:
        with self.engine.connect() as db:
            return self._candidates(db, assignment, run), self._reviews(db, assignment, run)

    def hold(self, assignment: str, run: str, reviewer: str, now: dt.datetime,
             until: dt.datetime, allocate: Allocate) -> tuple[int, bool] | None:
        """Give ``reviewer`` work as ``allocate`` decides, under the assignment's lock: the id
        of their review (an existing hold, or a new one) and whether it is new."""
        with self.engine.begin() as db:
            db.execute(locks.update().where(locks.c.assignment == assignment)
                       .values(turn=locks.c.turn + 1))
            decision = allocate(self._candidates(db, assignment, run),
                                self._reviews(db, assignment, run), now)
            if decision is None:
                return None
            if decision.resume is not None:
                return decision.resume, False
            review_id = db.execute(reviews.insert().values(
                assignment=assignment, submission_id=decision.submission, reviewer=reviewer,
                counted=decision.counted, staff=False, held_until=naive(until),
                created_at=naive(now), hidden=False)).inserted_primary_key[0]
            return review_id, True

    def ensure_lock(self, assignment: str) -> None:
        with self.engine.begin() as db:
            if db.execute(sa.select(locks).where(locks.c.assignment == assignment)).first():
                return
            try:
                with db.begin_nested():
                    db.execute(locks.insert().values(assignment=assignment, turn=0))
            except sa.exc.IntegrityError:  # another process made it first
                pass

    def version(self) -> tuple:
        """A value that changes whenever a review is asked for or given, rated or flagged, or
        an instructor acts (withdraws, hides, reviews): one query."""
        def one(column):
            return sa.select(column).scalar_subquery()
        query = sa.select(
            one(sa.func.max(reviews.c.id)), one(sa.func.count(reviews.c.done_at)),
            one(sa.func.max(reviews.c.done_at)), one(sa.func.max(reviews.c.held_until)),
            one(sa.func.max(ratings.c.rated_at)),
            sa.select(sa.func.count()).select_from(ratings).scalar_subquery(),
            sa.select(sa.func.count()).select_from(withdrawals).scalar_subquery(),
            one(sa.func.max(staff_actions.c.id)))
        with self.engine.connect() as db:
            return tuple(db.execute(query).one())

    # ---- reviews ----

    def review(self, review_id: int) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(reviews, submissions.c.username.label("author"),
                                       submissions.c.folder, submissions.c.run)
                             .join(submissions, submissions.c.id == reviews.c.submission_id)
                             .where(reviews.c.id == review_id)).mappings().first()
            if row is None:
                return None
            rating = db.execute(sa.select(ratings).where(
                ratings.c.review_id == review_id)).mappings().first()
            return self._decoded(dict(row), dict(rating) if rating else None)

    def reviews_of(self, *, assignment: str, run: str | None = None,
                   reviewer: str | None = None, submission: int | None = None) -> list[dict]:
        """Reviews of an assignment (in one run, of one reviewer, or of one submission), each
        with its author's rating: two queries, whatever their number."""
        query = (sa.select(reviews, submissions.c.username.label("author"),
                           submissions.c.folder, submissions.c.run)
                 .join(submissions, submissions.c.id == reviews.c.submission_id)
                 .where(reviews.c.assignment == assignment))
        rated = (sa.select(ratings).join(reviews, reviews.c.id == ratings.c.review_id)
                 .join(submissions, submissions.c.id == reviews.c.submission_id)
                 .where(reviews.c.assignment == assignment))
        if run is not None:
            query = query.where(submissions.c.run == run)
            rated = rated.where(submissions.c.run == run)
        if reviewer is not None:
            query = query.where(reviews.c.reviewer == reviewer)
            rated = rated.where(reviews.c.reviewer == reviewer)
        if submission is not None:
            query = query.where(reviews.c.submission_id == submission)
            rated = rated.where(reviews.c.submission_id == submission)
        with self.engine.connect() as db:
            found = {row["review_id"]: dict(row) for row in db.execute(rated).mappings()}
            return [self._decoded(dict(row), found.get(row["id"]))
                    for row in db.execute(query.order_by(reviews.c.id)).mappings()]

    @staticmethod
    def _decoded(row: dict, rating: dict | None) -> dict:
        row["points"] = json.loads(row["points"]) if row["points"] else None
        row["cell_comments"] = json.loads(row["cell_comments"]) if row["cell_comments"] else {}
        for key in ("held_until", "created_at", "done_at"):
            row[key] = as_utc(row[key])
        row["rating"] = rating
        return row

    def give(self, review_id: int, reviewer: str, points: list[int], comment: str,
             cell_comments: dict[str, str], now: dt.datetime) -> bool:
        """Record a review by its holder, once; False when it is not theirs or already given."""
        with self.engine.begin() as db:
            return bool(db.execute(reviews.update().where(
                reviews.c.id == review_id, reviews.c.reviewer == reviewer,
                reviews.c.done_at.is_(None)).values(
                points=json.dumps(points), comment=comment,
                cell_comments=json.dumps(cell_comments, ensure_ascii=False),
                done_at=naive(now))).rowcount)

    def rate(self, review_id: int, helpful: bool | None, flagged: bool, reason: str,
             now: dt.datetime) -> None:
        with self.engine.begin() as db:
            db.execute(ratings.delete().where(ratings.c.review_id == review_id))
            db.execute(ratings.insert().values(review_id=review_id, helpful=helpful,
                                               flagged=flagged, flag_reason=reason,
                                               rated_at=naive(now)))

    # ---- staff ----

    def act(self, assignment: str, run: str, actor: str, action: str, target: int,
            detail: str, now: dt.datetime, change: Callable | None = None) -> None:
        """Record a staff action in run ``run``, and make its change in the same
        transaction."""
        with self.engine.begin() as db:
            if change is not None:
                change(db)
            db.execute(staff_actions.insert().values(
                assignment=assignment, actor=actor, action=action, target=target,
                detail=detail, at=naive(now), run=run))

    def actions(self, assignment: str, run: str) -> list[dict]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(staff_actions).where(
                staff_actions.c.assignment == assignment, staff_actions.c.run == run)
                .order_by(staff_actions.c.id))
            return [{**row, "at": as_utc(row["at"])} for row in rows.mappings()]

    def sent(self, review_ids: set[int]) -> set[int]:
        """Those of ``review_ids`` whose review was sent."""
        with self.engine.connect() as db:
            return set(db.execute(sa.select(reviews.c.id).where(
                reviews.c.id.in_(review_ids), reviews.c.done_at.is_not(None))).scalars())

    def withdrawn(self, submission_id: int) -> bool:
        with self.engine.connect() as db:
            return db.execute(sa.select(withdrawals).where(
                withdrawals.c.submission_id == submission_id)).first() is not None
