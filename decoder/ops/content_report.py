"""What each week of the course gives a learner to do, counted from its lesson notebooks, and
held to the course's bar (issue 21): at least three lessons of 600-900 words of text, never
more than 150 words between two things to do (a code cell: run, predict, answer, modify), per
week at least 12 self-check questions, 4 « Prédisez, puis exécutez », one Parsons problem, one
use of the step-by-step visualiser, and one Investigate → Modify → Make sequence (code cells
tagged ``primm-investigate``, ``primm-modify``, ``primm-make``, in that order).

Widgets are found in the code cells by their calls (``quiz(...)``, ``predisez(...)``,
``remettre_en_ordre(...)``, ``pas_a_pas(...)``); their data is read from the call's literal
argument (``widget_data``), which the content tests check (tests/course/test_content.py).

    .venv/bin/python -m decoder.ops.content_report [--week N]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..course import load_course
from ..settings import PROJECT_ROOT

LESSONS = PROJECT_ROOT / "course" / "lessons"
WIDGET_CALLS = {"quiz": "questions", "predisez": "predictions",
                "remettre_en_ordre": "parsons", "pas_a_pas": "visualiser"}
PRIMM_TAGS = ("primm-investigate", "primm-modify", "primm-make")


@dataclass(frozen=True)
class Bar:
    lessons: int = 3
    words: tuple[int, int] = (600, 900)
    stretch: int = 150  # most words between two things to do
    questions: int = 12
    predictions: int = 4
    parsons: int = 1
    visualiser: int = 1


BAR = Bar()


@dataclass
class LessonCount:
    name: str
    words: int = 0
    longest_stretch: int = 0
    things_to_do: int = 0
    widgets: dict[str, int] = field(default_factory=dict)
    primm: list[str] = field(default_factory=list)  # the PRIMM tags, in the order met


def words_of(markdown: str) -> int:
    """Words a learner reads: code blocks, links' targets and markup left out."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(re.findall(r"[\wÀ-ÿ'’-]+", text))


def widget_calls(source: str) -> list[tuple[str, ast.expr | None]]:
    """The widget calls of a code cell, each with its first argument (None if it has none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [(node.func.id, node.args[0] if node.args else None) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in WIDGET_CALLS]


def widget_data(argument: ast.expr | None) -> object:
    """A widget call's data, when written as a literal (TOML text, a dict); else None."""
    try:
        return ast.literal_eval(argument) if argument is not None else None
    except ValueError:
        return None


def count_lesson(path: Path) -> LessonCount:
    notebook = nbformat.read(path, 4)
    count = LessonCount(path.stem)
    stretch = 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            words = words_of(cell.source)
            count.words += words
            stretch += words
            count.longest_stretch = max(count.longest_stretch, stretch)
        elif cell.cell_type == "code":
            count.things_to_do += 1
            stretch = 0
            for name, _ in widget_calls(cell.source):
                kind = WIDGET_CALLS[name]
                count.widgets[kind] = count.widgets.get(kind, 0) + 1
            count.primm += [t for t in cell.metadata.get("tags", []) if t in PRIMM_TAGS]
    return count


def count_week(lesson_folder: str) -> list[LessonCount]:
    return [count_lesson(path) for path in sorted((LESSONS / lesson_folder).glob("*.ipynb"))]


def total(lessons: list[LessonCount], kind: str) -> int:
    return sum(lesson.widgets.get(kind, 0) for lesson in lessons)


def has_imm_sequence(lessons: list[LessonCount]) -> bool:
    """Investigate, then Modify, then Make, in that order, within one lesson of the week."""
    for lesson in lessons:
        tags = lesson.primm
        try:
            first = tags.index(PRIMM_TAGS[0])
            second = tags.index(PRIMM_TAGS[1], first)
            tags.index(PRIMM_TAGS[2], second)
            return True
        except ValueError:
            continue
    return False


def shortfalls(lessons: list[LessonCount], bar: Bar = BAR) -> list[str]:
    """What a week lacks to meet the bar (pure); empty when it meets it."""
    found = []
    if len(lessons) < bar.lessons:
        found.append(f"{len(lessons)} lessons (at least {bar.lessons})")
    for lesson in lessons:
        low, high = bar.words
        if not low <= lesson.words <= high:
            found.append(f"{lesson.name}: {lesson.words} words ({low}-{high})")
        if lesson.longest_stretch > bar.stretch:
            found.append(f"{lesson.name}: {lesson.longest_stretch} words without a thing to "
                         f"do (at most {bar.stretch})")
    for kind in ("questions", "predictions", "parsons", "visualiser"):
        needed = getattr(bar, kind)
        if total(lessons, kind) < needed:
            found.append(f"{total(lessons, kind)} {kind} (at least {needed})")
    if not has_imm_sequence(lessons):
        found.append("no Investigate → Modify → Make sequence")
    return found


def report(weeks: list[tuple[int, str]]) -> tuple[str, bool]:
    """The table printed for ``weeks`` ((number, lesson folder)), and whether all meet the bar."""
    lines, met = [], True
    header = f"{'':4}{'lesson':34}{'words':>6}{'stretch':>8}{'to do':>6}" + "".join(
        f"{kind[:9]:>10}" for kind in ("questions", "predictions", "parsons", "visualiser"))
    for number, folder in weeks:
        lessons = count_week(folder)
        lines += [f"Week {number} ({folder})", header]
        for lesson in lessons:
            lines.append(f"{'':4}{lesson.name[:33]:34}{lesson.words:6}"
                         f"{lesson.longest_stretch:8}{lesson.things_to_do:6}" + "".join(
                             f"{lesson.widgets.get(kind, 0):10}" for kind in (
                                 "questions", "predictions", "parsons", "visualiser")))
        lacking = shortfalls(lessons)
        met = met and not lacking
        lines += [f"    below the bar: {item}" for item in lacking] or ["    meets the bar"]
        lines.append("")
    return "\n".join(lines), met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", type=int, help="one week only")
    args = parser.parse_args(argv)
    weeks = [(w.number, w.lesson) for w in load_course().rhythm
             if args.week is None or w.number == args.week]
    text, met = report(weeks)
    print(text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
