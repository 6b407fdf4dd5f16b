"""The class's answers to the lessons' self-check questions (decoder_widgets' quiz), shared by
learners who agreed to it: kept per learner (their latest tries at each question, so that
nobody counts twice), shown to instructors only as counts per question, never with a name.

What a learner's kernel sends (``record``): ``{"tries": 1 or 2, "right": true|false}`` for a
question id. The aggregation (``summary``) is pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..protocol import PayloadError
from .store import metadata, utcnow

table = sa.Table(
    "self_check_answers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run", sa.String(64), nullable=False),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("question", sa.String(80), nullable=False),
    sa.Column("tries", sa.Integer, nullable=False),
    sa.Column("right", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("run", "username", "question"),
)
MAX_TRIES = 2  # decoder_widgets.questions.TRIES


def answer_of(payload: object) -> tuple[int, bool]:
    """(tries, right) from a request's body; PayloadError if it is anything else."""
    if not isinstance(payload, dict) or set(payload) != {"tries", "right"}:
        raise PayloadError("bad_self_check")
    tries, right = payload["tries"], payload["right"]
    if type(tries) is not int or not 1 <= tries <= MAX_TRIES or type(right) is not bool:
        raise PayloadError("bad_self_check")
    return tries, right


@dataclass(frozen=True)
class QuestionSummary:
    question: str
    learners: int  # who shared an answer
    first_try: int  # right at the first try
    second_try: int  # right at the second
    missed: int  # not right after their tries (the answer was shown)
    trying: int  # one wrong try so far, a second to come


def summary(rows: list[tuple[str, int, bool]]) -> list[QuestionSummary]:
    """Counts per question from (question, tries, right) rows, the most missed first."""
    by_question: dict[str, list[tuple[int, bool]]] = {}
    for question, tries, right in rows:
        by_question.setdefault(question, []).append((tries, right))
    result = []
    for question, answers in by_question.items():
        result.append(QuestionSummary(
            question, len(answers),
            sum(1 for tries, right in answers if right and tries == 1),
            sum(1 for tries, right in answers if right and tries > 1),
            sum(1 for tries, right in answers if not right and tries >= MAX_TRIES),
            sum(1 for tries, right in answers if not right and tries < MAX_TRIES)))
    return sorted(result, key=lambda s: (-(s.missed + s.second_try) / s.learners, s.question))


class SelfChecks:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def record(self, run: str, username: str, question: str, tries: int, right: bool,
               at: dt.datetime | None = None) -> None:
        """Keep a learner's latest tries at a question (a later try replaces an earlier)."""
        values = {"tries": tries, "right": right, "answered_at": at or utcnow()}
        with self.engine.begin() as db:
            updated = db.execute(table.update().where(
                table.c.run == run, table.c.username == username,
                table.c.question == question).values(**values))
            if updated.rowcount == 0:
                db.execute(table.insert().values(run=run, username=username,
                                                 question=question, **values))

    def summary(self, run: str, staff: set[str] = frozenset()) -> list[QuestionSummary]:
        """The run's counts per question, the ``staff``'s own tries left out."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(table.c.username, table.c.question, table.c.tries,
                                        table.c.right).where(table.c.run == run)).all()
        return summary([(q, t, r) for name, q, t, r in rows if name not in staff])
