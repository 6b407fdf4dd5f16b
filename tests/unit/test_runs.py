"""Course runs: the demo's start puts any moment mid-course, runs are kept and moved in the
course database (SQLite and PostgreSQL), work made before runs lands in a first run, and the
operator's `decoder run` shows and sets them."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from hypothesis import given, settings
from hypothesis import strategies as st

from decoder.course import load_course
from decoder.ops.runcommand import calendar, start_date
from decoder.schedule import Run, RunError, mid_course_start, parse_start, zone_of
from decoder.service.runs import Courses, RunStore, ensure_run
from decoder.service.store import MIGRATIONS, Store
from tests.course_copy import taught

COURSE = load_course()
PARIS = zone_of("Europe/Paris")


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2029, 12, 31),
                    timezones=st.just(dt.UTC)),
       st.sampled_from(["Europe/Paris", "America/Montreal", "Pacific/Auckland", "UTC"]))
def test_the_demo_is_mid_course_at_any_moment(now, zone_name):
    """Whatever the day and hour: week 1's work due, its peer review open for at least a day,
    week 2 open, week 3 not yet."""
    zone = zone_of(zone_name)
    start = mid_course_start(COURSE.demo_window(), now, zone)
    course = COURSE.in_run(Run("demo", start, zone_name))
    week1, week2, week3 = course.week(1), course.week(2), course.week(3)
    assert week1.due < now < week1.peer_review_due
    assert week1.peer_review_due - now > dt.timedelta(days=1)
    assert week2.opens <= now < week3.opens
    assert [w.lesson for w in course.open_weeks(now)] == ["semaine-1", "semaine-2"]


def test_runs_have_names_dates_and_zones_an_operator_can_write():
    today = dt.date(2027, 1, 4)
    assert parse_start("2027-03-01", today) == dt.date(2027, 3, 1)
    assert parse_start("today", today) == today
    for wrong in ("01/03/2027", "demain", ""):
        with pytest.raises(RunError, match="YYYY-MM-DD"):
            parse_start(wrong, today)
    for name in ("Printemps", "été-2027", "a b", "-x", "x" * 64):
        with pytest.raises(RunError, match="lowercase letters"):
            Run(name, today)
    with pytest.raises(RunError, match="unknown time zone"):
        Run("ok", today, "Europe/Parsi")
    now = dt.datetime(2027, 5, 12, 15, tzinfo=dt.UTC)
    assert start_date("mid-course", COURSE, "Europe/Paris", now) == \
        mid_course_start(COURSE.demo_window(), now, PARIS)


def test_a_run_is_kept_moved_and_made_current(store):
    runs = RunStore(store.engine)
    assert runs.current() is None
    first = runs.start(Run("printemps", dt.date(2027, 3, 1)))
    assert first.created and runs.current().name == "printemps"
    runs.start(Run("automne", dt.date(2027, 9, 6), "America/Montreal"))
    assert runs.current() == Run("automne", dt.date(2027, 9, 6), "America/Montreal")
    moved = runs.start(Run("printemps", dt.date(2027, 3, 8)))
    assert not moved.created and moved.moved_from == dt.date(2027, 3, 1)
    assert runs.current() == Run("printemps", dt.date(2027, 3, 8))
    assert [run.name for run in runs.all()] == ["printemps", "automne"]
    courses = Courses(lambda: COURSE, runs)
    assert courses().week(1).opens.date() == dt.date(2027, 3, 8)
    assert courses.of("automne").week(1).opens.isoformat() == "2027-09-06T09:00:00-04:00"
    with pytest.raises(KeyError):
        courses.of("hiver")


def test_the_demo_run_is_made_once_and_never_moved(store):
    runs = RunStore(store.engine)
    now = dt.datetime(2027, 6, 2, 10, tzinfo=dt.UTC)
    made = ensure_run(runs, COURSE, now)
    assert made.run.name == "demo"
    assert ensure_run(runs, COURSE, now + dt.timedelta(days=20)) is None  # kept: no moving
    assert runs.current() == made.run


def run_migrations(url: str, revision: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = sa.create_engine(url)
    command.upgrade(config, revision)


def test_work_made_before_runs_is_kept_in_a_first_run(tmp_path):
    """A database of before runs (revision 0003) with a class's work: it all lands in run
    « session-1 », starting the Monday of the earliest submission, and stays together."""
    url = f"sqlite:///{tmp_path / 'course.sqlite'}"
    run_migrations(url, "0003")
    with sqlite3.connect(tmp_path / "course.sqlite") as db:
        db.execute("INSERT INTO submissions (id, username, assignment, submitted_at, folder, "
                   "size_bytes, sha256) VALUES (1, 'awa', 's1-bonjour', "
                   "'2026-11-26 10:00:00.000000', 'f', 1, 'x')")
        db.execute("INSERT INTO fetches VALUES ('awa', 's1-bonjour', '2026-11-25 08:00:00.000000',"
                   " '2026-11-25 08:00:00.000000')")
        db.execute("INSERT INTO hidden_releases VALUES ('s1-bonjour', '2026-12-01 10:00:00', "
                   "'marie')")
        db.execute("INSERT INTO badges VALUES ('b1', 'awa', 'semaine-1', '2026-12-01 10:00:00',"
                   " 'jwt')")
    store = Store(url)
    store.migrate()
    run = RunStore(store.engine).current()
    assert run == Run("session-1", dt.date(2026, 11, 23))  # the Monday of 25 November
    assert [r["id"] for r in store.history(run="session-1")] == [1]
    assert store.fetched(run="session-1") == {("awa", "s1-bonjour")}
    assert store.hidden_released("s1-bonjour", run="session-1")
    with store.engine.connect() as db:
        assert db.execute(sa.text("SELECT run FROM badges")).scalar() == "session-1"


def test_an_empty_database_gets_no_run_from_its_migration(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite'}")
    store.migrate()
    assert RunStore(store.engine).current() is None


def test_the_calendar_says_where_today_falls():
    course = taught(Run("demo", dt.date(2027, 1, 4)))
    now = dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC)  # day 9
    lines = calendar(course, now)
    assert "now is day 9" in lines[0]
    assert "  week 1 (Qu'est-ce que le code ?): due, peer review open" in lines
    assert "  week 2 (Décider et répéter): open, due ahead" in lines
    assert "  week 3 (Ranger et réutiliser): not open yet" in lines
    assert "    due   Sunday 10 January 2027 at 11:59 PM" in lines


def test_decoder_run_starts_moves_and_shows_runs(tmp_path):
    """The operator's command, as they run it (no hub needed: the course database only)."""
    config = tmp_path / "decoder_config.py"
    config.write_text(f"c.PlatformSettings.data_dir = {str(tmp_path)!r}\n")
    env = {"DECODER_CONFIG": str(config), "PATH": "/usr/bin:/bin"}

    def decoder(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "decoder.ops.cli", "run", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    assert decoder().returncode == 1  # no run yet, and it says how to start one
    made = decoder("start", "printemps-2027", "2027-03-01")
    assert made.returncode == 0 and "created and made current" in made.stdout
    assert "day 1 is 2027-03-01 (Europe/Paris)" in made.stdout
    assert "opens Monday 1 March 2027 at 9:00 AM" in made.stdout
    moved = decoder("start", "printemps-2027", "2027-03-08", "--time-zone", "America/Montreal")
    assert "day 1 was 2027-03-01, it is now 2027-03-08" in moved.stdout
    wrong = decoder("start", "printemps-2027", "le 8 mars")
    assert wrong.returncode == 2 and "YYYY-MM-DD" in wrong.stderr
    listed = decoder("list")
    assert listed.stdout.split() == ["*", "printemps-2027", "day", "1:", "2027-03-08",
                                     "America/Montreal"]
    demo = decoder("start", "demo", "mid-course")
    assert "week 1 (Qu'est-ce que le code ?): due, peer review open" in demo.stdout
