"""A copy of the course whose dates do not move: week 1 open since 2020 (due in 2020, so its
peer review is open), the others opening in 2099, so that tests about open and not-yet-open
exercises and reviews mean the same on any day."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from decoder.course import load_course
from decoder.settings import PROJECT_ROOT

FIXED_DATES = {
    # week 1: open, its exercises due, its peer review open (until 2099)
    1: ("2020-01-06T09:00:00+01:00", "2020-01-11T23:59:00+01:00", "2099-01-14T23:59:00+01:00"),
    2: ("2099-02-02T09:00:00+01:00", "2099-02-08T23:59:00+01:00", "2099-02-11T23:59:00+01:00"),
    3: ("2099-03-02T09:00:00+01:00", "2099-03-08T23:59:00+01:00", "2099-03-11T23:59:00+01:00"),
    4: ("2099-04-06T09:00:00+01:00", "2099-04-12T23:59:00+01:00", "2099-04-15T23:59:00+01:00"),
}


def course_with_fixed_dates(target: Path, dates: dict | None = None) -> Path:
    """Copy course.toml (dates fixed: ``dates``, else FIXED_DATES), the masters and
    nbgrader_config.py; return course.toml."""
    dates = dates or FIXED_DATES
    source = PROJECT_ROOT / "course"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "source", target / "source", dirs_exist_ok=True)
    shutil.copy(source / "nbgrader_config.py", target / "nbgrader_config.py")
    text = (source / "course.toml").read_text()
    week = 0
    lines = []
    for line in text.splitlines():
        number = re.match(r"^number = (\d+)", line)
        if number:
            week = int(number.group(1))
        for index, key in enumerate(("opens", "due", "peer_review_due")):
            if re.match(rf"^{key} = ", line):
                line = f"{key} = {dates[week][index]}"
        lines.append(line)
    course_file = target / "course.toml"
    course_file.write_text("\n".join(lines) + "\n")
    load_course(course_file)  # still valid
    return course_file
