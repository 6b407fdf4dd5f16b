"""Badges earned, issued once and kept: a week's badge when the learner's grade of that week
reaches ``[badges] week`` of course.toml, the course's when every week's is earned and their
mean reaches ``[badges] course``. Each is an Open Badges 3.0 credential signed by the platform
(badges.py), stored with its issue date so that it never changes once downloaded. Badges are
earned in the current course run (a learner who takes the course again earns them again in
the new run) and kept for ever: a learner's page shows all of theirs."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import sqlalchemy as sa
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..course import Course
from ..messages import message, say
from ..service.rules import Refused
from ..service.service import Identity
from ..service.store import as_utc, metadata
from . import badges, progress
from .view import CourseView

table = sa.Table(
    "badges", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("run", sa.String(64), nullable=False),
    sa.Column("username", sa.String(255), nullable=False, index=True),
    sa.Column("achievement", sa.String(64), nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("token", sa.Text, nullable=False),
    sa.UniqueConstraint("run", "username", "achievement"),
)
subjects = sa.Table(  # a random identifier per learner, named in their badges (migration 0006)
    "badge_subjects", metadata,
    sa.Column("username", sa.String(255), primary_key=True),
    sa.Column("subject_id", sa.String(64), nullable=False, unique=True),
)
COURSE = "cours"


def earned(course: Course, weeks: dict[int, float]) -> list[str]:
    """The achievements a learner's week grades earn (pure): ``semaine-N``, and ``cours``."""
    won = [f"semaine-{number}" for number, grade in sorted(weeks.items())
           if grade >= course.badge_week]
    if weeks and len(won) == len(course.weeks) and \
            sum(weeks.values()) / len(weeks) >= course.badge_course:
        won.append(COURSE)
    return won


def badge_image(title: str, subtitle: str) -> bytes:
    """A round PNG badge (matplotlib, no font file of our own)."""
    figure = Figure(figsize=(2.4, 2.4), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(-1, 1)
    axes.set_ylim(-1, 1)
    axes.add_patch(Circle((0, 0), 0.95, color="#3b6ea5"))
    axes.text(0, 0.18, title, ha="center", va="center", color="white", fontsize=15,
              weight="bold", wrap=True)
    axes.text(0, -0.3, subtitle, ha="center", va="center", color="white", fontsize=8,
              wrap=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=True, metadata={"Software": None})
    return buffer.getvalue()


class BadgeService:
    def __init__(self, engine: sa.Engine, view: CourseView, key_file: Path, service_url: str,
                 language: str = "fr", demo: bool = False):
        """``service_url``: the course service's public address (its own origin, with
        per-user origins), which names the badges' issuer and verification pages. ``demo``:
        the platform has no public address (public_base_url unset), so its badges' links lead
        nowhere anyone else can reach: they are issued as demonstration badges, and say so."""
        self.engine, self.view, self.key_file = engine, view, key_file
        self.demo = demo
        self.base = service_url.rstrip("/") + "/badges"
        self.language = language
        self.key = badges.load_or_create_key(key_file)

    @property
    def issuer_id(self) -> str:
        return f"{self.base}/issuer"

    def issuer(self) -> dict:
        return badges.issuer_profile(self.issuer_id, self.view.course.title,
                                     self.key.public_key())

    def mine(self, who: Identity, found: dict | None = None,
             versions: tuple | None = None) -> list[dict]:
        """The learner's badges, issuing those newly earned (``found``: their exercises'
        states, and ``versions``: the stores' state, when the caller has them already)."""
        course = self.view.course
        run = course.run.name
        if found is None:
            found = progress.states(self.view.history(course, who.name),
                                    self.view.store.fetched(who.name, run=run))
        peer = {key: value for key, value in self.view.peer_points(course, versions).items()
                if key[0] == who.name}
        weeks = progress.week_grades(course, who.name, found, peer)
        rows = self._badges_of(who.name)
        held = {row["achievement"] for row in rows if row["run"] == run}
        new = [achievement for achievement in earned(course, weeks) if achievement not in held]
        for achievement in new:
            week = None if achievement == COURSE else int(achievement.split("-")[1])
            peer_graded = week is not None and any(
                points is not None for (_, name), points in peer.items()
                if course.assignment(name).week == week)
            # checks again: two at once issue once
            self._issue(who.name, achievement, run, peer_graded=peer_graded)
        if new:
            rows = self._badges_of(who.name)
        return [{"id": row["id"], "name": self._name(row["achievement"])} for row in rows]

    def _badges_of(self, username: str) -> list:
        with self.engine.connect() as db:
            return db.execute(sa.select(table).where(table.c.username == username)
                              .order_by(table.c.issued_at)).mappings().all()

    def _name(self, achievement: str) -> str:
        course = self.view.course
        if achievement == COURSE:
            return say("dashboard.badge_course", self.language, course=course.title)
        week = course.week(int(achievement.split("-")[1]))
        return say("dashboard.badge_week", self.language, number=week.number,
                   title=week.title)

    def _description(self, achievement: str, peer_graded: bool) -> str:
        """What the badge says was done: a week's names its peer-reviewed exercise only when
        the learner has a peer grade there; a demonstration badge says it is one."""
        key = "course" if achievement == COURSE else \
            "week" if peer_graded else "week_autograded"
        text = say(f"dashboard.badge_{key}_description", self.language)
        return say("dashboard.badge_demo", self.language, text=text) if self.demo else text

    def _subject(self, db, username: str) -> str:
        """The learner's identifier in their badges: random, kept, linked to nothing else."""
        found = db.execute(sa.select(subjects.c.subject_id).where(
            subjects.c.username == username)).scalar()
        if found:
            return found
        subject = f"urn:uuid:{uuid.uuid4()}"
        db.execute(subjects.insert().values(username=username, subject_id=subject))
        return subject

    def _issue(self, username: str, achievement: str, run: str, *,
               peer_graded: bool = False) -> None:
        with self.engine.begin() as db:
            if db.execute(sa.select(table.c.id).where(
                    table.c.run == run, table.c.username == username,
                    table.c.achievement == achievement)).first():
                return
            badge_id = uuid.uuid4().hex
            issued = dt.datetime.now(dt.UTC)
            name = self._name(achievement)
            if self.demo:
                name = say("dashboard.badge_demo_name", self.language, name=name)
            vc = badges.credential(
                badge_id=f"{self.base}/{badge_id}", issuer_id=self.issuer_id,
                issuer_name=self.view.course.title,
                achievement_id=f"{self.base}/achievements/{achievement}", name=name,
                description=self._description(achievement, peer_graded),
                criteria=say("dashboard.badge_criteria", self.language,
                             week=self.view.course.badge_week,
                             course=self.view.course.badge_course),
                subject_id=self._subject(db, username),
                issued=issued, image=f"{self.base}/{badge_id}.png", language=self.language)
            token = badges.sign(vc, self.key, kid=f"{self.issuer_id}#key-1")
            try:
                with db.begin_nested():
                    db.execute(table.insert().values(id=badge_id, username=username, run=run,
                                                     achievement=achievement,
                                                     issued_at=issued.replace(tzinfo=None),
                                                     token=token))
            except sa.exc.IntegrityError:  # issued at the same moment by another request
                pass

    def badge(self, who: Identity, badge_id: str) -> dict:
        """One of the learner's badges: its credential, token and baked image."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(table).where(table.c.id == badge_id)).mappings().first()
        if row is None or (row["username"] != who.name and not who.may_teach):
            raise Refused(404, "no_such_badge")
        vc = badges.verify(row["token"], self.key.public_key())
        image = badge_image(self.view.course.title, self._name(row["achievement"]))
        zone = self.view.course.run.zone
        return {"id": badge_id, "name": vc["name"],
                "issued": as_utc(row["issued_at"]).astimezone(zone),
                "token": row["token"], "credential": vc, "png": badges.bake(image, row["token"]),
                "verify": f"{self.base}/{badge_id}/verify"}

    def public_png(self, badge_id: str) -> bytes | None:
        """A badge's baked image by its (unguessable) id, for anyone it was shown to."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(table).where(table.c.id == badge_id)).mappings().first()
        if row is None:
            return None
        image = badge_image(self.view.course.title, self._name(row["achievement"]))
        return badges.bake(image, row["token"])

    def check(self, badge_id: str | None = None, token: str | None = None) -> dict:
        """Public verification: a stored badge by id, or any token; never raises for a
        forged one, says why instead."""
        if badge_id is not None:
            with self.engine.connect() as db:
                token = db.execute(sa.select(table.c.token).where(
                    table.c.id == badge_id)).scalar()
            if token is None:
                return {"valid": False, "reason": message("badge.unknown")}
        try:
            vc = badges.verify(token or "", self.key.public_key())
        except badges.BadgeInvalid as error:
            return {"valid": False, "reason": error.reason}
        try:  # shown in the course's time zone, as every date of ours
            issued = dt.datetime.fromisoformat(vc["issuanceDate"].replace("Z", "+00:00"))
            issued = issued.astimezone(self.view.course.run.zone)
        except (ValueError, AttributeError):
            issued = vc["issuanceDate"]
        return {"valid": True, "name": vc["name"], "issued": issued,
                "issuer": vc["issuer"]["name"], "subject": vc["credentialSubject"]["id"]}
