"""Scores into nbgrader's gradebook, so that the formgrader shows them.

The service keeps an nbgrader course folder of its own (``<storage>/nbgrader``): ``source/``
holds a copy of each master (regenerated when the master changes), ``gradebook.db`` the
assignments and every learner's newest graded submission, ``submitted/`` the files as handed in,
``autograded/`` the graded notebooks the formgrader shows, made inert first (inert.py: the
formgrader runs on the hub's origin, in an instructor's browser). Each assignment's due date is
that of the course run of the submission written last (the current run's, as a class works), and
each notebook's late penalty is the one nbgrader's late-submission plug-in gives (late.py), so
the formgrader and our pages and export agree. Only the service writes here
(besides the formgrader's own marks, which a regrade never writes over: marks.py reads them for
the learner), one batch at a time; writing the same result twice gives the same gradebook.

A mark belongs to the submission it was given on: when a newer submission takes the older's
place, the older's marks are handed to ``keep_earlier`` (earlier_marks.py keeps them durably),
then cleared, and the cells that need grading by hand are flagged for a new look.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from graders.runner import master_hash, run_nbgrader

from .. import late
from .files import folder_name
from .inert import inert_notebook
from .marks import CellMark, Marks, naive_utc

KeepEarlier = Callable[[str, str, Marks], None]  # (learner, assignment, marks)
SUBMITTED_INDEX = "submitted-index"
RELEASED = "released.json"  # read by images/lab/decoder_exchange.py's FormgraderList


def ensure_alembic_on_path() -> None:
    """nbgrader's Gradebook runs the ``alembic`` command: find it beside this interpreter."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


class CourseGradebook:
    def __init__(self, root: Path, masters: Path, course_config: Path):
        ensure_alembic_on_path()
        self.root = root
        self.masters = masters
        self.course_config = course_config

    @property
    def url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def ensure_assignment(self, name: str) -> None:
        """The assignment in the gradebook, as its master is now."""
        master = self.masters / name
        stamp = self.root / ".masters" / name
        version = master_hash(master)
        if stamp.exists() and stamp.read_text() == version:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.course_config, self.root / "nbgrader_config.py")
        shutil.rmtree(self.root / "source" / name, ignore_errors=True)
        shutil.copytree(master, self.root / "source" / name,
                        ignore=shutil.ignore_patterns("*.toml"))
        run_nbgrader(self.root, "generate_assignment", name, "--force", timeout=300)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(version)

    def record(self, rows: list[dict], storage: Path, latest_ids: dict[tuple[str, str], int],
               keep_earlier: KeepEarlier | None = None) -> list[int]:
        """Write results (store rows) into the gradebook; returns the ids of those handled.

        A result whose submission is no longer the learner's newest is skipped (its newer
        one will be written), so the gradebook always holds the submission that counts."""
        handled = []
        for name in sorted({row["assignment"] for row in rows}):
            self.ensure_assignment(name)
        with Gradebook(self.url) as gradebook:
            for row in rows:
                handled.append(row["id"])
                key = (row["username"], row["assignment"])
                if latest_ids.get(key) != row["submission_id"]:
                    continue
                self._write(gradebook, row, storage, keep_earlier)
        return handled

    def _write(self, gradebook: Gradebook, row: dict, storage: Path,
               keep_earlier: KeepEarlier | None = None) -> None:
        name, student = row["assignment"], row["username"]
        report = json.loads(row["report"])
        gradebook.update_or_create_student(student)
        self._retire_marks(gradebook, name, student, row["submitted_at"], keep_earlier)
        if row.get("due") is not None:
            gradebook.update_or_create_assignment(
                name, duedate=row["due"].astimezone(dt.UTC).replace(tzinfo=None))
        submitted_at = row["submitted_at"].replace(tzinfo=dt.UTC)
        gradebook.update_or_create_submission(name, student, timestamp=submitted_at)
        points = {test["grade_id"]: test["points"] for test in report.get("tests", [])}
        for grade in gradebook.find_submission_notebook(name, name, student).grades:
            if grade.name in points:
                grade.auto_score = points[grade.name]
            # a regrade never writes over an instructor's points (nbgrader's own rule); a newer
            # submission's cells start without them (_retire_marks), and a cell the
            # autograder cannot score asks for a look by hand
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gradebook.db.commit()
        self._late_penalty(gradebook, row)
        self._copy_notebooks(row, storage)

    @staticmethod
    def _retire_marks(gradebook: Gradebook, name: str, student: str,
                      submitted_at: dt.datetime, keep_earlier: KeepEarlier | None) -> None:
        """The marks on the submission the gradebook holds, when a newer one replaces it:
        handed to ``keep_earlier`` (kept durably before anything is cleared), then cleared."""
        try:
            held = gradebook.find_submission(name, student)
            notebook = gradebook.find_submission_notebook(name, name, student)
        except MissingEntry:
            return
        if held.timestamp is None or held.timestamp == naive_utc(submitted_at):
            return  # the same submission (a regrade): its marks stay
        cells: dict[str, dict] = {}
        for grade in notebook.grades:
            if grade.manual_score is not None:
                cells.setdefault(grade.name, {}).update(
                    points=grade.manual_score, auto_points=grade.auto_score,
                    max_points=grade.max_score)
        for comment in notebook.comments:
            if comment.manual_comment and comment.manual_comment.strip():
                cells.setdefault(comment.name, {})["comment"] = comment.manual_comment.strip()
        if not cells:
            return
        if keep_earlier is not None:
            keep_earlier(student, name, Marks(held.timestamp, tuple(
                CellMark(cell, **values) for cell, values in sorted(cells.items()))))
        for grade in notebook.grades:
            grade.manual_score = None
        for comment in notebook.comments:
            comment.manual_comment = None
        gradebook.db.commit()

    @staticmethod
    def _late_penalty(gradebook: Gradebook, row: dict) -> None:
        """The notebook's late penalty, as nbgrader's AssignLatePenalties sets it: lateness by
        nbgrader's own reckoning (timestamp against due date), penalty by the plug-in."""
        name, student = row["assignment"], row["username"]
        submission = gradebook.find_submission(name, student)
        notebook = gradebook.find_submission_notebook(name, name, student)
        seconds = submission.total_seconds_late
        policy = row.get("late_policy")
        given = late.penalty(policy, student, float(notebook.score), seconds) \
            if policy is not None and seconds > 0 else 0.0
        notebook.late_submission_penalty = given or None
        gradebook.db.commit()

    def _copy_notebooks(self, row: dict, storage: Path) -> None:
        name, student = row["assignment"], folder_name(row["username"])
        if row.get("graded_notebook"):
            target = self.root / "autograded" / student / name
            target.mkdir(parents=True, exist_ok=True)
            graded = json.loads((storage / row["graded_notebook"]).read_text(encoding="utf-8"))
            shown = target / f".{name}.ipynb.new"  # derived from the store: rebuilt if lost
            shown.write_text(json.dumps(inert_notebook(graded), ensure_ascii=False),
                             encoding="utf-8")
            shown.replace(target / f"{name}.ipynb")
        if row.get("folder"):
            target = self.root / "submitted" / student / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(storage / row["folder"], target)
            (target / "timestamp.txt").write_text(str(row["submitted_at"]))
            self._index_submission(student, name, row["submitted_at"])

    def _index_submission(self, student_folder: str, name: str, submitted_at) -> None:
        """The formgrader's view of ``submitted/``: a folder per submission with its time, and
        no file a learner wrote (formgrader.py mounts this index over ``submitted/``)."""
        marker = self.root / SUBMITTED_INDEX / student_folder / name
        marker.mkdir(parents=True, exist_ok=True)
        (marker / "timestamp.txt").write_text(str(submitted_at))

    def describe(self, due_dates: dict[str, dt.datetime], released: list[str]) -> bool:
        """What the formgrader's home says of the course, from course.toml and the service:
        each exercise (its master in ``source/``: ``ensure_assignment`` generates it when
        work comes) with its due date in the current run, which are released (open now, in
        ``released.json``, read by the formgrader's exchange list), and the submission index
        (rebuilt for submissions written before it existed). False when nothing changed."""
        wanted = json.dumps({"due": {name: due.isoformat() for name, due in due_dates.items()},
                             "released": sorted(released)}, sort_keys=True)
        state = self.root / RELEASED
        if state.exists() and state.read_text() == wanted:
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        for name in due_dates:  # the formgrader lists the exercises it finds in source/
            source = self.root / "source" / name
            if not source.exists() and (self.masters / name).is_dir():
                shutil.copytree(self.masters / name, source,
                                ignore=shutil.ignore_patterns("*.toml"))
        with Gradebook(self.url) as gradebook:
            for name, due in due_dates.items():
                gradebook.update_or_create_assignment(
                    name, duedate=due.astimezone(dt.UTC).replace(tzinfo=None))
            for assignment in gradebook.assignments:
                for submission in assignment.submissions:
                    self._index_submission(folder_name(submission.student.id), assignment.name,
                                           submission.timestamp)
        kept = state.with_suffix(".new")
        kept.write_text(wanted)
        kept.replace(state)
        return True

    def score_of(self, name: str, student: str) -> tuple[float, float] | None:
        """The score the formgrader shows for ``student`` on ``name`` (None: no submission)."""
        with Gradebook(self.url) as gradebook:
            try:
                submission = gradebook.find_submission(name, student)
            except MissingEntry:
                return None
            return float(submission.score), float(submission.max_score)
