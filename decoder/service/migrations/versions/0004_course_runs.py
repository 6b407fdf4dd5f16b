"""Course runs: the table of runs, and the run each submission, fetch, hidden tests' release,
badge and staff action belongs to.

Work made before runs existed (dates were absolute in course.toml then) is put in a first run,
``session-1``, starting on the Monday of the week of the earliest submission or fetch (Paris
time), made current: it keeps its submissions, reviews and grades together. An empty database
gets no run here (``decoder up`` makes the demo's).

Revision ID: 0004
Revises: 0003
"""

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

FIRST_RUN = "session-1"


def upgrade() -> None:
    op.create_table(
        "course_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("current_since", sa.DateTime, nullable=False, index=True),
    )
    db = op.get_bind()
    earliest = [value for value in (
        db.execute(sa.text("SELECT min(submitted_at) FROM submissions")).scalar(),
        db.execute(sa.text("SELECT min(first_at) FROM fetches")).scalar()) if value]
    first = FIRST_RUN if earliest else ""
    if earliest:
        moment = min(_datetime(value) for value in earliest).replace(tzinfo=dt.UTC)
        day = moment.astimezone(ZoneInfo("Europe/Paris")).date()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        db.execute(sa.text("INSERT INTO course_runs (name, starts_on, time_zone, created_at, "
                           "current_since) VALUES (:name, :day, 'Europe/Paris', :now, :now)"),
                   {"name": FIRST_RUN, "day": day - dt.timedelta(days=day.weekday()),
                    "now": now})

    for table in ("submissions", "staff_actions"):
        op.add_column(table, sa.Column("run", sa.String(64), nullable=False, server_default=""))
        db.execute(sa.text(f"UPDATE {table} SET run = :run"), {"run": first})
        op.create_index(f"ix_{table}_run", table, ["run"])

    _rebuild("fetches", [
        sa.Column("run", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(255), primary_key=True),
        sa.Column("assignment", sa.String(255), primary_key=True),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.Column("last_at", sa.DateTime, nullable=False),
    ], first)
    _rebuild("hidden_releases", [
        sa.Column("run", sa.String(64), primary_key=True),
        sa.Column("assignment", sa.String(255), primary_key=True),
        sa.Column("released_at", sa.DateTime, nullable=False),
        sa.Column("released_by", sa.String(255), nullable=False),
    ], first)
    _rebuild("badges", [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("run", sa.String(64), nullable=False),
        sa.Column("username", sa.String(255), nullable=False, index=True),
        sa.Column("achievement", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.UniqueConstraint("run", "username", "achievement"),
    ], first)


def _rebuild(name: str, columns: list, run: str) -> None:
    """The table again with its new key: its rows read, the table dropped (its indexes with
    it), made anew, its rows written back with their run."""
    db = op.get_bind()
    old = sa.Table(name, sa.MetaData(), autoload_with=db)  # typed: dates read as dates
    rows = [dict(row) for row in db.execute(sa.select(old)).mappings()]
    op.drop_table(name)
    table = op.create_table(name, *columns)
    if rows:
        op.bulk_insert(table, [{**row, "run": run} for row in rows])


def _datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def downgrade() -> None:
    raise NotImplementedError("runs cannot be undone: restore the database's backup instead")
