"""What the course page, the dashboard and the export show, gathered from the course service's
stores and the hub (I/O here; the reckoning is progress.py's and export.py's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..course import Course
from ..peer.service import PeerService
from ..service.marks import Marks, marked_score
from ..service.rules import Refused
from ..service.service import Identity
from ..service.snapshots import Snapshots
from ..service.store import Store
from . import export, pages, progress

XSRF_SLOT = "\x00xsrf\x00"  # where the reader's xsrf token goes in a page drawn once


def to_the_hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0) if moment else moment


class CourseView:
    def __init__(self, store: Store, peer: PeerService, course: Callable[[], Course],
                 learners: Callable[[], list[progress.Learner]],
                 instructors: Callable[[], set[str]],
                 now: Callable[[], dt.datetime] | None = None,
                 marks: Callable[[], dict[tuple[str, str], Marks]] | None = None,
                 marks_version: Callable[[], object] | None = None):
        self.store, self.peer, self._course = store, peer, course
        self._hub_learners, self._instructors = learners, instructors
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self._marks = marks or dict
        self._marks_version = marks_version or (lambda: None)
        self.snapshots = Snapshots()

    def history(self, username: str | None = None) -> list[dict]:
        """The store's history, each graded score counting the instructors' marks (the
        formgrader's points given by hand)."""
        marks = self._marks()
        if not marks:
            return self.store.history(username)
        return [{**row, "score": marked_score(row["score"], row["submitted_at"],
                                              marks.get((row["username"], row["assignment"])))}
                for row in self.store.history(username)]

    def _state_key(self, *what, versions: tuple | None = None) -> tuple:
        """Names the state of everything the class-wide pages are made of. Time and activity
        count to the hour: they only decide who is at risk (7 days without activity), and a
        class at work moves its activity every few minutes, which would otherwise work the
        whole class out again each time."""
        people = tuple((learner.name, to_the_hour(learner.last_activity))
                       for learner in self._hub_learners())
        return (*what, *(versions or self.peer.versions()), self._marks_version(), hash(people),
                frozenset(self._instructors()), to_the_hour(self.now()))

    def _learners(self, history: list[dict] | None = None) -> list[progress.Learner]:
        """The class: the hub's learners (with their activity, asked every 30 s), and anyone
        who worked in the course since (not an instructor)."""
        known = {learner.name: learner for learner in self._hub_learners()}
        staff = self._instructors()
        worked = {row["username"] for row in (history or [])} | \
            {name for name, _ in self.store.fetched()}
        for name in worked - set(known) - staff:
            known[name] = progress.Learner(name, None)
        return sorted(known.values(), key=lambda learner: learner.name)

    @property
    def course(self) -> Course:
        return self._course()

    def _teacher(self, who: Identity) -> None:
        if not who.may_teach:
            raise Refused(403, "instructors_only")

    def peer_points(self, versions: tuple | None = None) -> dict[tuple[str, str], int | None]:
        """Each learner's peer grade on each peer-reviewed exercise (newest submission), worked
        out once per state of the reviews (a learner's course page and badges need theirs)."""
        return self.snapshots.get(self._state_key("peer points", versions=versions),
                                  self._peer_points)

    def _peer_points(self) -> dict[tuple[str, str], int | None]:
        points = {}
        for assignment in self.course.assignments:
            if not assignment.peer_reviewed:
                continue
            candidates, _ = self.peer.peer_store.pool(assignment.name)
            grades = self.peer.grades(assignment)
            for candidate in candidates:
                if not candidate.withdrawn:
                    points[(candidate.author, assignment.name)] = \
                        grades[candidate.submission]["points"]
        return points

    # ---- instructors ----

    def dashboard(self, who: Identity, week: int | None = None) -> dict:
        self._teacher(who)
        return self.snapshots.get(self._state_key("dashboard", week),
                                  lambda: self._dashboard(who, week))

    def dashboard_html(self, who: Identity, week: int | None, xsrf: str, language: str) -> str:
        """The dashboard's page, drawn once per state of the data (each form's xsrf token
        written in afterwards: it is the reader's own)."""
        self._teacher(who)
        key = self._state_key("dashboard", week)

        def draw() -> str:
            state = self.snapshots.get(key, lambda: self._dashboard(who, week))
            return pages.dashboard_page(state, XSRF_SLOT, language)
        return self.snapshots.get((*key, "page", language), draw).replace(XSRF_SLOT, xsrf)

    def _dashboard(self, who: Identity, week: int | None) -> dict:
        course, now = self.course, self.now()
        history = self.history()
        people = self._learners(history)
        names = [learner.name for learner in people]
        found = progress.states(history, self.store.fetched())
        peer = {}
        for assignment in course.assignments:
            if assignment.peer_reviewed and (week is None or assignment.week == week):
                state = self.peer.staff_overview(who, assignment.name)
                peer[assignment.name] = {
                    "waiting": sum(1 for s in state["submissions"]
                                   if not s["withdrawn"] and s["done"] < s["needed"]),
                    "flagged": sum(1 for r in state["flagged"] if not r["hidden"]),
                    "far": sum(1 for c in state["calibrations"].values() if c.far)}
        return {"week": week, "weeks": course.weeks, "learners": len(names),
                "exercises": progress.exercise_stats(course, names, found, week),
                "peer": peer, "at_risk": progress.at_risk(people, found, now),
                "released": self.store.released_hidden()}

    def export(self, who: Identity, week: int | None = None) -> str:
        self._teacher(who)
        return self.snapshots.get(self._state_key("export", week), lambda: self._export(week))

    def _export(self, week: int | None) -> str:
        course = self.course
        history = self.history()
        names = [learner.name for learner in self._learners(history)]
        found = progress.states(history, self.store.fetched())
        submitted = {}
        for row in history:
            submitted[(row["username"], row["assignment"])] = row["submitted_at"].isoformat()
        peer = self.peer_points()
        weeks = {name: progress.week_grades(course, name, found, peer) for name in names}
        return export.grades_csv(course, names, found, submitted, peer, weeks, week)

    # ---- learners ----

    def course_page(self, who: Identity) -> dict:
        """Where the learner stands: each open week's exercises, what opens next."""
        course, now, versions = self.course, self.now(), self.peer.versions()
        found = progress.states(self.history(who.name), self.store.fetched(who.name))
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
                "next": min(upcoming, key=lambda week: week.opens) if upcoming else None}
