"""Progressive hints for an exercise (« Un indice »): the author lists 2 to 4, from a nudge to
nearly the answer; the learner opens them one at a time. How many were opened is kept in the
learner's home and sent to the course service (their server's token, in the background), which
writes it beside the grades in the instructors' export (``hints_opened``). What a hint costs
(course.toml's ``[hints] points_per_hint``, 0 by default) is said before the first is opened.

    from decoder_widgets import indices
    indices('''
    id = "s2-tarif"                 # the exercise's name
    hints = [
      "Trois prix, donc trois cas : if, elif, else.",
      "Rangez les cas du plus jeune au plus âgé : if age < 12: ...",
      "Attention aux âges pile : à 12 ans, on paie déjà 9 €.",
    ]
    ''')
"""

from __future__ import annotations

import html
import os

import ipywidgets as widgets

from decoder import messages, protocol

from . import saved, sharing
from .questions import QuestionError, table_with_id
from .self_check import problem_shown, rich

PREFIX = "hints:"
FEWEST, MOST = 2, 4


def parse(data) -> tuple[str, tuple[str, ...]]:
    data, ident = table_with_id(data)
    unknown = set(data) - {"id", "hints"}
    if unknown:
        raise QuestionError("unknown_fields", id=ident, fields=", ".join(sorted(unknown)))
    hints = data.get("hints")
    if not isinstance(hints, list) or not FEWEST <= len(hints) <= MOST or not all(
            isinstance(h, str) and h.strip() for h in hints):
        raise QuestionError("hints_count", id=ident, fewest=FEWEST, most=MOST)
    return ident, tuple(hints)


def indices(data, *, language: str | None = None) -> widgets.Widget:
    language = messages.known(language or messages.language_of_environment())
    try:
        ident, hints = parse(data)
    except QuestionError as error:
        return problem_shown(messages.say(f"widgets.{error.key}", language, **error.params),
                             language)
    return Hints(ident, hints, language).box


def points_per_hint(environ=None) -> float:
    """What a hint costs in this course (its server is told by the hub); 0 if not told."""
    try:
        value = float((os.environ if environ is None else environ).get(
            protocol.POINTS_PER_HINT_ENV, "0"))
    except ValueError:
        return 0.0
    return value if value > 0 and value == value and value != float("inf") else 0.0


def opened_before(ident: str, count: int) -> int:
    value = saved.load().get(PREFIX + ident)
    return min(value, count) if type(value) is int and value > 0 else 0


class Hints:
    def __init__(self, ident: str, hints: tuple[str, ...], language: str):
        self.ident, self.hints, self.language = ident, hints, language
        self.opened = opened_before(ident, len(hints))
        self.shown = widgets.HTML()
        self.button = widgets.Button(layout=widgets.Layout(width="auto"))
        self.button.on_click(lambda _: self.open_next())
        self.box = widgets.VBox([self.shown, self.button])
        self.box.add_class("decoder-hints")
        self._render()

    def _say(self, key: str, **params) -> str:
        return messages.say(f"widgets.{key}", self.language, **params)

    def _intro(self) -> str:
        cost = points_per_hint()
        if not cost:
            return self._say("hints_intro")
        points = format(cost, "g")
        return self._say("hints_intro_cost", n=points.replace(".", ",")
                         if self.language == "fr" else points)

    def _render(self) -> None:
        items = "".join(f"<li>{rich(hint)}</li>" for hint in self.hints[:self.opened])
        self.shown.value = (
            f"<div role='status' aria-live='polite'><p><strong>"
            f"{html.escape(self._say('hints_title'), quote=False)}</strong></p>"
            + (f"<ol>{items}</ol>" if items else
               f"<p><em>{html.escape(self._intro(), quote=False)}</em></p>")
            + "</div>")
        left = len(self.hints) - self.opened
        self.button.disabled = left == 0
        self.button.description = self._say("hint_button", number=self.opened + 1,
                                             n=len(self.hints)) if left else \
            self._say("hints_all_open")

    def open_next(self) -> None:
        if self.opened >= len(self.hints):
            return
        self.opened += 1
        saved.save(PREFIX + self.ident, self.opened)
        self._render()
        send(self.ident, self.opened)


def send(assignment: str, opened: int, *, wait: bool = False) -> None:
    """Tell the course service how many hints of ``assignment`` were opened (silently)."""
    try:
        path = protocol.route("hints", assignment=assignment)
    except ValueError:  # not an exercise's name: nothing to record
        return
    sharing.post(path, {"opened": opened}, wait=wait)
