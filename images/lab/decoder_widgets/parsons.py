"""Parsons problems (pure): a program's lines, shuffled and without their indentation, to put
back in order and at the right level; distractor lines (optional) to leave out. Written as
data by a course author:

    id = "s2-parsons-panier"
    question = "Remettez les lignes dans l'ordre pour calculer le total du panier."
    setup = "panier = [2.5, 1.2, 4.0]"      # optional: run before the learner's program
    solution = '''
    total = 0
    for prix in panier:
        total = total + prix
    print(total)'''
    distractors = ["total = total + 1"]    # optional
    output = "7.7"                          # what the program must print (and/or checks)

    [[checks]]                              # optional: a variable's value after the run
    name = "total"
    expected = 7.7

« Vérifier » runs the assembled program (stepper.run: time and output limits) and judges it by
``output`` and ``checks``, so another right order is right too; when it is wrong, the first
line that differs from the author's solution is named.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from .questions import QuestionError, table_with_id

INDENT = 4


@dataclass(frozen=True)
class Line:
    text: str
    level: int  # the right level (0 for a distractor: it has none)
    distractor: bool = False


@dataclass(frozen=True)
class Problem:
    id: str
    question: str
    solution: tuple[Line, ...]
    distractors: tuple[Line, ...] = ()
    setup: str = ""
    output: str | None = None
    checks: tuple[tuple[str, object], ...] = ()

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.solution + self.distractors


@dataclass
class Arrangement:
    """The learner's work: line numbers (indices into ``Problem.lines``) in their order, a
    level for each, and those left out."""
    order: list[int]
    levels: dict[int, int] = field(default_factory=dict)
    left_out: set[int] = field(default_factory=set)
    solved: bool = False

    def program(self, problem: Problem) -> str:
        return "\n".join(" " * INDENT * self.levels.get(i, 0) + problem.lines[i].text
                         for i in self.order if i not in self.left_out)


def parse(data: dict | str) -> Problem:
    """The problem ``data`` describes; QuestionError (catalogue section ``widgets``) if it
    cannot be set."""
    data, ident = table_with_id(data)
    unknown = set(data) - {"id", "question", "solution", "distractors", "setup", "output",
                           "checks"}
    if unknown:
        raise QuestionError("unknown_fields", id=ident, fields=", ".join(sorted(unknown)))
    question, solution = data.get("question"), data.get("solution")
    for name, value in (("question", question), ("solution", solution)):
        if not isinstance(value, str) or not value.strip():
            raise QuestionError("missing_text", id=ident, field=name)
    lines = []
    for raw in solution.strip("\n").split("\n"):
        if not raw.strip():
            continue
        spaces = len(raw) - len(raw.lstrip(" "))
        if "\t" in raw[:spaces + 1] or spaces % INDENT:
            raise QuestionError("parsons_bad_indent", id=ident, line=raw.strip())
        lines.append(Line(raw.strip(), spaces // INDENT))
    if len(lines) < 3:
        raise QuestionError("parsons_few_lines", id=ident)
    distractors = data.get("distractors", [])
    if not isinstance(distractors, list) or not all(isinstance(d, str) and d.strip()
                                                    for d in distractors):
        raise QuestionError("parsons_distractors", id=ident)
    texts = [line.text for line in lines] + [d.strip() for d in distractors]
    if len(set(texts)) != len(texts):
        raise QuestionError("parsons_same_line", id=ident)
    output, checks = data.get("output"), data.get("checks", [])
    if output is not None and not isinstance(output, str):
        raise QuestionError("not_text", id=ident, field="output")
    if not isinstance(checks, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and "expected" in c
            for c in checks):
        raise QuestionError("parsons_checks", id=ident)
    if output is None and not checks:
        raise QuestionError("parsons_nothing_checked", id=ident)
    setup = data.get("setup", "")
    if not isinstance(setup, str):
        raise QuestionError("not_text", id=ident, field="setup")
    return Problem(ident, question, tuple(lines),
                   tuple(Line(d.strip(), 0, True) for d in distractors), setup, output,
                   tuple((c["name"], c["expected"]) for c in checks))


def shuffled(problem: Problem) -> Arrangement:
    """The lines in an order of their own (the same for a problem every time, never the
    solution's), all at level 0, none left out."""
    order = list(range(len(problem.lines)))
    generator = random.Random(problem.id)
    while True:
        generator.shuffle(order)
        if order[:len(problem.solution)] != list(range(len(problem.solution))):
            return Arrangement(order)


def move(arrangement: Arrangement, line: int, by: int) -> None:
    at = arrangement.order.index(line)
    to = min(max(at + by, 0), len(arrangement.order) - 1)
    arrangement.order.insert(to, arrangement.order.pop(at))


def shift(arrangement: Arrangement, line: int, by: int, most: int = 4) -> None:
    arrangement.levels[line] = min(max(arrangement.levels.get(line, 0) + by, 0), most)


@dataclass(frozen=True)
class Verdict:
    right: bool
    first_wrong: tuple[str, dict] | None = None  # (message key, params)
    seen: tuple[str, dict] | None = None  # what the program did, when it was not expected


def first_difference(problem: Problem, arrangement: Arrangement) -> tuple[str, dict] | None:
    """The first place where the learner's program differs from the author's solution."""
    kept = [i for i in arrangement.order if i not in arrangement.left_out]
    for i in kept:
        if problem.lines[i].distractor:
            return "parsons_distractor", {"line": problem.lines[i].text}
    for position, (mine, right) in enumerate(
            zip(kept, range(len(problem.solution)), strict=False), start=1):
        if mine != right:
            return "parsons_out_of_place", {"position": position,
                                            "line": problem.lines[mine].text}
        if arrangement.levels.get(mine, 0) != problem.lines[mine].level:
            key = "parsons_more_indent" if arrangement.levels.get(mine, 0) < \
                problem.lines[mine].level else "parsons_less_indent"
            return key, {"position": position, "line": problem.lines[mine].text}
    if len(kept) < len(problem.solution):
        missing = next(i for i in range(len(problem.solution)) if i not in kept)
        return "parsons_missing", {"line": problem.lines[missing].text}
    return None


def judge(problem: Problem, arrangement: Arrangement, printed: str,
          error: tuple | None, cut: str | None, values: dict) -> Verdict:
    """Whether the program the learner assembled does what the problem asks (``printed``,
    ``error``, ``cut`` and the ``values`` of the checked names come from running it)."""
    from graders.checks import meme_valeur  # the graders' strict comparison

    ok = error is None and cut is None
    if ok and problem.output is not None:
        ok = _printed(printed) == _printed(problem.output)
    for name, expected in problem.checks:
        ok = ok and name in values and meme_valeur(values[name], expected)
    if ok:
        return Verdict(True)
    if error is not None:
        seen = ("parsons_error", {"line": error[0] or "?", "error": f"{error[1]}: {error[2]}"})
    elif cut is not None:
        seen = ("parsons_cut", {})
    elif problem.output is not None and _printed(printed) != _printed(problem.output):
        seen = ("parsons_printed", {"printed": _printed(printed)[:200] or "—",
                                    "expected": _printed(problem.output)})
    else:
        seen = ("parsons_values", {})
    return Verdict(False, first_difference(problem, arrangement), seen)


def _printed(text: str) -> str:
    return "\n".join(line.rstrip() for line in re.split(r"\r?\n", text)).strip()
