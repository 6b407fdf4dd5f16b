"""The course for tests: a copy of course/ (course.toml, the masters, nbgrader_config.py) in a
test's own folder, its rhythm kept or replaced, and the course taught in a run.

Dates follow a run, never the calendar: a test that needs « week 1 due, its peer review open,
week 2 open » runs the course in the demo's mid-course run (what ``decoder up`` and the test
platform make), computed from the moment the test runs; pure tests use a fixed run.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from decoder.course import Course, load_course
from decoder.schedule import Run, mid_course_start, zone_of
from decoder.settings import PROJECT_ROOT

# a run for pure tests: day 1 is a Monday, the course's weeks on either side of no DST change
RUN = Run("essai", dt.date(2027, 1, 4))

# every week open from day 1, its work due on day 2, its peer review open until day 400:
# everything can be tried at once (the pages' benchmark)
ALL_OPEN = {week: ((1, "09:00"), (2, "23:59"), (400, "23:59")) for week in (1, 2, 3, 4)}


def taught(run: Run = RUN, course: Course | None = None) -> Course:
    """The project's course (or ``course``) in ``run``."""
    return (course or load_course()).in_run(run)


def mid_course(now: dt.datetime | None = None, course: Course | None = None) -> Course:
    """The course in the demo's run as it would be started at ``now`` (default: now)."""
    course = course or load_course()
    now = now or dt.datetime.now(dt.UTC)
    start = mid_course_start(course.demo_window(), now, zone_of(course.time_zone))
    return course.in_run(Run("demo", start, course.time_zone))


def course_copy(target: Path, rhythm: dict | None = None) -> Path:
    """Copy course.toml (each week's moments replaced by ``rhythm``'s: {week: ((day, time) of
    opens, of due, of peer_review_due)}, if given), the masters and nbgrader_config.py;
    return the copy's course.toml."""
    source = PROJECT_ROOT / "course"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "source", target / "source", dirs_exist_ok=True)
    shutil.copy(source / "nbgrader_config.py", target / "nbgrader_config.py")
    text = (source / "course.toml").read_text()
    if rhythm:
        week, lines = 0, []
        for line in text.splitlines():
            number = re.match(r"^number = (\d+)", line)
            if number:
                week = int(number.group(1))
            for index, key in enumerate(("opens", "due", "peer_review_due")):
                if re.match(rf"^{key} = ", line):
                    day, time = rhythm[week][index]
                    line = f'{key} = {{ day = {day}, time = "{time}" }}'
            lines.append(line)
        text = "\n".join(lines) + "\n"
    course_file = target / "course.toml"
    course_file.write_text(text)
    load_course(course_file)  # still valid
    return course_file
