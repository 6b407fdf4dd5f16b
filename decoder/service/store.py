"""The course service's database: submissions, grading jobs, results, releases of hidden tests.

SQLite in the data folder by default (WAL, synchronous=FULL: a commit is on disk when it
returns), PostgreSQL by URL; the schema is created and upgraded by Alembic (``migrate``).

The job queue gives every job to one worker at a time, under a lease the worker renews while it
grades. A result is recorded only by the worker that still holds the job, in the same transaction
that marks the job done: a worker that lost its job (it died, or its lease ran out and another
took the job) cannot record anything, so every job is graded exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")
REMOTE = "remote:"  # the names of workers on other machines start so (queue_api.py)

metadata = sa.MetaData()
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(255), nullable=False, index=True),
    sa.Column("assignment", sa.String(255), nullable=False, index=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("folder", sa.String(1024), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("run", sa.String(64), nullable=False, index=True),  # the course run it belongs to
    # the exercise's hints the learner had opened when handing it in (course.toml's [hints])
    sa.Column("hints_opened", sa.Integer, nullable=False, server_default="0"),
)
jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
              index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),  # queued running done failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("worker", sa.String(255)),
    sa.Column("lease_until", sa.DateTime),
    sa.Column("batch", sa.String(64), index=True),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
)
results = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=False, unique=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
              index=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("report", sa.Text, nullable=False),  # GradeReport as JSON, hidden details included
    sa.Column("graded_notebook", sa.String(1024)),
    sa.Column("in_gradebook", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
fetches = sa.Table(
    "fetches", metadata,
    sa.Column("run", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(255), primary_key=True),
    sa.Column("assignment", sa.String(255), primary_key=True),
    sa.Column("first_at", sa.DateTime, nullable=False),
    sa.Column("last_at", sa.DateTime, nullable=False),
)
hidden_releases = sa.Table(
    "hidden_releases", metadata,
    sa.Column("run", sa.String(64), primary_key=True),
    sa.Column("assignment", sa.String(255), primary_key=True),
    sa.Column("released_at", sa.DateTime, nullable=False),
    sa.Column("released_by", sa.String(255), nullable=False),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored naive, always UTC


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


@dataclass
class Job:
    id: int
    submission_id: int
    username: str
    assignment: str
    folder: str
    attempts: int


@dataclass(frozen=True)
class Requeued:
    queued: int  # given back to the queue
    failed: int  # given up: tried max_attempts times already


class Store:
    def __init__(self, url: str):
        self.url = url
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args, future=True)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        command.upgrade(config, "head")

    # ---- submissions ----

    def add_submission(self, username: str, assignment: str, submitted_at: dt.datetime,
                       folder: str, size_bytes: int, sha256: str, *, run: str,
                       hints_opened: int = 0) -> int:
        """Record a submission of the course run ``run`` and queue its grading, in one
        transaction."""
        with self.engine.begin() as db:
            submission_id = db.execute(submissions.insert().values(
                username=username, assignment=assignment, submitted_at=submitted_at,
                folder=folder, size_bytes=size_bytes, sha256=sha256,
                run=run, hints_opened=hints_opened)).inserted_primary_key[0]
            db.execute(jobs.insert().values(submission_id=submission_id, state="queued",
                                            attempts=0, created_at=utcnow()))
        return submission_id

    def submissions_of(self, username: str, assignment: str | None = None, *,
                       run: str | None) -> list[dict]:
        """A learner's submissions in ``run`` (None: every run), oldest first, each with its
        newest job and result."""
        query = sa.select(submissions).where(submissions.c.username == username)
        if assignment:
            query = query.where(submissions.c.assignment == assignment)
        if run is not None:
            query = query.where(submissions.c.run == run)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(submissions.c.id)).mappings().all()
            return [self._with_grading(db, dict(row)) for row in rows]

    def submission_times(self, username: str, since: dt.datetime) -> list[dt.datetime]:
        """When ``username`` submitted since ``since`` (UTC, naive as stored), oldest first."""
        with self.engine.connect() as db:
            return list(db.execute(
                sa.select(submissions.c.submitted_at)
                .where(submissions.c.username == username, submissions.c.submitted_at >= since)
                .order_by(submissions.c.submitted_at)).scalars())

    def submission(self, submission_id: int) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(submissions).where(
                submissions.c.id == submission_id)).mappings().first()
            return self._with_grading(db, dict(row)) if row else None

    def _with_grading(self, db, row: dict) -> dict:
        job = db.execute(sa.select(jobs).where(jobs.c.submission_id == row["id"])
                         .order_by(jobs.c.id.desc())).mappings().first()
        result = db.execute(sa.select(results).where(results.c.submission_id == row["id"])
                            .order_by(results.c.id.desc())).mappings().first()
        row["submitted_at"] = as_utc(row["submitted_at"])
        row["state"] = job["state"] if job else "none"
        row["error"] = job["error"] if job else None
        row["attempts"] = job["attempts"] if job else 0
        row["result"] = dict(result) if result else None
        return row

    @staticmethod
    def _newest_ids(assignment: str, run: str):
        """Query: the id of each learner's newest submission of ``assignment`` in ``run``."""
        return (sa.select(sa.func.max(submissions.c.id))
                .where(submissions.c.assignment == assignment, submissions.c.run == run)
                .group_by(submissions.c.username))

    def latest_submissions(self, assignment: str, *, run: str) -> list[dict]:
        """The newest submission of each learner for ``assignment`` in ``run``."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(submissions)
                              .where(submissions.c.id.in_(self._newest_ids(assignment, run)))
                              .order_by(submissions.c.username)).mappings().all()
            return [self._with_grading(db, dict(row)) for row in rows]

    def results_of(self, submission_id: int) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(sa.select(results).where(
                results.c.submission_id == submission_id)).mappings().all()]

    # ---- the job queue ----

    def claim(self, worker: str, lease_seconds: float) -> Job | None:
        """Give the oldest queued job to ``worker``, or None when the queue is empty."""
        for _ in range(5):  # another worker may take the same job first: try the next one
            with self.engine.begin() as db:
                oldest = db.execute(sa.select(jobs.c.id).where(jobs.c.state == "queued")
                                    .order_by(jobs.c.id).limit(1)).scalar()
                if oldest is None:
                    return None
                taken = db.execute(jobs.update().where(
                    jobs.c.id == oldest, jobs.c.state == "queued").values(
                    state="running", worker=worker, attempts=jobs.c.attempts + 1,
                    lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))).rowcount
                if taken:
                    return _job_where(db, jobs.c.id == oldest)
        return None

    def held(self, job_id: int, worker: str) -> Job | None:
        """The job ``job_id`` if ``worker`` holds it now, else None."""
        with self.engine.connect() as db:
            return _job_where(db, jobs.c.id == job_id, jobs.c.worker == worker,
                              jobs.c.state == "running")

    def renew(self, job_id: int, worker: str, lease_seconds: float) -> bool:
        with self.engine.begin() as db:
            return bool(db.execute(jobs.update().where(
                jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == "running").values(
                lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))).rowcount)

    def complete(self, job: Job, worker: str, score: float, max_score: float, report: dict,
                 graded_notebook: str | None) -> bool:
        """Record the result if ``worker`` still holds ``job``; False when it does not."""
        with self.engine.begin() as db:
            held = db.execute(jobs.update().where(
                jobs.c.id == job.id, jobs.c.worker == worker, jobs.c.state == "running").values(
                state="done", finished_at=utcnow(), lease_until=None)).rowcount
            if not held:
                return False
            db.execute(results.insert().values(
                job_id=job.id, submission_id=job.submission_id, score=score,
                max_score=max_score, report=json.dumps(report, ensure_ascii=False),
                graded_notebook=graded_notebook, in_gradebook=False, created_at=utcnow()))
            return True

    def give_back(self, job: Job, worker: str, error: str, max_attempts: int) -> None:
        """The grading itself failed (not the learner's code): queue again, or give up."""
        state = "failed" if job.attempts >= max_attempts else "queued"
        with self.engine.begin() as db:
            db.execute(jobs.update().where(
                jobs.c.id == job.id, jobs.c.worker == worker, jobs.c.state == "running").values(
                state=state, worker=None, lease_until=None, error=error[-4000:],
                finished_at=utcnow() if state == "failed" else None))

    def requeue(self, *, max_attempts: int, worker: str | None = None, expired: bool = False,
                everything: bool = False) -> Requeued:
        """Give back the running jobs of a dead ``worker``, those whose lease ran out, or all
        running jobs of this machine's workers (at the service's start, none of before is ours
        any more; a worker of another machine keeps its job while it renews the lease). A job
        already tried ``max_attempts`` times is given up instead (state failed): a submission
        that kills its worker each time must not take every worker down forever."""
        running = jobs.c.state == "running"
        if worker is not None:
            running = running & (jobs.c.worker == worker)
        elif expired:
            running = running & (jobs.c.lease_until < utcnow())
        elif everything:
            running = running & sa.not_(jobs.c.worker.startswith(REMOTE, autoescape=True))
        else:
            raise ValueError("requeue needs worker=, expired=True or everything=True")
        with self.engine.begin() as db:
            failed = db.execute(jobs.update().where(
                running, jobs.c.attempts >= max_attempts).values(
                state="failed", worker=None, lease_until=None, finished_at=utcnow(),
                error=f"its grading stopped {max_attempts} times (the grading worker died or "
                "the service stopped): given up")).rowcount
            queued = db.execute(jobs.update().where(running).values(
                state="queued", worker=None, lease_until=None)).rowcount
        return Requeued(queued, failed)

    def jobs_of(self, submission_id: int) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(sa.select(jobs).where(
                jobs.c.submission_id == submission_id).order_by(jobs.c.id)).mappings().all()]

    def running_jobs(self) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(sa.select(jobs).where(
                jobs.c.state == "running")).mappings().all()]

    def regrade(self, assignment: str, *, run: str) -> tuple[str, int]:
        """Queue a new job for the newest submission of each learner of ``run``; returns
        (batch, count)."""
        batch = uuid.uuid4().hex[:12]
        with self.engine.begin() as db:
            latest = db.execute(self._newest_ids(assignment, run)).scalars().all()
            for submission_id in latest:
                db.execute(jobs.insert().values(submission_id=submission_id, state="queued",
                                                attempts=0, batch=batch, created_at=utcnow()))
        return batch, len(latest)

    def batch_progress(self, batch: str) -> dict[str, int]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(jobs.c.state, sa.func.count()).where(
                jobs.c.batch == batch).group_by(jobs.c.state)).all()
        return {state: count for state, count in rows}

    # ---- results to the gradebook ----

    def results_to_record(self, limit: int = 100) -> list[dict]:
        """Results not yet in nbgrader's gradebook, with their submission, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(results, submissions.c.username, submissions.c.assignment,
                          submissions.c.submitted_at, submissions.c.folder, submissions.c.run)
                .join(submissions, submissions.c.id == results.c.submission_id)
                .where(results.c.in_gradebook == sa.false())
                .order_by(results.c.id).limit(limit)).mappings().all()
            return [dict(r) for r in rows]

    def newest_ids(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The id of the newest submission of each (learner, assignment)."""
        newest = {}
        with self.engine.connect() as db:
            for username, assignment in pairs:
                newest[(username, assignment)] = db.execute(
                    sa.select(sa.func.max(submissions.c.id)).where(
                        submissions.c.username == username,
                        submissions.c.assignment == assignment)).scalar()
        return newest

    def mark_recorded(self, result_ids: list[int]) -> None:
        if result_ids:
            with self.engine.begin() as db:
                db.execute(results.update().where(results.c.id.in_(result_ids))
                           .values(in_gradebook=True))

    # ---- the class as a whole (dashboard, course page, export) ----

    def record_fetch(self, username: str, assignment: str, *, run: str) -> None:
        """A learner fetched an exercise in ``run``: they started it."""
        now = utcnow()
        with self.engine.begin() as db:
            updated = db.execute(fetches.update().where(
                fetches.c.run == run, fetches.c.username == username,
                fetches.c.assignment == assignment).values(last_at=now)).rowcount
            if not updated:
                try:
                    with db.begin_nested():
                        db.execute(fetches.insert().values(run=run, username=username,
                                                           assignment=assignment,
                                                           first_at=now, last_at=now))
                except sa.exc.IntegrityError:  # fetched twice at once
                    pass

    def fetched(self, username: str | None = None, *, run: str) -> set[tuple[str, str]]:
        """(learner, exercise) pairs fetched at least once in ``run``."""
        query = sa.select(fetches.c.username, fetches.c.assignment).where(fetches.c.run == run)
        if username is not None:
            query = query.where(fetches.c.username == username)
        with self.engine.connect() as db:
            return {(row.username, row.assignment) for row in db.execute(query)}

    def history(self, username: str | None = None, *, run: str) -> list[dict]:
        """Every submission of ``run``, oldest first, with its grading state and its newest
        result's score: one query for the whole class (the dashboard reads it at each
        visit)."""
        other_jobs, other_results = jobs.alias(), results.alias()
        newest_job = (sa.select(sa.func.max(other_jobs.c.id)).where(
            other_jobs.c.submission_id == submissions.c.id).scalar_subquery())
        newest_result = (sa.select(sa.func.max(other_results.c.id)).where(
            other_results.c.submission_id == submissions.c.id).scalar_subquery())
        query = (sa.select(submissions.c.id, submissions.c.username, submissions.c.assignment,
                           submissions.c.submitted_at, submissions.c.hints_opened,
                           jobs.c.state, results.c.score, results.c.max_score)
                 .select_from(submissions.outerjoin(jobs, jobs.c.id == newest_job)
                              .outerjoin(results, results.c.id == newest_result))
                 .where(submissions.c.run == run)
                 .order_by(submissions.c.id))
        if username is not None:
            query = query.where(submissions.c.username == username)
        with self.engine.connect() as db:
            return [{**row, "submitted_at": as_utc(row["submitted_at"])}
                    for row in db.execute(query).mappings()]

    def version(self) -> tuple:
        """A value that changes whenever a submission, a grading job, a result, a learner's
        first fetch or a hidden tests' release is added (one query, on primary keys)."""
        def one(column):
            return sa.select(column).scalar_subquery()
        query = sa.select(
            one(sa.func.max(submissions.c.id)), one(sa.func.max(results.c.id)),
            one(sa.func.max(jobs.c.id)),
            sa.select(sa.func.count()).select_from(fetches).scalar_subquery(),
            sa.select(sa.func.count()).select_from(hidden_releases).scalar_subquery())
        with self.engine.connect() as db:
            return tuple(db.execute(query).one())

    def released_hidden(self, *, run: str) -> set[str]:
        with self.engine.connect() as db:
            return set(db.execute(sa.select(hidden_releases.c.assignment).where(
                hidden_releases.c.run == run)).scalars())

    # ---- hidden tests (released to one run's learners) ----

    def release_hidden(self, assignment: str, by: str, *, run: str) -> None:
        with self.engine.begin() as db:
            if not db.execute(sa.select(hidden_releases).where(
                    hidden_releases.c.run == run,
                    hidden_releases.c.assignment == assignment)).first():
                db.execute(hidden_releases.insert().values(
                    run=run, assignment=assignment, released_at=utcnow(), released_by=by))

    def hidden_released(self, assignment: str, *, run: str) -> bool:
        with self.engine.connect() as db:
            return db.execute(sa.select(hidden_releases).where(
                hidden_releases.c.run == run,
                hidden_releases.c.assignment == assignment)).first() is not None


def _job_where(db, *conditions) -> Job | None:
    row = db.execute(
        sa.select(jobs.c.id, jobs.c.submission_id, jobs.c.attempts, submissions.c.username,
                  submissions.c.assignment, submissions.c.folder)
        .join(submissions, submissions.c.id == jobs.c.submission_id)
        .where(*conditions)).mappings().first()
    return Job(row["id"], row["submission_id"], row["username"], row["assignment"],
               row["folder"], row["attempts"]) if row else None


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
