"""The course's runs, in the course service's database: each run's name, first day and time
zone, and which one is being taught now (the run made current last).

Every process of the platform reads the current run here: the course service for its pages and
rules, the hub's spawner for the lessons it gives a new server, ``decoder run`` to show and move
it. A change is seen by the others within ``CACHE_SECONDS``, without a restart.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..schedule import NotInARun, Run, mid_course_start, zone_of
from .store import Store, metadata, utcnow

if TYPE_CHECKING:  # the course's parser is loaded by who needs it (its schema is slow to load)
    from ..course import Course

CACHE_SECONDS = 2.0
DEMO_RUN = "demo"

runs = sa.Table(
    "course_runs", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("current_since", sa.DateTime, nullable=False, index=True),
)


@dataclass(frozen=True)
class Started:
    run: Run
    created: bool  # a new run (else an existing one moved, or made current again)
    moved_from: dt.date | None  # its former first day, when it moved


class RunStore:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._cached: tuple[float, Run | None] | None = None

    def current(self) -> Run | None:
        """The run taught now (None before the first), read again every CACHE_SECONDS."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > CACHE_SECONDS:
                self._cached = (time.monotonic(), self._read_current())
            return self._cached[1]

    def _read_current(self) -> Run | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(runs).order_by(runs.c.current_since.desc(),
                                                      runs.c.name).limit(1)).mappings().first()
        return _run(row) if row else None

    def get(self, name: str) -> Run | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(runs).where(runs.c.name == name)).mappings().first()
        return _run(row) if row else None

    def all(self) -> list[Run]:
        """Every run, the current one first, then the others newest first."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(runs).order_by(runs.c.current_since.desc(),
                                                       runs.c.name)).mappings().all()
        return [_run(row) for row in rows]

    def start(self, run: Run) -> Started:
        """Make ``run`` the current one: created, or its first day and zone set anew."""
        now = utcnow()
        with self.engine.begin() as db:
            row = db.execute(sa.select(runs).where(runs.c.name == run.name)).mappings().first()
            if row is None:
                db.execute(runs.insert().values(name=run.name, starts_on=run.starts_on,
                                                time_zone=run.time_zone, created_at=now,
                                                current_since=now))
            else:
                db.execute(runs.update().where(runs.c.name == run.name).values(
                    starts_on=run.starts_on, time_zone=run.time_zone, current_since=now))
        with self._lock:
            self._cached = None
        moved = row["starts_on"] if row is not None and row["starts_on"] != run.starts_on \
            else None
        return Started(run, row is None, moved)


def _run(row) -> Run:
    return Run(row["name"], row["starts_on"], row["time_zone"])


class Courses:
    """The course as taught in a run: ``courses()`` in the current run (what a request uses),
    ``courses.of(name)`` in a named one (a past run's dashboard, a submission's own run)."""

    def __init__(self, load: Callable[[], Course], runs: RunStore):
        self._load, self.runs = load, runs

    def rhythm(self) -> Course:
        """The course as course.toml writes it, in no run (its rhythm only)."""
        return self._load()

    def __call__(self) -> Course:
        run = self.runs.current()
        if run is None:
            raise NotInARun("no course run yet: start one with decoder run start NAME DATE")
        return self._load().in_run(run)

    def of(self, name: str | None) -> Course:
        """The course in run ``name`` (None: the current run); KeyError for an unknown run."""
        if name is None:
            return self()
        current = self.runs.current()
        run = current if current is not None and current.name == name else self.runs.get(name)
        if run is None:
            raise KeyError(name)
        return self._load().in_run(run)


def ensure_run(runs: RunStore, course: Course, now: dt.datetime) -> Started | None:
    """A platform always teaches a run: with none yet, the demo's, started so that ``now`` is
    mid-course (schedule.mid_course_start). None when a run exists already (it is kept)."""
    if runs.current() is not None:
        return None
    start = mid_course_start(course.demo_window(), now, zone_of(course.time_zone))
    return runs.start(Run(DEMO_RUN, start, course.time_zone))


_stores: dict[str, RunStore] = {}


def run_store(url: str) -> RunStore:
    """One RunStore per database for this process (the hub's spawner asks at every start)."""
    if url not in _stores:
        _stores[url] = RunStore(Store(url).engine)
    return _stores[url]


def open_runs(url: str) -> RunStore:
    """The runs of the course database at ``url``, its schema brought up to date first (the
    ``decoder`` command may run before the course service ever did)."""
    store = Store(url)
    store.migrate()
    return RunStore(store.engine)
