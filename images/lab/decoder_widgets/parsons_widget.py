"""The Parsons problem widget (« Remettez dans l'ordre »): the lines as a radio group (choose
a line with the mouse or the arrow keys), buttons that move the chosen line up or down, shift
it right or left, or leave it out, and « Vérifier ». The chosen line stays chosen as it moves,
and each move is said in a live region, so a keyboard or screen-reader user follows it."""

from __future__ import annotations

import html

import ipywidgets as widgets

from decoder import messages

from . import parsons, questions, saved, stepper
from .self_check import problem_shown, rich, say

PREFIX = "parsons:"
STYLE = ("<style>.decoder-parsons .widget-radio-box label {font-family: monospace; "
         "white-space: pre; font-size: 1rem; line-height: 1.6}</style>")


def remettre_en_ordre(data, *, language: str | None = None) -> widgets.Widget:
    """A Parsons problem to solve, from ``data`` (a dict or a TOML block, see parsons.py)."""
    language = messages.known(language or messages.language_of_environment())
    try:
        problem = parsons.parse(data)
    except questions.QuestionError as error:
        return problem_shown(say(error.key, language, **error.params), language)
    return Parsons(problem, language).box


class Parsons:
    def __init__(self, problem: parsons.Problem, language: str):
        self.problem, self.language = problem, language
        self.arrangement = restored(saved.load().get(PREFIX + problem.id), problem)
        self.lines = widgets.RadioButtons(layout=widgets.Layout(width="auto"))
        buttons = []
        for key, action in (("up", lambda: self._move(-1)), ("down", lambda: self._move(1)),
                            ("indent", lambda: self._shift(1)),
                            ("dedent", lambda: self._shift(-1)),
                            ("leave_out", self._leave_out)):
            button = widgets.Button(description=say(f"parsons_{key}", language),
                                    tooltip=say(f"parsons_{key}_tip", language),
                                    layout=widgets.Layout(width="auto"))  # labels whole
            button.on_click(lambda _b, act=action: act())
            buttons.append(button)
        self.check = widgets.Button(description=say("check", language), button_style="primary")
        self.check.on_click(lambda _: self.submit())
        self.status = widgets.HTML()
        self.told = widgets.HTML()
        heading = (f"{STYLE}<p><strong>{html.escape(say('parsons_title', language))}</strong>"
                   f"</p><p>{rich(problem.question)}</p>"
                   f"<p><em>{html.escape(say('parsons_help', language))}</em></p>")
        self.box = widgets.VBox([widgets.HTML(heading), self.lines, widgets.HBox(buttons),
                                 self.status, self.check, self.told])
        self.box.add_class("decoder-parsons")
        self._render(chosen=self.arrangement.order[0])
        if self.arrangement.solved:
            self.told.value = self._live(f"<p>✔ {say('parsons_right', language)}</p>")

    def _label(self, line: int) -> str:
        text = self.problem.lines[line].text
        if line in self.arrangement.left_out:
            return f"✕ {text}   ({say('parsons_left_out', self.language)})"
        return " " * parsons.INDENT * self.arrangement.levels.get(line, 0) + text

    def _render(self, chosen: int | None) -> None:
        self.lines.options = [(self._label(i), i) for i in self.arrangement.order]
        self.lines.value = chosen

    def _chosen(self) -> int | None:
        if self.lines.value is None:
            self.status.value = self._live(say("parsons_choose", self.language))
        return self.lines.value

    def _said(self, line: int) -> None:
        position = self.arrangement.order.index(line) + 1
        key = "parsons_now_out" if line in self.arrangement.left_out else "parsons_now_at"
        self.status.value = self._live(html.escape(say(
            key, self.language, line=self.problem.lines[line].text, position=position,
            level=self.arrangement.levels.get(line, 0))))
        self._keep()

    def _move(self, by: int) -> None:
        line = self._chosen()
        if line is not None:
            parsons.move(self.arrangement, line, by)
            self._render(line)
            self._said(line)

    def _shift(self, by: int) -> None:
        line = self._chosen()
        if line is not None:
            parsons.shift(self.arrangement, line, by)
            self._render(line)
            self._said(line)

    def _leave_out(self) -> None:
        line = self._chosen()
        if line is not None:
            self.arrangement.left_out ^= {line}
            self._render(line)
            self._said(line)

    def submit(self) -> None:
        namespace: dict = {}
        stepper.run(self.problem.setup, namespace)  # (the author's: checked by the content CI)
        ran = stepper.run(self.arrangement.program(self.problem), namespace)
        values = {name: namespace[name] for name, _ in self.problem.checks if name in namespace}
        verdict = parsons.judge(self.problem, self.arrangement, ran.printed, ran.error,
                                ran.cut, values)
        lang = self.language
        if verdict.right:
            self.arrangement.solved = True
            shown = f"<p>✔ {html.escape(say('parsons_right', lang))}</p>"
            if ran.printed.strip():
                shown += f"<pre>{html.escape(ran.printed)}</pre>"
        else:
            shown = f"<p>✘ {html.escape(say('parsons_wrong', lang))}</p><ul>"
            for key, params in (verdict.seen, verdict.first_wrong):
                if key:
                    shown += f"<li>{html.escape(say(key, lang, **params))}</li>"
            shown += "</ul>"
        self.told.value = self._live(shown)
        self._keep()

    def _keep(self) -> None:
        state = self.arrangement
        saved.save(PREFIX + self.problem.id, {
            "order": state.order, "levels": {str(k): v for k, v in state.levels.items()},
            "left_out": sorted(state.left_out), "solved": state.solved})

    @staticmethod
    def _live(content: str) -> str:
        return f"<div role='status' aria-live='polite'>{content}</div>"


def restored(value, problem: parsons.Problem) -> parsons.Arrangement:
    """A saved arrangement if it is one of this problem's lines (the file is the learner's:
    anything can be there, and the problem may have changed since), else a new shuffle."""
    count = len(problem.lines)
    try:
        order = [int(i) for i in value["order"]]
        levels = {int(k): min(max(int(v), 0), 4) for k, v in value.get("levels", {}).items()}
        left_out = {int(i) for i in value.get("left_out", [])}
        if sorted(order) != list(range(count)) or not left_out <= set(order) or \
                not set(levels) <= set(order):
            raise ValueError("not this problem's lines")
        return parsons.Arrangement(order, levels, left_out, value.get("solved") is True)
    except (TypeError, ValueError, KeyError, AttributeError):
        return parsons.shuffled(problem)
