"""Self-check questions (« Vérifie ta compréhension ») as data, and how an answer is judged
(pure: no widget, no file).

A question is a dict or a small TOML block written by a course author:

    id = "s1-print"                   # unique in the course: letters, digits, dashes
    kind = "single"                   # "single" (one answer), "multiple", or "output"
    question = "Que fait `print(2 + 3)` ?"
    code = "print(2 + 3)"             # optional: shown as code above the choices

    [[options]]                       # single and multiple: two or more, each explained
    text = "Il affiche 5."
    right = true
    explanation = "Python calcule 2 + 3, puis print affiche le résultat."

An ``output`` question (« what does this code print? ») has ``answers`` (what is accepted, as
printed) and ``explanation`` (said once found), and may list ``mistakes``: likely wrong answers
with what to say about each (``[[mistakes]] answer = "2 + 3" explanation = "..."``).

A learner has ``TRIES`` tries; a wrong answer is explained each time, and after the last one
the right answer is shown with every option's explanation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

KINDS = ("single", "multiple", "output")
TRIES = 2
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class QuestionError(ValueError):
    """A question an author wrote that cannot be asked; ``key`` and ``params`` say why in the
    catalogue's words (section ``widgets``)."""

    def __init__(self, key: str, **params):
        super().__init__(key, params)
        self.key, self.params = key, params


@dataclass(frozen=True)
class Option:
    text: str
    right: bool
    explanation: str


@dataclass(frozen=True)
class Mistake:
    answer: str
    explanation: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    question: str
    code: str = ""
    options: tuple[Option, ...] = ()
    answers: tuple[str, ...] = ()
    explanation: str = ""
    mistakes: tuple[Mistake, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """What a learner is told after a try: ``said`` are (what, explanation) pairs, ``what``
    being an option's text, a wrong answer, or "" for the question's own explanation."""
    right: bool
    said: tuple[tuple[str, str], ...]


@dataclass
class Attempts:
    """A learner's tries at one question (saved between sessions)."""
    tries: int = 0
    right: bool = False
    answer: object = None
    history: list = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.right or self.tries >= TRIES

    @property
    def revealed(self) -> bool:
        return self.tries >= TRIES and not self.right


def table_with_id(data: dict | str) -> tuple[dict, str]:
    """An author's widget data (a dict, or TOML text) and its ``id``; QuestionError if it is
    neither, or has no valid id."""
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as error:
            raise QuestionError("not_toml", error=str(error)) from None
    if not isinstance(data, dict):
        raise QuestionError("not_a_table")
    ident = data.get("id")
    if not isinstance(ident, str) or not ID.match(ident):
        raise QuestionError("bad_id", id=str(ident))
    return data, ident


def parse(data: dict | str) -> Question:
    """The question ``data`` describes (a dict, or TOML text); QuestionError if it cannot be
    asked, naming what is wrong."""
    data, ident = table_with_id(data)
    kind = data.get("kind", "single")
    if kind not in KINDS:
        raise QuestionError("bad_kind", id=ident, kind=str(kind), kinds=", ".join(KINDS))
    question = _text(data, "question", ident)
    code = data.get("code", "")
    if not isinstance(code, str):
        raise QuestionError("not_text", id=ident, field="code")
    unknown = set(data) - {"id", "kind", "question", "code", "options", "answers",
                           "explanation", "mistakes"}
    if unknown:
        raise QuestionError("unknown_fields", id=ident, fields=", ".join(sorted(unknown)))
    if kind == "output":
        answers = data.get("answers")
        if isinstance(answers, str):
            answers = [answers]
        if not answers or not all(isinstance(a, str) for a in answers):
            raise QuestionError("no_answers", id=ident)
        mistakes = []
        for item in data.get("mistakes", []):
            if not isinstance(item, dict):
                raise QuestionError("bad_mistake", id=ident)
            mistakes.append(Mistake(_text(item, "answer", ident), _text(item, "explanation",
                                                                        ident)))
        return Question(ident, kind, question, code, answers=tuple(answers),
                        explanation=_text(data, "explanation", ident),
                        mistakes=tuple(mistakes))
    options = data.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise QuestionError("few_options", id=ident)
    parsed = []
    for item in options:
        if not isinstance(item, dict):
            raise QuestionError("bad_option", id=ident)
        right = item.get("right", False)
        if not isinstance(right, bool):
            raise QuestionError("bad_right", id=ident)
        parsed.append(Option(_text(item, "text", ident), right,
                             _text(item, "explanation", ident)))
    rights = sum(option.right for option in parsed)
    if kind == "single" and rights != 1:
        raise QuestionError("single_needs_one", id=ident, n=rights)
    if kind == "multiple" and rights < 1:
        raise QuestionError("multiple_needs_some", id=ident)
    if len({option.text for option in parsed}) != len(parsed):
        raise QuestionError("same_option", id=ident)
    return Question(ident, kind, question, code, options=tuple(parsed))


def _text(data: dict, name: str, ident: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise QuestionError("missing_text", id=ident, field=name)
    return value


def printed(text: str) -> str:
    """An output as compared: lines without trailing spaces, no spaces or blank lines at
    either end (a space typed before the answer is not another answer)."""
    lines = [line.rstrip() for line in str(text).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def judge(question: Question, answer) -> Verdict:
    """Whether ``answer`` is right, and what to say: for a choice, the explanation of every
    option chosen and of every right option missed; for an output, the question's explanation,
    or a known mistake's."""
    if question.kind == "output":
        given = printed(answer or "")
        if given in {printed(a) for a in question.answers}:
            return Verdict(True, (("", question.explanation),))
        for mistake in question.mistakes:
            if printed(mistake.answer) == given:
                return Verdict(False, ((given, mistake.explanation),))
        return Verdict(False, ())
    chosen = _chosen(question, answer)
    right = chosen == {i for i, option in enumerate(question.options) if option.right}
    said = tuple((option.text, option.explanation) for i, option in enumerate(question.options)
                 if i in chosen or (right and option.right))
    return Verdict(right, said)


def _chosen(question: Question, answer) -> set[int]:
    if answer is None:
        return set()
    indices = answer if isinstance(answer, (list, tuple, set)) else [answer]
    return {i for i in indices if isinstance(i, int) and 0 <= i < len(question.options)}


def answered(question: Question, answer) -> bool:
    """Whether there is something to judge (no try is spent on an empty answer)."""
    if question.kind == "output":
        return bool(printed(answer or ""))
    return bool(_chosen(question, answer))


def attempt(question: Question, state: Attempts, answer) -> tuple[Attempts, Verdict]:
    """One try: the new state and the verdict. A question already over is judged without
    spending a try (the learner may still try other options, to read their explanations)."""
    verdict = judge(question, answer)
    if state.over:
        return state, verdict
    tries = state.tries + 1
    history = [*state.history, answer]
    return Attempts(tries, verdict.right, answer, history), verdict


def solution(question: Question) -> tuple[tuple[str, str], ...]:
    """Everything said once the answer is shown: every option (right ones first) with its
    explanation, or the accepted answer with the explanation."""
    if question.kind == "output":
        return ((question.answers[0], question.explanation),)
    ordered = sorted(question.options, key=lambda option: not option.right)
    return tuple((option.text, option.explanation) for option in ordered)
