"""course/course.toml: the course's weeks, exercises, rhythm, rubrics and grading weights.

``load_course(path)`` returns a :class:`Course` or raises :class:`CourseError` whose message names
the file, the line and the field, in the platform's language (the catalogue's ``course``
section: course authors read it). Validation is the JSON Schema in
``course/course.schema.json`` followed by the rules a schema cannot say (the rhythm in order,
names that exist, weights that add up). Everything but reading the file is pure.

The file gives the course's **rhythm**, relative to a run's start (schedule.py): each week opens,
is due and closes its peer review on a day of the run at a time of day. ``course.in_run(run)``
is the same course with real dates: its ``weeks`` (:class:`Week`) are those of that run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import jsonschema

from .messages import language_of_environment, message, render, say
from .schedule import DEFAULT_TIME_ZONE, Moment, NotInARun, Run, RunError, Window, zone_of
from .settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "course" / "course.schema.json"
DEFAULT_REVIEWERS = 3  # counted reviews a submission needs (ORA: fewer than each one gives)
DEFAULT_REVIEWS_TO_GIVE = 4
COURSE_FILE = PROJECT_ROOT / "course" / "course.toml"
MOMENTS = ("opens", "due", "peer_review_due")


class CourseError(ValueError):
    pass


@dataclass(frozen=True)
class Level:
    points: int
    label: str


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    levels: tuple[Level, ...]
    tests: tuple[str, ...] = ()  # grade ids of autograded tests that check it (calibration)

    @property
    def max_points(self) -> int:
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class Assignment:
    name: str
    week: int
    kind: str  # "autograded" or "peer"
    title: str
    minutes: int
    points: int
    reviewers: int = 0  # counted reviews each submission needs (peer-reviewed exercises)
    rubric: tuple[Criterion, ...] = ()
    reviews_to_give: int = 0  # reviews a learner gives before seeing those of their work

    @property
    def peer_reviewed(self) -> bool:
        return self.kind == "peer"


@dataclass(frozen=True)
class WeekRhythm:
    """A week as course.toml writes it: its moments are relative to a run's start."""

    number: int
    title: str
    lesson: str
    opens: Moment
    due: Moment
    peer_review_due: Moment


@dataclass(frozen=True)
class Week:
    """A week of one run: its moments are aware datetimes in the run's time zone."""

    number: int
    title: str
    lesson: str
    opens: dt.datetime
    due: dt.datetime
    peer_review_due: dt.datetime


LATE_PENALTIES = ("none", "zero", "per_hour")


@dataclass(frozen=True)
class LatePolicy:
    """What a submission after its week's due date costs (course.toml's ``[late]``): late work
    is always accepted and marked late; nbgrader's late-submission plug-in gives the penalty
    (late.py): ``none``, ``zero``, or ``per_hour`` (``points_per_hour`` per started hour)."""

    penalty: str = "none"
    points_per_hour: float = 0.0


@dataclass(frozen=True)
class HintPolicy:
    """What an exercise's hints cost (course.toml's ``[hints]``): ``points_per_hint`` points
    off an exercise's score per hint opened before the submission (never below 0); 0, the
    default, leaves hints free: how many were opened is only told to the instructors."""

    points_per_hint: float = 0.0

    def penalty(self, opened: int, score: float) -> float:
        """What ``opened`` hints take off ``score`` (pure)."""
        return min(max(opened, 0) * self.points_per_hint, max(score, 0.0))


@dataclass(frozen=True)
class Course:
    title: str
    autograde_weight: float
    peer_weight: float
    rhythm: tuple[WeekRhythm, ...]
    assignments: tuple[Assignment, ...] = field(default=())
    badge_week: float = 60.0  # a week's badge: its grade (out of 100) at least this
    badge_course: float = 60.0  # the course's badge: every week's, and a mean at least this
    time_zone: str = DEFAULT_TIME_ZONE  # of its runs, unless a run says otherwise
    late: LatePolicy = LatePolicy()
    hints: HintPolicy = HintPolicy()
    run: Run | None = None

    def in_run(self, run: Run) -> Course:
        """This course as taught in ``run``: its weeks carry that run's dates."""
        return replace(self, run=run)

    @functools.cached_property
    def weeks(self) -> tuple[Week, ...]:
        if self.run is None:
            raise NotInARun("the course's dates depend on a run: use course.in_run(run)")
        at = self.run.at
        return tuple(Week(w.number, w.title, w.lesson, at(w.opens), at(w.due),
                          at(w.peer_review_due)) for w in self.rhythm)

    @property
    def week_numbers(self) -> tuple[int, ...]:
        return tuple(w.number for w in self.rhythm)

    def week_title(self, number: int) -> str:
        return next(w.title for w in self.rhythm if w.number == number)

    def demo_window(self) -> Window:
        """The demo's « mid-course » (schedule.mid_course_start): the first peer-reviewed
        week due and in review, the week after it open."""
        reviewed = {a.week for a in self.assignments if a.peer_reviewed}
        ordered = sorted(self.rhythm, key=lambda w: w.opens)
        first = next((w for w in ordered if w.number in reviewed), ordered[0])
        later = [w for w in ordered if w.opens > first.opens]
        return Window(first.due, first.peer_review_due, later[0].opens if later else None)

    def week(self, number: int) -> Week:
        return next(w for w in self.weeks if w.number == number)

    def assignments_of(self, week: int) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.week == week)

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        raise KeyError(name)

    def open_weeks(self, now: dt.datetime) -> tuple[Week, ...]:
        """Weeks whose lessons and exercises are released at ``now`` (aware datetime)."""
        return tuple(w for w in self.weeks if w.opens <= now)


def open_lessons(course: Course, now: dt.datetime) -> list[str]:
    """Lesson folders a learner gets at ``now``: those of the weeks already open (pure)."""
    return [week.lesson for week in course.open_weeks(now)]


# ---- loading ----

def load_course(path: Path = COURSE_FILE) -> Course:
    return parse_course(path.read_text(encoding="utf-8"), path.name)


_cache: dict[Path, tuple[float, Course]] = {}


def load_course_cached(path: Path) -> Course:
    """load_course, re-reading the file only when it changed (the hub calls it at each spawn)."""
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        _cache[path] = (mtime, load_course(path))
    return _cache[path][1]


def parse_course(text: str, filename: str = "course.toml") -> Course:
    language = language_of_environment()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseError(say("course.not_toml", language, file=filename,
                              error=str(error))) from error
    lines = key_lines(text)

    def where(path: tuple, problem: dict) -> str:
        return render(message("course.problem", where=describe(filename, lines, path),
                              problem=problem), language)

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(jsonable(data)),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        error = errors[0]
        raise CourseError(where(tuple(error.absolute_path), schema_problem(error)))
    course = build(data)
    problems = check_rules(course, data)
    if problems:
        path, problem = problems[0]
        raise CourseError(where(path, problem))
    return course


def jsonable(value):
    """TOML dates become ISO strings with a marker the schema checks (pure)."""
    if isinstance(value, dt.datetime):
        return "datetime:" + value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return "not-a-datetime:" + value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def schema_problem(error: jsonschema.ValidationError) -> dict:
    """A schema's complaint as a message of the catalogue's ``course`` section (pure)."""
    if error.validator == "required":
        return message("course.required", field=error.message.split("'")[1])
    if error.validator == "additionalProperties":
        return message("course.unknown_field",
                       fields=error.message.split("(")[-1].rstrip(")"))
    if isinstance(error.instance, str) and error.instance.startswith(("datetime:",
                                                                      "not-a-datetime:")):
        return message("course.absolute_date")  # a course.toml written before runs
    if error.validator == "pattern" and ":[0-5]" in str(error.schema.get("pattern")):
        return message("course.time_of_day")
    if error.validator in ("type", "required") and error.absolute_path and \
            error.absolute_path[-1] in MOMENTS or (error.validator == "required" and
                                                    set(error.validator_value) == {"day", "time"}):
        return message("course.moment")
    if error.validator == "enum":
        return message("course.enum", value=repr(error.instance),
                       allowed=str(error.validator_value))
    if error.validator == "type":
        return message("course.type", value=repr(error.instance),
                       expected=str(error.validator_value))
    return message("course.schema", text=error.message)


def build(data: dict) -> Course:
    weeks = tuple(
        WeekRhythm(w["number"], w["title"], w["lesson"], Moment.of(w["opens"]),
                   Moment.of(w["due"]), Moment.of(w["peer_review_due"]))
        for w in data["week"]
    )
    assignments = tuple(
        Assignment(
            name=a["name"], week=a["week"], kind=a["kind"], title=a["title"],
            minutes=a["minutes"], points=a["points"],
            reviewers=a.get("reviewers", DEFAULT_REVIEWERS if a["kind"] == "peer" else 0),
            rubric=tuple(
                Criterion(c["criterion"], c["description"],
                          tuple(Level(lv["points"], lv["label"]) for lv in c["levels"]),
                          tuple(c.get("tests", ())))
                for c in a.get("rubric", [])
            ),
            reviews_to_give=a.get("reviews_to_give",
                                  DEFAULT_REVIEWS_TO_GIVE if a["kind"] == "peer" else 0),
        )
        for a in data["assignment"]
    )
    grading = data["grading"]
    badges = data.get("badges", {})
    late = data.get("late", {})
    return Course(data["title"], grading["autograde_weight"], grading["peer_weight"], weeks,
                  assignments, badges.get("week", 60.0), badges.get("course", 60.0),
                  data.get("time_zone", DEFAULT_TIME_ZONE),
                  LatePolicy(late.get("penalty", "none"),
                             float(late.get("points_per_hour", 0.0))),
                  HintPolicy(float(data.get("hints", {}).get("points_per_hint", 0.0))))


def check_rules(course: Course, data: dict) -> list[tuple[tuple, dict]]:
    """What the schema cannot say; each problem is (path in the file, message) (pure)."""
    problems: list[tuple[tuple, dict]] = []
    if abs(course.autograde_weight + course.peer_weight - 1) > 1e-9:
        problems.append((("grading", "peer_weight"), message("course.weights")))
    try:
        zone_of(course.time_zone)
    except RunError:
        problems.append((("time_zone",), message("course.time_zone", zone=course.time_zone)))
    if course.late.penalty == "per_hour" and course.late.points_per_hour <= 0:
        problems.append((("late", "points_per_hour"), message("course.points_per_hour")))
    numbers = [w.number for w in course.rhythm]
    for i, week in enumerate(course.rhythm):
        if numbers.count(week.number) > 1:
            problems.append((("week", i, "number"),
                             message("course.duplicate_week", week=week.number)))
        if not week.opens < week.due:
            problems.append((("week", i, "due"), message("course.due_before_opening")))
        elif not week.due <= week.peer_review_due:
            problems.append((("week", i, "peer_review_due"), message("course.review_before_due")))
        if i and (week.number <= course.rhythm[i - 1].number
                  or week.opens < course.rhythm[i - 1].opens):
            problems.append((("week", i, "opens"), message("course.weeks_in_order")))
    names = [a.name for a in course.assignments]
    for i, assignment in enumerate(course.assignments):
        if names.count(assignment.name) > 1:
            problems.append((("assignment", i, "name"),
                             message("course.duplicate_assignment", name=assignment.name)))
        if assignment.week not in numbers:
            problems.append((("assignment", i, "week"),
                             message("course.no_such_week", week=assignment.week)))
        if assignment.peer_reviewed and not assignment.rubric:
            problems.append((("assignment", i, "kind"), message("course.rubric_needed")))
        if assignment.peer_reviewed and assignment.points != sum(
                c.max_points for c in assignment.rubric):
            problems.append((("assignment", i, "points"), message("course.rubric_points")))
        if not assignment.peer_reviewed and assignment.rubric:
            problems.append((("assignment", i, "rubric"), message("course.rubric_not_peer")))
    return problems


# ---- naming the line of a field ----

HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def key_lines(text: str) -> dict[tuple, int]:
    """Map each table and key of a TOML text to its line number, e.g.
    ``("assignment", 3, "points") -> 57`` (pure; arrays of tables get their index)."""
    lines: dict[tuple, int] = {}
    counters: dict[tuple, int] = {}
    section: tuple = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            section = header_path(header.group(2).split("."), header.group(1) == "[[", counters)
            lines.setdefault(section, number)
            continue
        key = KEY.match(line)
        if key:
            lines.setdefault(section + (key.group(1),), number)
    return lines


def header_path(parts: list[str], is_array: bool, counters: dict[tuple, int]) -> tuple:
    """Path of a table header; inside ``[[a.b]]``, ``a`` is the last ``[[a]]`` seen."""
    path: tuple = ()
    for j, part in enumerate(parts):
        key = path + (part,)
        if is_array and j == len(parts) - 1:
            index = counters.get(key, 0)
            counters[key] = index + 1
            path = key + (index,)
        elif key in counters:
            path = key + (counters[key] - 1,)
        else:
            path = key
    return path


def describe(filename: str, lines: dict[tuple, int], path: tuple) -> dict:
    """Where a problem is: the file, the line of the field (or of its table), the field."""
    path = tuple(path)
    shown = ".".join(str(p) for p in path) or "."
    for length in range(len(path), -1, -1):
        if path[:length] in lines:
            return message("course.at_line", file=filename, line=lines[path[:length]],
                           field=shown)
    return message("course.at_field", file=filename, field=shown)
