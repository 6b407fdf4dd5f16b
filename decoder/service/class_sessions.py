"""Class sessions: a group of learners (a JupyterHub group) taught together in a run, from a
start time for so many minutes: a workshop at a training centre, a class at 9:00. Their servers
are started ahead of the start (decoder/hub/prestart.py), so that a learner who logs in during the
session lands in a ready JupyterLab. Declared with ``decoder session add``; kept in the course
service's database beside the runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .store import metadata, utcnow

table = sa.Table(
    "class_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run", sa.String(64), nullable=False, index=True),
    sa.Column("group_name", sa.String(255), nullable=False),
    sa.Column("starts_at", sa.DateTime, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("prestarted_at", sa.DateTime, nullable=True),
)
LONGEST_MINUTES = 12 * 60


@dataclass(frozen=True)
class ClassSession:
    id: int
    run: str
    group: str
    starts_at: dt.datetime  # aware, UTC
    minutes: int
    prestarted_at: dt.datetime | None = None

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)


def prestart_due(sessions: list[ClassSession], now: dt.datetime,
                 ahead: dt.timedelta) -> list[ClassSession]:
    """The sessions whose servers are to be started now (pure): not done yet, from ``ahead``
    before their start until their start (afterwards, learners who come start their own)."""
    return [s for s in sessions if s.prestarted_at is None
            and s.starts_at - ahead <= now < s.starts_at]


class SessionError(ValueError):
    """A session that cannot be declared; the text says what to write instead."""


class ClassSessions:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def add(self, run: str, group: str, starts_at: dt.datetime, minutes: int) -> ClassSession:
        if starts_at.tzinfo is None:
            raise SessionError("a session's start needs its time zone")
        if not 1 <= minutes <= LONGEST_MINUTES:
            raise SessionError(f"a session lasts 1 to {LONGEST_MINUTES} minutes, not {minutes}")
        start = starts_at.astimezone(dt.UTC).replace(tzinfo=None)
        with self.engine.begin() as db:
            clash = db.execute(sa.select(table.c.id).where(
                table.c.run == run, table.c.group_name == group,
                table.c.starts_at == start)).scalar()
            if clash is not None:
                raise SessionError(f"group {group!r} already has session {clash} at that time")
            new_id = db.execute(table.insert().values(
                run=run, group_name=group, starts_at=start, minutes=minutes,
                created_at=utcnow())).inserted_primary_key[0]
        return ClassSession(new_id, run, group, start.replace(tzinfo=dt.UTC), minutes)

    def of_run(self, run: str) -> list[ClassSession]:
        """The run's sessions, soonest first."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(table).where(table.c.run == run)
                              .order_by(table.c.starts_at, table.c.id)).mappings().all()
        return [_session(row) for row in rows]

    def remove(self, session_id: int) -> bool:
        with self.engine.begin() as db:
            return db.execute(table.delete().where(table.c.id == session_id)).rowcount > 0

    def mark_prestarted(self, session_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(table.update().where(table.c.id == session_id)
                       .values(prestarted_at=utcnow()))


def _session(row) -> ClassSession:
    done = row["prestarted_at"]
    return ClassSession(row["id"], row["run"], row["group_name"],
                        row["starts_at"].replace(tzinfo=dt.UTC), row["minutes"],
                        done.replace(tzinfo=dt.UTC) if done else None)
