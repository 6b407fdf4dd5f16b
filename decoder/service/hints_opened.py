"""How many of an exercise's hints each learner opened (decoder_widgets' « Un indice »): sent
by the learner's kernel when they open one, kept as the most they ever opened (a count never
goes down), and written beside the grades in the instructors' export. A submission keeps the
count it was handed in with: course.toml's ``[hints] points_per_hint`` (0 by default) takes that
many points off its score per hint (course.HintPolicy)."""

from __future__ import annotations

import sqlalchemy as sa

from ..protocol import PayloadError
from .store import metadata, utcnow

table = sa.Table(
    "hints_opened", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run", sa.String(64), nullable=False),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("assignment", sa.String(255), nullable=False),
    sa.Column("opened", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("run", "username", "assignment"),
)
MOST = 4  # decoder_widgets.hints.MOST


def opened_of(payload: object) -> int:
    """The count a request's body gives; PayloadError if it is anything else."""
    if not isinstance(payload, dict) or set(payload) != {"opened"}:
        raise PayloadError("bad_hints")
    opened = payload["opened"]
    if type(opened) is not int or not 1 <= opened <= MOST:
        raise PayloadError("bad_hints")
    return opened


class HintsOpened:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def record(self, run: str, username: str, assignment: str, opened: int) -> None:
        with self.engine.begin() as db:
            row = db.execute(sa.select(table.c.id, table.c.opened).where(
                table.c.run == run, table.c.username == username,
                table.c.assignment == assignment)).first()
            if row is None:
                db.execute(table.insert().values(run=run, username=username,
                                                 assignment=assignment, opened=opened,
                                                 opened_at=utcnow()))
            elif opened > row.opened:
                db.execute(table.update().where(table.c.id == row.id).values(
                    opened=opened, opened_at=utcnow()))

    def opened(self, run: str, username: str, assignment: str) -> int:
        """How many hints of ``assignment`` the learner opened so far (0: none)."""
        with self.engine.connect() as db:
            return db.execute(sa.select(table.c.opened).where(
                table.c.run == run, table.c.username == username,
                table.c.assignment == assignment)).scalar() or 0

    def of_run(self, run: str) -> dict[tuple[str, str], int]:
        """(learner, assignment) -> hints opened, in ``run``."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(table.c.username, table.c.assignment, table.c.opened)
                              .where(table.c.run == run)).all()
        return {(name, assignment): opened for name, assignment, opened in rows}

    def version(self) -> tuple:
        """Changes whenever a count is added or rises (for the export's snapshots)."""
        with self.engine.connect() as db:
            return tuple(db.execute(sa.select(sa.func.count(), sa.func.sum(table.c.opened))
                                    .select_from(table)).one())
