"""Course walk: how long each week takes a beginner, by a script that does what they do.

Each lesson is run top to bottom in a real kernel (the cells' own time, measured), and the
time a person spends around it is added from a beginner's pace: reading the text at 200 words
a minute and the code at 50, pressing Maj + Entrée (10 s a cell), answering each question
once (1 min), writing a prediction (1 min 30), a Parsons problem (5 min), the visualiser
(3 min), a cell to modify (5 min) or to write (10 min). The week's exercises count the minutes
course.toml gives them, and each peer review given 10 min. Goal (issue 21): 2 to 3 hours of
guided work a week, the lessons and the exercises; the reviews a learner gives come on top
(docs/decisions.md) and are printed apart, with the week's total. A model, not a stopwatch on
people: it says whether a week is far off, not its minute.

    .venv/bin/python bench/course_walk.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from decoder.course import load_course  # noqa: E402
from decoder.ops import content_report  # noqa: E402
from decoder.settings import PROJECT_ROOT  # noqa: E402
from graders.runner import nbgrader_env  # noqa: E402

READ_WPM, CODE_WPM = 200, 50
PER_CELL_S = 10
WIDGET_MINUTES = {"questions": 1.0, "predictions": 1.5, "parsons": 5.0, "visualiser": 3.0}
PRIMM_MINUTES = {"primm-modify": 5.0, "primm-make": 10.0}
REVIEW_MINUTES = 10
GOAL_HOURS = (2.0, 3.0)


def kernel_seconds(path: Path) -> float:
    """The lesson run top to bottom in a fresh kernel, as the content tests run it."""
    notebook = nbformat.read(path, 4)
    env = nbgrader_env()
    env["PYTHONPATH"] += os.pathsep + str(PROJECT_ROOT / "images" / "lab")
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    began = time.monotonic()
    client.execute(env=env)
    return time.monotonic() - began


def person_minutes(path: Path) -> float:
    """What a beginner spends on the lesson besides the machine's time (the model above)."""
    notebook = nbformat.read(path, 4)
    counted = content_report.count_lesson(path)
    code_words = sum(len(cell.source.split()) for cell in notebook.cells
                     if cell.cell_type == "code" and not content_report.widget_calls(cell.source))
    tags = [tag for cell in notebook.cells for tag in cell.metadata.get("tags", [])]
    return (counted.words / READ_WPM + code_words / CODE_WPM
            + counted.things_to_do * PER_CELL_S / 60
            + sum(WIDGET_MINUTES[kind] * n for kind, n in counted.widgets.items())
            + sum(PRIMM_MINUTES.get(tag, 0) for tag in tags))


def main() -> int:
    course = load_course()
    print(f"{'week':6}{'lessons':>9}{'kernel s':>10}{'exercises':>11}{'guided':>8}"
          f"{'reviews':>9}{'total':>8}  guided work against {GOAL_HOURS[0]:g}-{GOAL_HOURS[1]:g} h")
    for week in course.rhythm:
        lessons = sorted((content_report.LESSONS / week.lesson).glob("*.ipynb"))
        machine = sum(kernel_seconds(path) for path in lessons)
        lesson_minutes = sum(person_minutes(path) for path in lessons) + machine / 60
        assignments = course.assignments_of(week.number)
        exercise_minutes = sum(a.minutes for a in assignments)
        review_minutes = sum(a.reviews_to_give * REVIEW_MINUTES for a in assignments)
        guided = (lesson_minutes + exercise_minutes) / 60
        hours = guided + review_minutes / 60
        verdict = "within" if GOAL_HOURS[0] <= guided <= GOAL_HOURS[1] else "OUTSIDE"
        print(f"{week.number:<6}{lesson_minutes:8.0f}m{machine:10.1f}{exercise_minutes:10.0f}m"
              f"{guided:7.2f}h{review_minutes:8.0f}m{hours:7.2f}h  {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
