"""The self-check question widget (« Vérifiez votre compréhension »), from a question written
as data (questions.py): choices or a free answer, a « Vérifier » button, and what is said
after each try, in the platform's language. Native controls (radio buttons, check boxes, a
text field, a button), so it works with the keyboard and a screen reader; what is said after
a try is in a live region."""

from __future__ import annotations

import html
import re

import ipywidgets as widgets

from decoder import messages

from . import questions, saved, sharing

PREFIX = "quiz:"


def quiz(data, *, language: str | None = None) -> widgets.Widget:
    """A question to answer, shown where the cell's output goes (display it, or let it be the
    cell's last value). ``data``: a dict or a TOML block (see questions.py)."""
    language = messages.known(language or messages.language_of_environment())
    try:
        question = questions.parse(data)
    except questions.QuestionError as error:
        return problem_shown(say(error.key, language, **error.params), language)
    return Quiz(question, language).box


def problem_shown(reason: str, language: str) -> widgets.HTML:
    """What a widget an author got wrong shows in its place: the reason, and whom to tell."""
    return widgets.HTML(f"<p class='decoder-problem' role='alert'>"
                        f"{rich(say('problem', language, reason=reason))}</p>")


def say(key: str, language: str, **params) -> str:
    return messages.say(f"widgets.{key}", language, **params)


INLINE_CODE = re.compile(r"`([^`]+)`")
BOLD = re.compile(r"\*\*([^*]+)\*\*")


def rich(text: str) -> str:
    """An author's text as HTML: escaped, with `code` and **bold**."""
    text = html.escape(text, quote=False)  # element content only, never an attribute
    text = INLINE_CODE.sub(r"<code>\1</code>", text)
    return BOLD.sub(r"<strong>\1</strong>", text).replace("\n", "<br>")


class Quiz:
    def __init__(self, question: questions.Question, language: str):
        self.question, self.language = question, language
        self.state = restored(saved.load().get(PREFIX + question.id))
        heading = (f"<p class='decoder-quiz-title'><strong>{say('quiz_title', language)}"
                   f"</strong></p><p id='q-{question.id}'>{rich(question.question)}</p>")
        if question.code:
            heading += f"<pre class='decoder-code'>{html.escape(question.code, quote=False)}</pre>"
        self.heading = widgets.HTML(heading)
        self.choices = self._choices()
        self.check = widgets.Button(description=say("check", language), button_style="primary",
                                    tooltip=say("check_tip", language))
        self.check.on_click(lambda _: self.submit())
        self.told = widgets.HTML()
        self.consent = self._consent()
        self.box = widgets.VBox([self.heading, self.choices, self.check, self.told,
                                 self.consent])
        self.box.add_class("decoder-quiz")
        self._show_state()

    def _consent(self) -> widgets.Widget:
        """Asked once, at the first question: may the tries be shared (counts, no names)?"""
        if sharing.decided() is not None:
            return widgets.HTML()
        language = self.language
        asked = widgets.HTML(f"<p><em>{html.escape(say('consent_question', language), quote=False)}"
                             "</em></p>")
        yes = widgets.Button(description=say("consent_yes", language),
                             layout=widgets.Layout(width="auto"))
        no = widgets.Button(description=say("consent_no", language),
                            layout=widgets.Layout(width="auto"))
        row = widgets.VBox([asked, widgets.HBox([yes, no])])

        def answer(agree: bool) -> None:
            sharing.decide(agree)
            said = say("consent_said_yes" if agree else "consent_said_no", language)
            row.children = [widgets.HTML(f"<p role='status'>{html.escape(said, quote=False)}"
                                         "</p>")]
        yes.on_click(lambda _: answer(True))
        no.on_click(lambda _: answer(False))
        return row

    def _choices(self) -> widgets.Widget:
        q = self.question
        if q.kind == "single":
            radio = widgets.RadioButtons(options=[(o.text, i) for i, o in enumerate(q.options)],
                                         value=None, layout=widgets.Layout(width="auto"))
            radio.add_class("decoder-choices")
            return radio
        if q.kind == "multiple":
            boxes = [widgets.Checkbox(value=False, description=o.text, indent=False,
                                      layout=widgets.Layout(width="auto"))
                     for o in q.options]
            return widgets.VBox([widgets.HTML(f"<em>{say('several', self.language)}</em>"),
                                 *boxes])
        field = widgets.Textarea(placeholder=say("output_placeholder", self.language),
                                 rows=2, layout=widgets.Layout(width="30em"))
        field.description = say("output_label", self.language)
        field.style.description_width = "initial"
        return field

    def answer(self):
        q = self.question
        if q.kind == "single":
            return self.choices.value
        if q.kind == "multiple":
            return [i for i, box in enumerate(self.choices.children[1:]) if box.value]
        return self.choices.value

    def _set_answer(self, answer) -> None:
        q = self.question
        if answer is None:
            return
        if q.kind == "single" and isinstance(answer, int) and 0 <= answer < len(q.options):
            self.choices.value = answer
        elif q.kind == "multiple" and isinstance(answer, list):
            for i, box in enumerate(self.choices.children[1:]):
                box.value = i in answer
        elif q.kind == "output" and isinstance(answer, str):
            self.choices.value = answer

    def submit(self) -> None:
        answer = self.answer()
        if not questions.answered(self.question, answer):
            self.told.value = self._live(f"<p>{say('choose_first', self.language)}</p>")
            return
        before = self.state.tries
        self.state, verdict = questions.attempt(self.question, self.state, answer)
        saved.save(PREFIX + self.question.id, self.state.__dict__)
        self._tell(verdict)
        if self.state.tries != before:  # a try spent (not a look at another option after)
            sharing.send(self.question.id, self.state.tries, self.state.right)

    def _show_state(self) -> None:
        if self.state.tries:
            self._set_answer(self.state.answer)
            self._tell(questions.judge(self.question, self.state.answer))

    def _tell(self, verdict: questions.Verdict) -> None:
        lang, state = self.language, self.state
        if verdict.right:
            head = f"<p class='decoder-right'>✔ {say('right', lang)}</p>"
        elif state.revealed:
            head = f"<p class='decoder-wrong'>✘ {say('revealed', lang)}</p>"
        else:
            left = questions.TRIES - state.tries
            head = f"<p class='decoder-wrong'>✘ {say('wrong', lang, n=left)}</p>"
        said = verdict.said
        if state.revealed and not verdict.right:
            said = verdict.said + tuple(item for item in questions.solution(self.question)
                                        if item not in verdict.said)
        items = "".join(
            f"<li>{'<strong>' + rich(what) + '</strong> : ' if what else ''}{rich(why)}</li>"
            for what, why in said)
        if not items and not verdict.right:
            items = f"<li>{say('no_explanation', lang)}</li>"
        if state.revealed and self.question.kind == "output":
            expected = rich(self.question.answers[0])
            items += f"<li>{say('expected', lang)} <code>{expected}</code></li>"
        self.told.value = self._live(head + (f"<ul>{items}</ul>" if items else ""))

    @staticmethod
    def _live(content: str) -> str:
        return f"<div role='status' aria-live='polite'>{content}</div>"


def restored(value) -> questions.Attempts:
    """Saved tries, read defensively (the file is in the learner's home: anything can be
    there)."""
    if not isinstance(value, dict):
        return questions.Attempts()
    tries = value.get("tries")
    if not isinstance(tries, int) or tries < 0:
        return questions.Attempts()
    history = value.get("history") if isinstance(value.get("history"), list) else []
    return questions.Attempts(min(tries, questions.TRIES), value.get("right") is True,
                              value.get("answer"), history[:questions.TRIES])
