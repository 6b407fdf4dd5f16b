"""Dates as learners read them (the run's zone, French or English, never UTC) and late work's
penalty through nbgrader's own late-submission plug-in (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from nbgrader.plugins import LateSubmissionPlugin

from decoder import late
from decoder.course import LatePolicy
from decoder.dates import day, duration, when
from decoder.schedule import zone_of
from decoder.service.rules import Refused, assignment_open
from tests.course_copy import taught

PARIS = zone_of("Europe/Paris")


def test_a_utc_moment_is_said_in_the_runs_time_in_french_and_english():
    deadline = dt.datetime(2026, 12, 1, 22, 59, tzinfo=dt.UTC)  # 23:59 in Paris
    assert when(deadline, "fr", PARIS) == "mardi 1er décembre 2026 à 23 h 59"
    assert when(deadline, "en", PARIS) == "Tuesday 1 December 2026 at 11:59 PM"
    stored = deadline.replace(tzinfo=None)  # the stores keep naive UTC
    assert when(stored, "fr", PARIS) == when(deadline, "fr", PARIS)
    summer = dt.datetime(2027, 7, 14, 7, 5, tzinfo=dt.UTC)
    assert when(summer, "fr", PARIS) == "mercredi 14 juillet 2027 à 9 h 05"
    assert day(dt.date(2027, 3, 1), "fr") == "lundi 1er mars 2027"
    assert day(dt.date(2027, 3, 2), "en") == "Tuesday 2 March 2027"
    assert when(None) == "—"
    for text in (when(deadline, "fr", PARIS), when(summer, "en", PARIS)):
        assert "UTC" not in text and ":00." not in text


def test_how_late_is_said_roughly():
    assert duration(10) == "1 minute"
    assert duration(2 * 3600 + 120).replace("\xa0", " ") == "2 heures"
    assert duration(3 * 86400, "en").replace("\xa0", " ") == "3 days"


def test_a_refusal_says_its_date_in_the_runs_time_and_the_readers_language():
    course = taught()
    opens = course.week(3).opens
    with pytest.raises(Refused) as refused:
        assignment_open(course, "s3-moyenne", opens - dt.timedelta(minutes=1))
    assert "il le sera le lundi 18 janvier 2027 à 9 h 00" in refused.value.text("fr")
    assert "it opens on Monday 18 January 2027 at 9:00 AM" in refused.value.text("en")


def test_penalties_come_from_nbgraders_plugin():
    hour = 3600.0
    assert late.penalty(LatePolicy("none"), "awa", 3.0, 5 * hour) == 0.0
    assert late.penalty(LatePolicy("zero"), "awa", 3.0, 1.0) == 3.0
    per_hour = LatePolicy("per_hour", 0.5)
    assert late.penalty(per_hour, "awa", 3.0, 1.0) == 0.5  # an hour started
    assert late.penalty(per_hour, "awa", 3.0, 2 * hour + 1) == 1.5
    assert late.penalty(per_hour, "awa", 3.0, 100 * hour) == 3.0  # never below zero
    assert late.penalty(per_hour, "awa", 3.0, 0.0) == 0.0  # on time
    assert isinstance(late.plugin(per_hour), LateSubmissionPlugin)
    assert late.plugin(LatePolicy("zero")).penalty_method == "zero"


def test_lateness_is_counted_against_the_due_date_of_the_run():
    course = taught()
    due = course.week(1).due
    assert late.seconds_late(due - dt.timedelta(seconds=1), due) == 0.0
    assert late.seconds_late(due + dt.timedelta(minutes=90), due) == 5400.0
