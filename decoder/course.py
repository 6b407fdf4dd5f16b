"""course/course.toml: the course's weeks, exercises, dates, rubrics and grading weights.

``load_course(path)`` returns a :class:`Course` or raises :class:`CourseError` whose message names
the file, the line and the field (in French: course authors read it). Validation is the JSON
Schema in ``course/course.schema.json`` followed by the rules a schema cannot say (dates in
order, names that exist, weights that add up). Everything but reading the file is pure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from .settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "course" / "course.schema.json"
COURSE_FILE = PROJECT_ROOT / "course" / "course.toml"


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
    reviewers: int = 0
    rubric: tuple[Criterion, ...] = ()

    @property
    def peer_reviewed(self) -> bool:
        return self.kind == "peer"


@dataclass(frozen=True)
class Week:
    number: int
    title: str
    lesson: str
    opens: dt.datetime
    due: dt.datetime
    peer_review_due: dt.datetime


@dataclass(frozen=True)
class Course:
    title: str
    autograde_weight: float
    peer_weight: float
    weeks: tuple[Week, ...]
    assignments: tuple[Assignment, ...] = field(default=())

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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{filename} : TOML invalide : {error}") from error
    lines = key_lines(text)
    where = lambda path: describe(filename, lines, path)  # noqa: E731
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(jsonable(data)),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        error = errors[0]
        raise CourseError(f"{where(tuple(error.absolute_path))} : {french(error)}")
    course = build(data)
    problems = check_rules(course, data)
    if problems:
        path, message = problems[0]
        raise CourseError(f"{where(path)} : {message}")
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


def french(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"le champ « {missing} » est obligatoire"
    if error.validator == "additionalProperties":
        return f"champ inconnu ({error.message.split('(')[-1].rstrip(')')})"
    if error.validator == "pattern" and "datetime" in str(error.schema.get("pattern")):
        return ("une date avec heure et fuseau est attendue, sans guillemets, "
                "par exemple 2026-01-05T09:00:00+01:00")
    if error.validator == "enum":
        return f"valeur {error.instance!r} inconnue ; valeurs possibles : {error.validator_value}"
    if error.validator == "type":
        return f"{error.instance!r} n'est pas du bon type (attendu : {error.validator_value})"
    if error.validator in ("minimum", "maximum", "minItems", "maxItems"):
        return f"{error.message}"
    return error.message


def build(data: dict) -> Course:
    weeks = tuple(
        Week(w["number"], w["title"], w["lesson"], w["opens"], w["due"], w["peer_review_due"])
        for w in data["week"]
    )
    assignments = tuple(
        Assignment(
            name=a["name"], week=a["week"], kind=a["kind"], title=a["title"],
            minutes=a["minutes"], points=a["points"], reviewers=a.get("reviewers", 0),
            rubric=tuple(
                Criterion(c["criterion"], c["description"],
                          tuple(Level(lv["points"], lv["label"]) for lv in c["levels"]))
                for c in a.get("rubric", [])
            ),
        )
        for a in data["assignment"]
    )
    grading = data["grading"]
    return Course(data["title"], grading["autograde_weight"], grading["peer_weight"], weeks,
                  assignments)


def check_rules(course: Course, data: dict) -> list[tuple[tuple, str]]:
    """What the schema cannot say; each problem is (path in the file, French message)."""
    problems: list[tuple[tuple, str]] = []
    if abs(course.autograde_weight + course.peer_weight - 1) > 1e-9:
        problems.append((("grading", "peer_weight"),
                         "autograde_weight + peer_weight doit faire 1"))
    numbers = [w.number for w in course.weeks]
    for i, week in enumerate(course.weeks):
        if numbers.count(week.number) > 1:
            problems.append((("week", i, "number"), f"la semaine {week.number} est en double"))
        for key in ("opens", "due", "peer_review_due"):
            if getattr(week, key).tzinfo is None:
                problems.append((("week", i, key), "donnez le fuseau horaire, ex. +01:00"))
        if not problems and not week.opens < week.due <= week.peer_review_due:
            problems.append((("week", i, "due"),
                             "il faut opens < due <= peer_review_due"))
    names = [a.name for a in course.assignments]
    for i, assignment in enumerate(course.assignments):
        if names.count(assignment.name) > 1:
            problems.append((("assignment", i, "name"), f"{assignment.name} est en double"))
        if assignment.week not in numbers:
            problems.append((("assignment", i, "week"),
                             f"la semaine {assignment.week} n'existe pas"))
        if assignment.peer_reviewed and not assignment.rubric:
            problems.append((("assignment", i, "kind"),
                             "un exercice évalué par les pairs a besoin d'une grille (rubric)"))
        if assignment.peer_reviewed and assignment.points != sum(
                c.max_points for c in assignment.rubric):
            problems.append((("assignment", i, "points"),
                             "points doit être la somme des meilleurs niveaux de la grille"))
        if not assignment.peer_reviewed and assignment.rubric:
            problems.append((("assignment", i, "rubric"),
                             "seuls les exercices « peer » ont une grille"))
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


def describe(filename: str, lines: dict[tuple, int], path: tuple) -> str:
    path = tuple(path)
    shown = ".".join(str(p) for p in path) or "(racine)"
    for length in range(len(path), -1, -1):
        if path[:length] in lines:
            return f"{filename}, ligne {lines[path[:length]]}, champ {shown}"
    return f"{filename}, champ {shown}"
