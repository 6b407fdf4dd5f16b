"""What the course service does, apart from HTTP: each method takes the caller's identity (from
the hub, never from the request body) and returns plain data, or raises ``Refused``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from graders.runner import prepare_assignment
from graders.structure import repaired

from .. import late, protocol
from ..course import Course
from ..dates import when
from ..diskspace import short_of_space
from ..messages import render
from ..settings import PlatformSettings
from . import feedback
from .earlier_marks import EarlierMarks
from .files import folder_files, write_submission
from .gradebook import CourseGradebook
from .hints_opened import HintsOpened, opened_of
from .marks import Marks, marked_score, naive_utc, read_marks, with_marks
from .rules import Refused, assignment_open, check_submission, submitted_files
from .runs import Courses
from .self_checks import SelfChecks, answer_of
from .snapshots import Snapshots
from .store import Store

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's own format for submissions
OPERATOR_SERVICES = {"decoder-cli"}


@dataclass(frozen=True)
class Identity:
    name: str
    kind: str  # "user" or "service"
    instructor: bool = False

    @property
    def may_teach(self) -> bool:
        return self.instructor or (self.kind == "service" and self.name in OPERATOR_SERVICES)


def learners_only(who: Identity) -> None:
    if who.kind != "user":
        raise Refused(403, "learners_only")


def read_payload(read, payload: object):
    """What a learner's kernel sent, read by ``read`` (a protocol reader), or refused with the
    reader's reason."""
    try:
        return read(payload)
    except protocol.PayloadError as error:
        raise Refused(400, error.key, **error.params) from None


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


class CourseService:
    def __init__(self, settings: PlatformSettings, store: Store, courses: Courses):
        self.settings = settings
        self.store = store
        self.courses = courses
        self.storage = settings.course_storage
        self.gradebook = CourseGradebook(self.storage / "nbgrader", settings.masters_dir,
                                         settings.course_config)
        self._marks = Snapshots(keep=2)
        self.earlier_marks = EarlierMarks(store.engine)
        self.self_checks = SelfChecks(store.engine)
        self.hints = HintsOpened(store.engine)

    @property
    def course(self) -> Course:
        """The course as taught in the current run (its weeks carry the run's dates)."""
        return self.courses()

    def _run_of(self, row: dict) -> Course:
        """The course as taught in the run a submission belongs to."""
        try:
            return self.courses.of(row["run"])
        except KeyError:  # a run removed from the database by hand: the current one
            return self.course

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    # ---- learners ----

    def open_assignments(self, who: Identity) -> list[dict]:
        """The assignments of the weeks open now (peer-reviewed ones too: they are fetched and
        handed in the same way, then reviewed by peers after ``due``)."""
        now, course = self.now(), self.course
        language = self.settings.ui_language
        open_weeks = {week.number for week in course.open_weeks(now)}
        return [{"assignment_id": a.name, "title": a.title, "week": a.week, "points": a.points,
                 "minutes": a.minutes, "due": course.week(a.week).due.isoformat(),
                 "due_text": when(course.week(a.week).due, language),
                 "late": now > course.week(a.week).due,
                 "kind": a.kind} for a in course.assignments if a.week in open_weeks]

    def _gradable(self, name: str, course: Course):
        return assignment_open(course, name, self.now())

    def release_folder(self, name: str) -> Path:
        template = prepare_assignment(self.settings.masters_dir / name,
                                      self.settings.course_config,
                                      self.storage / "templates")
        return template / "release" / name

    def record_self_check(self, who: Identity, question: str, payload: object) -> dict:
        """A learner's tries at a lesson's self-check question, sent by their kernel because
        they agreed to share them (decoder_widgets' quiz); counted without their name."""
        learners_only(who)
        tries, right = read_payload(answer_of, payload)
        self.self_checks.record(self.course.run.name, who.name, question, tries, right)
        return {"ok": True}

    def record_hints(self, who: Identity, name: str, payload: object) -> dict:
        """How many hints of exercise ``name`` the learner opened (decoder_widgets' hints),
        for the instructors' export; a count only ever rises."""
        learners_only(who)
        course = self.course
        self._gradable(name, course)
        opened = read_payload(opened_of, payload)
        self.hints.record(course.run.name, who.name, name, opened)
        return {"ok": True}

    def release_files(self, who: Identity, name: str) -> dict:
        course = self.course
        self._gradable(name, course)
        if who.kind == "user":
            self.store.record_fetch(who.name, name, run=course.run.name)
        return {"assignment_id": name,
                **protocol.encode_files(folder_files(self.release_folder(name)))}

    def submit(self, who: Identity, name: str, payload: object) -> dict:
        """Keep the submission durably, queue its grading, and say when it was received (a
        submission after the due date is accepted, and marked late)."""
        course = self.course
        self._gradable(name, course)
        self._not_too_often(who)
        files = submitted_files(payload)
        limit = protocol.max_submission_bytes(self.settings.max_submission_mb)
        notebook = check_submission(name, files, limit)
        if short_of_space([self.storage], self.settings.min_free_disk_mb):
            raise Refused(507, "disk_full")  # before anything is written
        received = self.now()
        folder, size, digest = write_submission(self.storage, who.name, name, files)
        submission_id = self.store.add_submission(
            who.name, name, received.replace(tzinfo=None), folder, size, digest,
            run=course.run.name, hints_opened=self.hints.opened(course.run.name, who.name, name))
        due = course.week(course.assignment(name).week).due
        return {"id": submission_id, "assignment_id": name, "timestamp": stamp(received),
                "when": when(received, self.settings.ui_language, course.run.zone),
                "late": received > due, "state": "queued",
                "notes": self._repairs_said(name, notebook)}

    def _repairs_said(self, name: str, notebook: nbformat.NotebookNode) -> list[str]:
        """What grading will put right in this notebook (a copied test cell, a cell the master
        does not know), said at once: the feedback says it again."""
        master = nbformat.read(self.settings.masters_dir / name / f"{name}.ipynb", 4)
        return [render(repair.as_message(), self.settings.ui_language)
                for repair in repaired(notebook, master)[1]]

    def _not_too_often(self, who: Identity) -> None:
        """A learner submits at most ``max_submissions_per_minute`` times a minute: each
        submission takes a grading sandbox, and the queue is shared by the class."""
        most = self.settings.max_submissions_per_minute
        if not most or who.may_teach:
            return
        since = self.now() - dt.timedelta(minutes=1)
        recent = self.store.submission_times(who.name, since.replace(tzinfo=None))
        if len(recent) >= most:
            wait = 60 - (self.now() - recent[-most].replace(tzinfo=dt.UTC)).total_seconds()
            raise Refused(429, "too_often", count=len(recent), wait=max(1, round(wait)))

    def submissions(self, who: Identity, name: str | None = None) -> list[dict]:
        """The learner's submissions in the current run."""
        marks, earlier = self.marks(), self.earlier_marks.all()
        return [self._summary(row, mark=self.marks_of(row, marks, earlier))
                for row in self.store.submissions_of(who.name, name, run=self.course.run.name)]

    def marks(self) -> dict:
        """The instructors' marks in the formgrader, by (learner, assignment): read again only
        when the gradebook changed."""
        return self._marks.get(self.marks_version(),
                               lambda: read_marks(self.gradebook.root / "gradebook.db"))

    def marks_version(self) -> int | None:
        """Changes whenever the gradebook does (the formgrader writes marks there)."""
        try:
            return (self.gradebook.root / "gradebook.db").stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def marks_of(self, row: dict, marks: dict | None = None,
                 earlier: dict | None = None) -> Marks | None:
        """The instructors' marks on the submission ``row``: the gradebook's, when it holds
        this submission; else those kept when a newer one replaced it (earlier_marks.py)."""
        marks = self.marks() if marks is None else marks
        found = marks.get((row["username"], row["assignment"]))
        if found is not None and found.applies_to(row["submitted_at"]):
            return found
        earlier = self.earlier_marks.all() if earlier is None else earlier
        # kept in naive UTC; the store's rows may say UTC
        return earlier.get((row["username"], row["assignment"], naive_utc(row["submitted_at"])))

    def lateness(self, row: dict, course: Course | None = None) -> float:
        """Seconds a submission came after its week's due date, in its own run (0: on time)."""
        course = course or self._run_of(row)
        try:
            week = course.assignment(row["assignment"]).week
        except KeyError:
            return 0.0
        return late.seconds_late(row["submitted_at"], course.week(week).due)

    def final_score(self, row: dict, mark, course: Course
                    ) -> tuple[float | None, float, float]:
        """(score, late penalty, hints penalty): the autograder's, with the instructors'
        marks, less what nbgrader's late-submission plug-in takes off (course.toml's [late]),
        less what the hints opened before it cost (course.toml's [hints])."""
        if not row["result"]:
            return None, 0.0, 0.0
        score = marked_score(row["result"]["score"], row["submitted_at"], mark)
        return late.final_score(course, row["username"], score, self.lateness(row, course),
                                row.get("hints_opened", 0))

    def _summary(self, row: dict, page: str | None = None, *, mark: Marks | None) -> dict:
        course = self._run_of(row)
        if page is None and (row["result"] or row["state"] == "failed"):
            page = self._rendered(row, mark, course)[1]
        score, penalty, hints = self.final_score(row, mark, course)
        return {"id": row["id"], "assignment_id": row["assignment"],
                "timestamp": stamp(row["submitted_at"]),
                "when": when(row["submitted_at"], self.settings.ui_language, course.run.zone),
                "late": self.lateness(row, course) > 0, "late_penalty": penalty,
                "hints_opened": row.get("hints_opened", 0), "hints_penalty": hints,
                "state": row["state"], "score": score,
                "max_score": row["result"]["max_score"] if row["result"] else None,
                "feedback_checksum": protocol.checksum(page.encode()) if page else None}

    def latest_feedback(self, who: Identity) -> int | None:
        """The learner's newest submission in the current run that has a feedback page (graded,
        or given up), for « Mon dernier retour »; None when there is none yet."""
        rows = self.store.submissions_of(who.name, run=self.course.run.name)
        ready = [row for row in rows if row["result"] or row["state"] == "failed"]
        return ready[-1]["id"] if ready else None

    def feedback(self, who: Identity, submission_id: int) -> dict:
        row = self.store.submission(submission_id)
        if row is None or (row["username"] != who.name and not who.may_teach):
            raise Refused(404, "not_yours")
        if not row["result"] and row["state"] != "failed":
            raise Refused(409, "not_graded_yet")
        mark = self.marks_of(row)
        view, page = self._rendered(row, mark, self._run_of(row))
        return {**self._summary(row, page, mark=mark), "report": view, "html": page,
                "notebook_id": row["assignment"]}

    def _rendered(self, row: dict, marks: Marks | None, course: Course) -> tuple[dict, str]:
        """What the learner may read of a graded submission's report with the instructors'
        marks, and its page, in the platform's language, its dates in its run's time zone (a
        submission whose grading was given up: a page saying so)."""
        language = self.settings.ui_language
        try:
            assignment = course.assignment(row["assignment"])
        except KeyError:
            assignment = None
        title = assignment.title if assignment else row["assignment"]
        submitted = when(row["submitted_at"], language, course.run.zone)
        peer = None
        if assignment and assignment.peer_reviewed:  # its grade comes from peers, later
            week = course.week(assignment.week)
            peer = {"opens": when(week.due, language, course.run.zone),
                    "closes": when(week.peer_review_due, language, course.run.zone),
                    "reviewers": assignment.reviewers, "points": assignment.points}
        if not row["result"]:  # failed: given up after max_attempts
            return {"grading_failed": True}, feedback.failed_html(
                title=title, submitted_at=submitted, attempts=row["attempts"],
                language=language)
        released = self.store.hidden_released(row["assignment"], run=row["run"])
        view = feedback.learner_view(json.loads(row["result"]["report"]), released, language)
        view = with_marks(view, marks, row["submitted_at"])
        late_by = self.lateness(row, course)
        _, penalty, hints = self.final_score(row, marks, course)
        if late_by:
            view = {**view, "late_by": late_by, "late_penalty": penalty}
        if hints:
            view = {**view, "hints_opened": row.get("hints_opened", 0), "hints_penalty": hints}
        if penalty or hints:
            view = {**view, "score": view.get("score", 0) - penalty - hints}
        page = feedback.feedback_html(view, title=title, submitted_at=submitted,
                                      hidden_released=released, language=language, peer=peer)
        return view, page

    # ---- instructors and operators ----

    def _teacher(self, who: Identity) -> None:
        if not who.may_teach:
            raise Refused(403, "instructors_only")

    def _known(self, name: str) -> None:
        try:
            self.course.assignment(name)
        except KeyError:
            raise Refused(404, "unknown_assignment", name=name) from None

    def all_submissions(self, who: Identity, name: str) -> list[dict]:
        self._teacher(who)
        self._known(name)
        marks, earlier = self.marks(), self.earlier_marks.all()
        return [{**self._summary(row, mark=self.marks_of(row, marks, earlier)),
                 "username": row["username"]}
                for row in self.store.latest_submissions(name, run=self.course.run.name)]

    def regrade(self, who: Identity, name: str) -> dict:
        """Regrade the newest submission of each learner of the current run."""
        self._teacher(who)
        self._known(name)
        batch, count = self.store.regrade(name, run=self.course.run.name)
        return {"batch": batch, "jobs": count}

    def batch(self, who: Identity, batch: str) -> dict:
        self._teacher(who)
        return {"batch": batch, "states": self.store.batch_progress(batch)}

    def release_hidden(self, who: Identity, name: str) -> dict:
        self._teacher(who)
        self._known(name)
        self.store.release_hidden(name, who.name, run=self.course.run.name)
        return {"assignment_id": name, "hidden_released": True}

    # ---- background ----

    def record_results(self) -> int:
        """Write finished results into nbgrader's gradebook (one batch); returns how many.
        The gradebook is also told the course as it is taught now (its exercises, due dates
        and which are open: the formgrader's home), when that changed."""
        course = self.course
        opened = {week.number for week in course.open_weeks(self.now())}
        self.gradebook.describe({a.name: course.week(a.week).due for a in course.assignments},
                                [a.name for a in course.assignments if a.week in opened])
        rows = self.store.results_to_record()
        if not rows:
            return 0
        newest = self.store.newest_ids({(r["username"], r["assignment"]) for r in rows})
        for row in rows:  # the due date and late policy of the submission's own run
            course = self._run_of(row)
            try:
                row["due"] = course.week(course.assignment(row["assignment"]).week).due
            except KeyError:
                row["due"] = None
            row["late_policy"] = course.late
        handled = self.gradebook.record(rows, self.storage, newest,
                                        keep_earlier=self.earlier_marks.keep)
        self.store.mark_recorded(handled)
        return len(handled)
