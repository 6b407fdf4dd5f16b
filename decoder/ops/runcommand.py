"""`decoder run`: the course's runs as an operator sees and sets them.

    decoder run                         the current run's calendar, and where today falls
    decoder run list                    every run, the current one first
    decoder run start NAME DATE         teach the course (again): DATE is YYYY-MM-DD, today,
                                        or mid-course (today in week 1's peer review, week 2
                                        open: what the demo runs); --time-zone Europe/Paris

Moving a run (start again with another date) changes no submission, review or grade: they stay
in their run, and every date follows the new start. Pages of the course service see the change
within seconds; a learner's server gets newly opened lessons at its next start.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ..schedule import Run, RunError, mid_course_start, parse_start, zone_of
from ..settings import PlatformSettings
from .hubprocess import course_runs

if TYPE_CHECKING:  # course.py and dates.py are loaded when a run is shown (slow imports)
    from ..course import Course

MID_COURSE = ("mid-course", "milieu")


def calendar(course: Course, now: dt.datetime, language: str = "en") -> list[str]:
    """The run's weeks, each with its opening, due date and peer review's end, and what is
    true of each at ``now`` (pure)."""
    from ..dates import when

    run = course.run
    lines = [f"run {run.name!r}: day 1 is {run.starts_on.isoformat()} ({run.time_zone}); "
             f"now is day {run.day_of(now)}"]
    for week in course.weeks:
        state = ("not open yet" if now < week.opens else "open, due ahead" if now <= week.due
                 else "due, peer review open" if now <= week.peer_review_due else "closed")
        lines.append(f"  week {week.number} ({week.title}): {state}")
        lines.append(f"    opens {when(week.opens, language)}")
        lines.append(f"    due   {when(week.due, language)}")
        lines.append(f"    peer review until {when(week.peer_review_due, language)}")
    return lines


def start_date(text: str, course: Course, zone_name: str, now: dt.datetime) -> dt.date:
    """The first day an operator asked for (pure): a date, ``today`` or ``mid-course``."""
    zone = zone_of(zone_name)
    if text.strip().lower() in MID_COURSE:
        return mid_course_start(course.demo_window(), now, zone)
    return parse_start(text, now.astimezone(zone).date())


def cmd_run(settings: PlatformSettings, args, say) -> int:
    from ..course import load_course

    course = load_course(Path(settings.course_file))
    runs = course_runs(settings)
    now = dt.datetime.now(dt.UTC)
    if args.action == "list":
        current = runs.current()
        for run in runs.all():
            mark = "*" if current and run.name == current.name else " "
            say(f"{mark} {run.name:<24} day 1: {run.starts_on.isoformat()}  {run.time_zone}")
        return 0
    if args.action == "start":
        if not args.name or not args.date:
            raise ValueError("say which run and when: decoder run start NAME DATE "
                             "(DATE: YYYY-MM-DD, today or mid-course)")
        zone = args.time_zone or course.time_zone
        try:
            run = Run(args.name, start_date(args.date, course, zone, now), zone)
        except RunError as error:
            raise ValueError(str(error)) from None
        started = runs.start(run)
        if started.created:
            say(f"Run {run.name!r} created and made current.")
        elif started.moved_from:
            say(f"Run {run.name!r} moved: day 1 was {started.moved_from.isoformat()}, it is "
                f"now {run.starts_on.isoformat()}; its submissions, reviews and grades stay "
                "with it.")
        else:
            say(f"Run {run.name!r} is the current run.")
        say("Learners' servers get newly opened lessons at their next start.")
    current = runs.current()
    if current is None:
        say("No run yet: start one with decoder run start NAME DATE (or decoder up).")
        return 1
    for line in calendar(course.in_run(current), now):
        say(line)
    return 0


def add_parser(sub) -> None:
    run = sub.add_parser("run", help="the course's runs: the current run's calendar, list, "
                         "or start NAME DATE (teach again from DATE: YYYY-MM-DD, today or "
                         "mid-course)")
    run.add_argument("action", nargs="?", choices=("show", "list", "start"), default="show")
    run.add_argument("name", nargs="?", help="the run's name (for start), e.g. printemps-2027")
    run.add_argument("date", nargs="?", help="its first day (for start): YYYY-MM-DD, today, "
                     "or mid-course")
    run.add_argument("--time-zone", help="the run's time zone (default: course.toml's "
                     "time_zone, else Europe/Paris)")
