"""A course's rhythm and its runs (pure).

A course is taught in **runs**: a name, a start date and a time zone. Its rhythm is written
once in course.toml, relative to a run's start: each week opens, is due and closes its peer
review on a *day of the run* (day 1 is the start date) at a wall-clock time of the run's time
zone. ``Run.at(moment)`` turns a point of the rhythm into an aware datetime in that zone, so a
23:59 deadline stays 23:59 in Paris on either side of a change of summer time.

``mid_course_start`` picks the start date that puts *now* in the middle of a course (the first
peer-reviewed week due, its peer review open, the next week open): what the demo runs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Europe/Paris"
RUN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True, order=True)
class Moment:
    """A point of the course's rhythm: ``day`` of the run (1: its first day) at ``time``."""

    day: int
    time: dt.time

    @classmethod
    def of(cls, value: dict) -> Moment:
        """From course.toml's ``{ day = 7, time = "23:59" }`` (already checked by the schema)."""
        hours, minutes = TIME.match(value["time"]).groups()
        return cls(int(value["day"]), dt.time(int(hours), int(minutes)))

    def __str__(self) -> str:
        return f"day {self.day} {self.time:%H:%M}"


class NotInARun(RuntimeError):
    """A course's dates were asked for without a run (course.in_run(run) gives them)."""


class RunError(ValueError):
    """A run's name, date or time zone that cannot be used; the text says what to write."""


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RunError(f"unknown time zone {name!r}: use a name of the tz database, such as "
                       "'Europe/Paris' or 'America/Montreal'") from None


@dataclass(frozen=True)
class Run:
    """One teaching of the course: its name, its first day and its time zone."""

    name: str
    starts_on: dt.date
    time_zone: str = DEFAULT_TIME_ZONE

    def __post_init__(self):
        if not RUN_NAME.match(self.name):
            raise RunError(f"a run's name is 1 to 63 lowercase letters, digits and dashes "
                           f"(such as 'printemps-2027'), not {self.name!r}")
        zone_of(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.time_zone)

    def at(self, moment: Moment) -> dt.datetime:
        """The moment of the rhythm in this run, an aware datetime in the run's zone."""
        day = self.starts_on + dt.timedelta(days=moment.day - 1)
        return dt.datetime.combine(day, moment.time, tzinfo=self.zone)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """An aware datetime (a UTC timestamp from a store, say) in the run's zone."""
        return moment.astimezone(self.zone)

    def day_of(self, now: dt.datetime) -> int:
        """Which day of the run ``now`` is (1: its first day; 0 or less: before it)."""
        return (self.local(now).date() - self.starts_on).days + 1


def parse_start(text: str, today: dt.date) -> dt.date:
    """A run's start as an operator writes it: ``2027-01-04`` or ``today`` (pure)."""
    if text.strip().lower() in ("today", "aujourd'hui", "aujourdhui"):
        return today
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RunError(f"{text!r} is not a date: write it as YYYY-MM-DD (2027-01-04), "
                       "'today', or 'mid-course'") from None


@dataclass(frozen=True)
class Window:
    """When the demo is « mid-course »: after ``due`` (the first peer-reviewed week's),
    before ``closes`` (its peer review's end), once ``next_opens`` (the week after)."""

    due: Moment
    closes: Moment
    next_opens: Moment | None


def mid_course_start(window: Window, now: dt.datetime, zone: ZoneInfo,
                     longest: int = 400) -> dt.date:
    """The latest start date at which ``now`` is mid-course: the first week's work due, its
    peer review open for as long as possible, the next week open (pure)."""
    today = now.astimezone(zone).date()
    for back in range(0, longest):
        start = today - dt.timedelta(days=back)
        run = Run("x", start, zone.key)
        if run.at(window.due) < now < run.at(window.closes) and (
                window.next_opens is None or run.at(window.next_opens) <= now):
            return start
    raise RunError("this course's rhythm has no moment where a peer review is open")
