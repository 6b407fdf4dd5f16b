"""What the course page, the dashboard and the export show, gathered from the course service's
stores and the hub (I/O here; the reckoning is progress.py's and export.py's).

Everything is one course run's: the current one (a learner's course page), or one an instructor
names (the dashboard and the export, ``?run=NAME``; the current one by default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .. import late
from ..course import Course
from ..peer.service import PeerService
from ..service.hints_opened import HintsOpened
from ..service.marks import Marks, marked_score
from ..service.rules import Refused
from ..service.runs import Courses
from ..service.self_checks import SelfChecks
from ..service.service import Identity
from ..service.snapshots import Snapshots
from ..service.store import Store
from . import export, pages, progress

XSRF_SLOT = "\x00xsrf\x00"  # where the reader's xsrf token goes in a page drawn once


def to_the_hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0) if moment else moment


class CourseView:
    def __init__(self, store: Store, peer: PeerService, courses: Courses,
                 learners: Callable[[], list[progress.Learner]],
                 instructors: Callable[[], set[str]],
                 now: Callable[[], dt.datetime] | None = None,
                 marks: Callable[[], dict[tuple[str, str], Marks]] | None = None,
                 marks_version: Callable[[], object] | None = None):
        self.store, self.peer, self.courses = store, peer, courses
        self._hub_learners, self._instructors = learners, instructors
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self._marks = marks or dict
        self._marks_version = marks_version or (lambda: None)
        self.snapshots = Snapshots()
        self.self_checks = SelfChecks(store.engine)
        self.hints = HintsOpened(store.engine)

    def history(self, course: Course, username: str | None = None) -> list[dict]:
        """The store's history of the course's run, each graded score counting the
        instructors' marks (the formgrader's points given by hand) less the late penalty
        (course.toml's [late], nbgrader's plug-in) and what the hints opened before it cost
        (course.toml's [hints]); each row says how late it came."""
        marks = self._marks()
        due = {a.name: course.week(a.week).due for a in course.assignments}
        rows = []
        for row in self.store.history(username, run=course.run.name):
            seconds = late.seconds_late(row["submitted_at"], due[row["assignment"]]) \
                if row["assignment"] in due else 0.0
            score = marked_score(row["score"], row["submitted_at"],
                                 marks.get((row["username"], row["assignment"])))
            final, penalty, hints = (None, 0.0, 0.0) if score is None else \
                late.final_score(course, row["username"], score, seconds,
                                 row.get("hints_opened", 0))
            rows.append({**row, "score": final, "penalty": penalty, "hints_penalty": hints,
                         "late_by": seconds})
        return rows

    def _state_key(self, course: Course, *what, versions: tuple | None = None) -> tuple:
        """Names the state of everything the class-wide pages are made of. Time and activity
        count to the hour: they only decide who is at risk (7 days without activity), and a
        class at work moves its activity every few minutes, which would otherwise work the
        whole class out again each time."""
        people = tuple((learner.name, to_the_hour(learner.last_activity))
                       for learner in self._hub_learners())
        return (course.run, *what, *(versions or self.peer.versions()), self._marks_version(),
                hash(people), frozenset(self._instructors()), to_the_hour(self.now()))

    def _learners(self, course: Course,
                  history: list[dict] | None = None) -> list[progress.Learner]:
        """The class of the course's run: anyone who worked in it (not an instructor), and,
        for the current run, every learner of the hub (with their activity, asked every
        30 s): whoever signs up joins the run being taught."""
        current = self.courses.runs.current()
        known = {learner.name: learner for learner in self._hub_learners()} \
            if current is not None and course.run.name == current.name else {}
        staff = self._instructors()
        worked = {row["username"] for row in (history or [])} | \
            {name for name, _ in self.store.fetched(run=course.run.name)}
        for name in worked - set(known) - staff:
            known[name] = progress.Learner(name, None)
        return sorted(known.values(), key=lambda learner: learner.name)

    @property
    def course(self) -> Course:
        """The course in the current run."""
        return self.courses()

    def course_of(self, run: str | None) -> Course:
        """The course in run ``run`` (None: the current one), or a 404 saying so."""
        try:
            return self.courses.of(run)
        except KeyError:
            raise Refused(404, "unknown_run", run=str(run)[:64]) from None

    def assignment_title(self, who: Identity, name: str) -> str:
        """An exercise's title, for the staff's pages (404 for a name the course lacks)."""
        self._teacher(who)
        try:
            return self.course.assignment(name).title
        except KeyError:
            raise Refused(404, "unknown_assignment", name=name) from None

    def _teacher(self, who: Identity) -> None:
        if not who.may_teach:
            raise Refused(403, "instructors_only")

    def peer_points(self, course: Course | None = None,
                    versions: tuple | None = None) -> dict[tuple[str, str], int | None]:
        """Each learner's peer grade on each peer-reviewed exercise (newest submission in the
        run), worked out once per state of the reviews (a learner's course page and badges
        need theirs)."""
        course = course or self.course
        return self.snapshots.get(self._state_key(course, "peer points", versions=versions),
                                  lambda: self._peer_points(course))

    def _peer_points(self, course: Course) -> dict[tuple[str, str], int | None]:
        points = {}
        peer = self.peer.for_run(course)
        for assignment in course.assignments:
            if not assignment.peer_reviewed:
                continue
            candidates, _ = peer.peer_store.pool(assignment.name, course.run.name)
            grades = peer.grades(assignment)
            for candidate in candidates:
                if not candidate.withdrawn:
                    points[(candidate.author, assignment.name)] = \
                        grades[candidate.submission]["points"]
        return points

    # ---- instructors ----

    def dashboard(self, who: Identity, week: int | None = None, run: str | None = None) -> dict:
        self._teacher(who)
        course = self.course_of(run)
        return self.snapshots.get(self._state_key(course, "dashboard", week),
                                  lambda: self._dashboard(who, course, week))

    def dashboard_html(self, who: Identity, week: int | None, xsrf: str, language: str,
                       run: str | None = None) -> str:
        """The dashboard's page, drawn once per state of the data (each form's xsrf token
        written in afterwards: it is the reader's own)."""
        self._teacher(who)
        course = self.course_of(run)
        key = self._state_key(course, "dashboard", week)

        def draw() -> str:
            state = self.snapshots.get(key, lambda: self._dashboard(who, course, week))
            return pages.dashboard_page(state, XSRF_SLOT, language)
        return self.snapshots.get((*key, "page", language), draw).replace(XSRF_SLOT, xsrf)

    def _dashboard(self, who: Identity, course: Course, week: int | None) -> dict:
        now, run = self.now(), course.run
        history = self.history(course)
        people = self._learners(course, history)
        names = [learner.name for learner in people]
        found = progress.states(history, self.store.fetched(run=run.name))
        peer = {}
        reviews = self.peer.for_run(course)
        for assignment in course.assignments:
            if assignment.peer_reviewed and (week is None or assignment.week == week):
                state = reviews.staff_overview(who, assignment.name)
                peer[assignment.name] = {
                    "waiting": sum(1 for s in state["submissions"]
                                   if not s["withdrawn"] and s["done"] < s["needed"]),
                    "flagged": sum(1 for r in state["flagged"] if not r["hidden"]),
                    "far": sum(1 for c in state["calibrations"].values() if c.far)}
        return {"week": week, "weeks": course.weeks, "learners": len(names), "run": run,
                "runs": self.courses.runs.all(), "current": self.courses.runs.current(),
                "exercises": progress.exercise_stats(course, names, found, week),
                "peer": peer, "released": self.store.released_hidden(run=run.name),
                "at_risk": progress.at_risk(people, found, now, since=run.at(
                    course.rhythm[0].opens))}

    def self_checks_state(self, who: Identity, run: str | None = None) -> dict:
        """The lessons' self-check questions as the class answered them: counts, no names."""
        self._teacher(who)
        course = self.course_of(run)
        return {"run": course.run,
                "questions": self.self_checks.summary(course.run.name,
                                                      set(self._instructors()))}

    def export(self, who: Identity, week: int | None = None, run: str | None = None,
               spreadsheet: bool = False) -> str:
        """The grades as CSV (``spreadsheet``: for a spreadsheet in French, export.py)."""
        self._teacher(who)
        course = self.course_of(run)
        return self.snapshots.get(self._state_key(course, "export", week, spreadsheet,
                                                  self.hints.version()),
                                  lambda: self._export(course, week, spreadsheet))

    def _export(self, course: Course, week: int | None, spreadsheet: bool) -> str:
        history = self.history(course)
        names = [learner.name for learner in self._learners(course, history)]
        found = progress.states(history, self.store.fetched(run=course.run.name))
        submitted = {}
        for row in history:
            submitted[(row["username"], row["assignment"])] = row["submitted_at"].isoformat()
        peer = self.peer_points(course)
        weeks = {name: progress.week_grades(course, name, found, peer) for name in names}
        opened = {w.number for w in course.open_weeks(self.now())}
        return export.grades_csv(course, names, found, submitted, peer, weeks, week,
                                 open_weeks=opened, spreadsheet=spreadsheet,
                                 hints=self.hints.of_run(course.run.name))

    # ---- learners ----

    def course_page(self, who: Identity) -> dict:
        """Where the learner stands in the current run: each open week's exercises, what
        opens next."""
        course, now, versions = self.course, self.now(), self.peer.versions()
        found = progress.states(self.history(course, who.name),
                                self.store.fetched(who.name, run=course.run.name))
        weeks = []
        for week in course.weeks:
            if week.opens > now:
                continue
            items = []
            for assignment in course.assignments_of(week.number):
                state = found.get((who.name, assignment.name)) or progress.ExerciseState()
                item = {"assignment": assignment, "state": state}
                if assignment.peer_reviewed:
                    item["peer"] = self.peer.overview(who, assignment.name, versions)
                items.append(item)
            weeks.append({"week": week, "items": items})
        upcoming = [week for week in course.weeks if week.opens > now]
        return {"name": who.name, "weeks": weeks, "found": found, "versions": versions,
                "course": course, "now": now,
                "next": min(upcoming, key=lambda week: week.opens) if upcoming else None}
