"""Peer review, apart from HTTP: each method takes the caller's identity (from the hub) and
returns plain data, or raises ``Refused`` (the catalogue's ``peer`` and ``service`` sections).

Who may do what: a learner asks for work, opens and gives the reviews they hold, reads the
reviews of their own newest submission once they have given what they owe, and rates or flags
those; nobody else's. Reviewers and authors never learn each other's names. Instructors (the
``instructors`` group) see everything and act: withdraw a submission, hide a review, give a
staff review that replaces the peers'; every such action is recorded with who and when.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import nbformat

from ..course import Assignment, Course
from ..messages import say
from ..protocol import plain_number
from ..service import feedback
from ..service.rules import Refused
from ..service.service import Identity
from ..service.snapshots import Snapshots
from ..service.store import Store
from . import allocation, scoring
from .anonymise import anonymised
from .outputs import cell_outputs
from .store import PeerStore, withdrawals
from .store import reviews as review_table

MAX_CELL_COMMENT = 2_000
MAX_COMMENT = 10_000
MAX_REASON = 1_000


class PeerService:
    def __init__(self, store: Store, peer: PeerStore, storage: Path, course: Callable[[], Course],
                 *, language: str = "fr", min_comment: int = 40,
                 now: Callable[[], dt.datetime] | None = None):
        self.store, self.peer_store, self.storage = store, peer, storage
        self._course = course
        self.language, self.min_comment = language, min_comment
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self._pools = Snapshots(keep=64)

    def versions(self) -> tuple:
        """The state of both stores (one query each): what snapshots are keyed on. A page
        reads it once and passes it on."""
        return self.store.version(), self.peer_store.version()

    def pool_index(self, name: str, run: str,
                   versions: tuple | None = None) -> allocation.PoolIndex:
        """The exercise's newest submissions in ``run`` and their reviews by person, read once
        per state of the stores (each learner's pages need the class's pool to say what they
        owe)."""
        key = (name, run, *(versions or self.versions()))
        return self._pools.get(
            key, lambda: allocation.PoolIndex.of(*self.peer_store.pool(name, run)))

    @property
    def course(self) -> Course:
        """The course in the current run: its pools and windows are that run's."""
        return self._course()

    @property
    def run(self) -> str:
        return self.course.run.name

    def for_run(self, course: Course) -> PeerService:
        """This service as it stands in another run (``course.in_run(run)``): an instructor's
        view of a past run. It shares the stores and the pools' snapshots (keyed by run)."""
        bound = copy.copy(self)
        bound._course = lambda: course
        return bound

    # ---- what an exercise is ----

    def assignment(self, name: str) -> Assignment:
        try:
            assignment = self.course.assignment(name)
        except KeyError:
            raise Refused(404, "unknown_assignment", name=name) from None
        if not assignment.peer_reviewed:
            raise Refused(404, "not_peer_reviewed", name=name)
        return assignment

    def window(self, assignment: Assignment) -> tuple[dt.datetime, dt.datetime]:
        week = self.course.week(assignment.week)
        return week.due, week.peer_review_due

    def _review_time(self, assignment: Assignment) -> None:
        opens, closes = self.window(assignment)
        now = self.now()
        if now < opens:
            raise Refused(403, "review_not_open", opens=opens)
        if now > closes:
            raise Refused(403, "review_closed", closes=closes)

    # ---- learners ----

    def overview(self, who: Identity, name: str, versions: tuple | None = None) -> dict:
        assignment = self.assignment(name)
        pool = self.pool_index(name, self.run, versions)
        opens, closes = self.window(assignment)
        now = self.now()
        mine = pool.reviews_by(who.name)
        given = [review.id for review in mine if review.done]
        return {
            "assignment": name, "title": assignment.title, "opens": opens, "closes": closes,
            "open": opens <= now <= closes, "submitted": who.name in pool.by_author,
            "given": len(given),
            "owed": pool.owed(who.name, assignment.reviews_to_give),
            "required": assignment.reviews_to_give,
            "held": [review.id for review in mine if not review.done and review.active(now)],
            "given_ids": given,
        }

    def ask(self, who: Identity, name: str) -> int:
        """The review the learner should do now: one they hold, or a new hold."""
        assignment = self.assignment(name)
        self._review_time(assignment)
        opens, _ = self.window(assignment)
        self.peer_store.ensure_lock(name)
        now = self.now()

        def decide(candidates, reviews, at):
            return allocation.allocate(who.name, candidates, reviews,
                                       required=assignment.reviewers, review_opens=opens,
                                       now=at)

        held = self.peer_store.hold(name, self.run, who.name, now, now + allocation.HOLD,
                                    decide)
        if held is None:
            raise Refused(409, "nothing_to_review")
        return held[0]

    def _held_by(self, who: Identity, review_id: int) -> dict:
        review = self.peer_store.review(review_id)
        if review is None or review["reviewer"] != who.name or review["staff"]:
            raise Refused(404, "not_your_review")
        return review

    def review_form(self, who: Identity, review_id: int) -> dict:
        """What the reviewer sees: the rubric, the copy's cells, the autograder's results on
        the submission, and what they gave if they already did. Never the author's name."""
        review = self._held_by(who, review_id)
        assignment = self.assignment(review["assignment"])
        copy = self.copy_notebook(review)
        return {"id": review_id, "assignment": assignment.name, "title": assignment.title,
                "rubric": assignment.rubric, "cells": copy.cells[1:],
                "outputs": cell_outputs(self._graded(review["submission_id"]),
                                        len(copy.cells) - 1, review["author"], self.language),
                "autograder": self._autograder(review["submission_id"]),
                "done": review["done_at"] is not None, "points": review["points"],
                "comment": review["comment"], "cell_comments": review["cell_comments"],
                "held_until": review["held_until"], "counted": review["counted"],
                "min_comment": self.min_comment}

    def copy_for(self, who: Identity, review_id: int) -> dict:
        """The anonymised notebook, for the reviewer's JupyterLab (decoder_lab.py)."""
        review = self._held_by(who, review_id)
        notebook = self.copy_notebook(review)
        return {"assignment": review["assignment"], "filename": f"copie-{review_id}.ipynb",
                "notebook": json.loads(nbformat.writes(notebook))}

    def copy_notebook(self, review: dict) -> nbformat.NotebookNode:
        folder = self.storage / review["folder"]
        original = nbformat.read(folder / f"{review['assignment']}.ipynb", 4)
        heading = say("peer.copy_heading", self.language, review=review["id"],
                      form=f"/services/course/peer/review/{review['id']}")
        return anonymised(original, review["author"], heading=heading)

    def _graded(self, submission_id: int) -> dict | None:
        """The notebook as the grading sandbox ran it (its outputs), if it was graded."""
        row = self.store.submission(submission_id)
        path = (row or {}).get("result") and row["result"].get("graded_notebook")
        if not path:
            return None
        try:
            return json.loads((self.storage / path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _autograder(self, submission_id: int) -> list[dict]:
        """The autograder's results on a submission, as its author may read them."""
        row = self.store.submission(submission_id)
        if not row or not row["result"]:
            return []
        released = self.store.hidden_released(row["assignment"], run=row["run"])
        view = feedback.learner_view(json.loads(row["result"]["report"]), released,
                                     self.language)
        return [{"test": t["grade_id"], "passed": not t.get("message"),
                 "message": t.get("message", "")} for t in view["tests"]]

    def give(self, who: Identity, review_id: int, form: dict) -> None:
        review = self._held_by(who, review_id)
        assignment = self.assignment(review["assignment"])
        self._review_time(assignment)
        if review["done_at"] is not None:
            raise Refused(409, "review_already_given")
        points = self._points(assignment, form.get("points"))
        comment = str(form.get("comment") or "").strip()
        if len(comment) < self.min_comment:
            raise Refused(400, "comment_too_short", most=self.min_comment, n=len(comment))
        if len(comment) > MAX_COMMENT:
            raise Refused(400, "text_too_long", most=MAX_COMMENT)
        cells = self._cell_comments(review, form.get("cell_comments") or {})
        if not self.peer_store.give(review_id, who.name, points, comment, cells, self.now()):
            raise Refused(409, "review_already_given")

    @staticmethod
    def _points(assignment: Assignment, given: object) -> list[int]:
        if not isinstance(given, list) or len(given) != len(assignment.rubric):
            raise Refused(400, "rubric_incomplete")
        points = []
        for criterion, value in zip(assignment.rubric, given, strict=True):
            allowed = {level.points for level in criterion.levels}
            if type(value) is not int or value not in allowed:
                raise Refused(400, "rubric_incomplete")
            points.append(value)
        return points

    def _cell_comments(self, review: dict, given: object) -> dict[str, str]:
        if not isinstance(given, dict):
            raise Refused(400, "malformed")
        cells = len(self.copy_notebook(review).cells) - 1
        kept = {}
        for key, text in given.items():
            number = plain_number(key, 6)
            if number is None or not 0 <= number < cells or not isinstance(text, str):
                raise Refused(400, "malformed")
            if len(text) > MAX_CELL_COMMENT:
                raise Refused(400, "text_too_long", most=MAX_CELL_COMMENT)
            if text.strip():
                kept[str(number)] = text.strip()
        return kept

    def received(self, who: Identity, name: str) -> dict:
        """The reviews of the learner's newest submission, once they gave what they owe."""
        assignment = self.assignment(name)
        pool = self.pool_index(name, self.run)
        mine = pool.by_author.get(who.name)
        owed = pool.owed(who.name, assignment.reviews_to_give)
        state = {"assignment": name, "title": assignment.title, "owed": owed,
                 "submitted": mine is not None, "reviews": [], "grade": None,
                 "calibration": self.calibrations(assignment).get(who.name)}
        if mine is None or owed:
            return state
        shown = [r for r in self.peer_store.reviews_of(assignment=name, submission=mine.submission)
                 if r["done_at"] is not None and not r["hidden"]]
        state["reviews"] = [{"id": r["id"], "points": r["points"], "comment": r["comment"],
                             "cell_comments": r["cell_comments"], "counted": r["counted"],
                             "staff": r["staff"], "rating": r["rating"]} for r in shown]
        state["grade"] = self.grade(assignment, mine.submission)
        closes = self.window(assignment)[1]
        state["grade"]["final"] = scoring.grade_is_final(
            state["grade"], assignment.reviewers, self.now() > closes)
        state["grade"] |= {"needed": assignment.reviewers, "closes": closes}
        state["week_grade"] = self.week_grade(who.name, assignment, state["grade"]["points"])
        return state

    def week_grade(self, learner: str, assignment: Assignment, peer: int | None) -> float:
        """The learner's grade of the peer exercise's week (course.toml's [grading])."""
        autograded = [a for a in self.course.assignments_of(assignment.week)
                      if not a.peer_reviewed]
        scored = 0.0
        for other in autograded:
            graded = [row for row in self.store.submissions_of(learner, other.name,
                                                               run=self.run)
                      if row["result"]]
            scored += graded[-1]["result"]["score"] if graded else 0.0
        return scoring.week_grade(scored, sum(a.points for a in autograded), peer,
                                  assignment.points, self.course.autograde_weight,
                                  self.course.peer_weight)

    def rate(self, who: Identity, review_id: int, helpful: bool | None, flagged: bool,
             reason: str) -> None:
        review = self.peer_store.review(review_id)
        if review is None or review["author"] != who.name or review["done_at"] is None \
                or review["hidden"]:
            raise Refused(404, "not_your_review")
        if flagged and not reason.strip():
            raise Refused(400, "flag_needs_reason")
        self.peer_store.rate(review_id, helpful, flagged, reason.strip()[:MAX_REASON], self.now())

    # ---- grades and calibration ----

    def calibrations(self, assignment: Assignment) -> dict[str, scoring.Calibration]:
        """Each reviewer's agreement with the autograder on this exercise's calibrated
        criteria (scoring.py's rule)."""
        mapped = [(index, criterion) for index, criterion in enumerate(assignment.rubric)
                  if criterion.tests]
        judgments: dict[str, list[float]] = {}
        passed_of: dict[int, dict[str, bool]] = {}
        for review in self.peer_store.reviews_of(assignment=assignment.name, run=self.run):
            if review["done_at"] is None or review["staff"] or review["hidden"] or not mapped:
                continue
            if review["submission_id"] not in passed_of:
                passed_of[review["submission_id"]] = self._passed_tests(review["submission_id"])
            passed = passed_of[review["submission_id"]]
            for index, criterion in mapped:
                known = [passed[test] for test in criterion.tests if test in passed]
                if not known:
                    continue
                best = max(level.points for level in criterion.levels)
                expected = scoring.expected_points(sum(known), len(known), best)
                judgments.setdefault(review["reviewer"], []).append(
                    scoring.agreement(review["points"][index], expected, best))
        return {reviewer: scoring.calibration(values) for reviewer, values in judgments.items()}

    def _passed_tests(self, submission_id: int) -> dict[str, bool]:
        row = self.store.submission(submission_id)
        if not row or not row["result"]:
            return {}
        report = json.loads(row["result"]["report"])
        return {t["grade_id"]: not t.get("message") for t in report.get("tests", [])}

    def grade(self, assignment: Assignment, submission_id: int,
              calibrations: dict[str, scoring.Calibration] | None = None) -> dict:
        """A submission's peer grade: per criterion and in all, with how it was reached."""
        calibrations = self.calibrations(assignment) if calibrations is None else calibrations
        return self._grade(assignment, self.peer_store.reviews_of(
            assignment=assignment.name, submission=submission_id), calibrations)

    def grades(self, assignment: Assignment,
               calibrations: dict[str, scoring.Calibration] | None = None) -> dict[int, dict]:
        """Every submission's peer grade on ``assignment``, from one read of its reviews."""
        calibrations = self.calibrations(assignment) if calibrations is None else calibrations
        run = self.run
        by_submission: dict[int, list[dict]] = {}
        for review in self.peer_store.reviews_of(assignment=assignment.name, run=run):
            by_submission.setdefault(review["submission_id"], []).append(review)
        candidates, _ = self.peer_store.pool(assignment.name, run)
        return {c.submission: self._grade(assignment, by_submission.get(c.submission, []),
                                          calibrations) for c in candidates}

    @staticmethod
    def _grade(assignment: Assignment, reviews: list[dict],
               calibrations: dict[str, scoring.Calibration]) -> dict:
        given = [r for r in reviews if r["done_at"] is not None and not r["hidden"]]
        staff = [r for r in given if r["staff"]]
        counted = [scoring.Given(tuple(r["points"]),
                                 calibrations.get(r["reviewer"], scoring.calibration([])).weight)
                   for r in given if r["counted"] and not r["staff"]]
        staff_given = scoring.Given(tuple(staff[-1]["points"])) if staff else None
        per_criterion = tuple(staff_given.points) if staff_given else \
            scoring.criterion_points(counted, len(assignment.rubric))
        return {"points": scoring.peer_points(counted, len(assignment.rubric), staff_given),
                "max_points": assignment.points, "per_criterion": per_criterion,
                "counted": len(counted), "by_staff": staff_given is not None}

    # ---- staff ----

    def _teacher(self, who: Identity) -> None:
        if not who.may_teach:
            raise Refused(403, "instructors_only")

    def staff_overview(self, who: Identity, name: str) -> dict:
        self._teacher(who)
        assignment = self.assignment(name)
        run = self.course.run
        opens, _ = self.window(assignment)
        candidates, reviews = self.peer_store.pool(name, run.name)
        now = self.now()
        calibrations = self.calibrations(assignment)
        all_reviews = self.peer_store.reviews_of(assignment=name, run=run.name)
        grades = self.grades(assignment, calibrations)
        waiting = []
        for candidate in sorted(candidates, key=lambda c: c.submitted_at):
            done = sum(1 for r in reviews if r.submission == candidate.submission and r.done
                       and r.counted)
            needed = allocation.needed(candidate, assignment.reviewers, opens, now)
            waiting.append({"submission": candidate.submission, "author": candidate.author,
                            "submitted_at": candidate.submitted_at, "done": done,
                            "needed": needed, "withdrawn": candidate.withdrawn,
                            "late": candidate.submitted_at > opens,
                            "waiting_since": max(candidate.submitted_at, opens),
                            "grade": grades[candidate.submission]})
        flagged = [r for r in all_reviews if r["rating"] and r["rating"]["flagged"]]
        return {"assignment": name, "title": assignment.title, "rubric": assignment.rubric,
                "now": now, "submissions": waiting, "flagged": flagged,
                "calibrations": calibrations, "reviews": all_reviews, "zone": run.zone,
                "actions": self.peer_store.actions(name, run.name)}

    def withdraw(self, who: Identity, submission_id: int, reason: str) -> None:
        self._teacher(who)
        row = self.store.submission(submission_id)
        if row is None:
            raise Refused(404, "not_yours")
        self.assignment(row["assignment"])
        if not reason.strip():
            raise Refused(400, "reason_needed")
        if self.peer_store.withdrawn(submission_id):
            return

        def change(db):
            db.execute(withdrawals.insert().values(
                submission_id=submission_id, by=who.name, at=self.now().replace(tzinfo=None),
                reason=reason.strip()[:MAX_REASON]))

        self.peer_store.act(row["assignment"], row["run"], who.name, "withdraw",
                            submission_id, reason.strip()[:MAX_REASON], self.now(), change)

    def hide(self, who: Identity, review_id: int, reason: str) -> None:
        self._teacher(who)
        review = self.peer_store.review(review_id)
        if review is None:
            raise Refused(404, "not_your_review")
        if not reason.strip():
            raise Refused(400, "reason_needed")

        def change(db):
            db.execute(review_table.update().where(review_table.c.id == review_id)
                       .values(hidden=True))

        self.peer_store.act(review["assignment"], review["run"], who.name, "hide", review_id,
                            reason.strip()[:MAX_REASON], self.now(), change)

    def staff_review(self, who: Identity, submission_id: int, form: dict) -> None:
        self._teacher(who)
        row = self.store.submission(submission_id)
        if row is None:
            raise Refused(404, "not_yours")
        assignment = self.assignment(row["assignment"])
        points = self._points(assignment, form.get("points"))
        comment = str(form.get("comment") or "").strip()[:MAX_COMMENT]
        now = self.now().replace(tzinfo=None)

        def change(db):
            db.execute(review_table.insert().values(
                assignment=assignment.name, submission_id=submission_id, reviewer=who.name,
                counted=True, staff=True, held_until=None, created_at=now, done_at=now,
                points=json.dumps(points), comment=comment, cell_comments="{}",
                hidden=False))

        self.peer_store.act(assignment.name, row["run"], who.name, "staff_review",
                            submission_id, json.dumps({"points": points}), self.now(), change)
