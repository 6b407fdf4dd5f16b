"""Marks given on a submission that a newer one replaced: kept, and read as history.

A mark belongs to the submission it was given on. When a learner's newer submission is
written into nbgrader's gradebook (which holds one submission per learner and assignment),
the instructors' points and comments on the older one are kept here first (durably), then
cleared from the gradebook: the newer submission is graded afresh, and the formgrader asks for
a new look where a cell needs grading by hand. The older submission's feedback still shows
them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from .marks import CellMark, Marks
from .store import metadata

table = sa.Table(
    "earlier_marks", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("assignment", sa.String(255), nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),  # naive UTC, as the store's
    sa.Column("cell", sa.String(255), nullable=False),
    sa.Column("points", sa.Float),
    sa.Column("auto_points", sa.Float),
    sa.Column("max_points", sa.Float),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("kept_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("username", "assignment", "submitted_at", "cell"),
)

Key = tuple[str, str, dt.datetime]  # (learner, assignment, submitted_at)


class EarlierMarks:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def keep(self, username: str, assignment: str, marks: Marks) -> None:
        """Keep ``marks`` (idempotent: keeping the same marks twice keeps them once)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.engine.begin() as db:
            for mark in marks.cells:
                found = db.execute(sa.select(table.c.id).where(
                    table.c.username == username, table.c.assignment == assignment,
                    table.c.submitted_at == marks.submitted_at,
                    table.c.cell == mark.cell)).first()
                if found is None:
                    db.execute(table.insert().values(
                        username=username, assignment=assignment,
                        submitted_at=marks.submitted_at, cell=mark.cell, points=mark.points,
                        auto_points=mark.auto_points, max_points=mark.max_points,
                        comment=mark.comment, kept_at=now))

    def all(self) -> dict[Key, Marks]:
        """Every kept mark, by the submission it was given on (few: most work is marked once)."""
        cells: dict[Key, list[CellMark]] = {}
        with self.engine.connect() as db:
            for row in db.execute(sa.select(table).order_by(table.c.id)).mappings():
                cells.setdefault((row["username"], row["assignment"], row["submitted_at"]),
                                 []).append(CellMark(row["cell"], row["points"],
                                                     row["auto_points"], row["max_points"],
                                                     row["comment"]))
        return {key: Marks(key[2], tuple(found)) for key, found in cells.items()}
