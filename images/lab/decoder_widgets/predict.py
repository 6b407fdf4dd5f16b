"""« Prédisez, puis exécutez » (PRIMM's Predict, then Run): a short program shown, a box for
what the learner thinks it will print, and an « Exécuter » button that stays off until a
prediction is written; after the run, the prediction and what the program printed side by
side. The program runs in the learner's kernel with the visualiser's limits (stepper.run),
with the notebook's variables; the prediction is kept in the home with the questions' tries."""

from __future__ import annotations

import html

import ipywidgets as widgets

from decoder import messages

from . import saved, stepper
from .questions import ID
from .self_check import problem_shown, say

PREFIX = "predict:"


def predisez(ident: str, code: str, *, language: str | None = None) -> widgets.Widget:
    """The program ``code`` to predict then run; ``ident``: unique in the course."""
    language = messages.known(language or messages.language_of_environment())
    if not isinstance(ident, str) or not ID.match(ident):
        reason = say("bad_id", language, id=str(ident))
    elif not isinstance(code, str) or not code.strip():
        reason = say("missing_text", language, id=ident, field="code")
    else:
        return Predict(ident, code.strip("\n"), language).box
    return problem_shown(reason, language)


def text(value: str) -> str:
    """Text as element content (never an attribute here)."""
    return html.escape(value, quote=False)


class Predict:
    def __init__(self, ident: str, code: str, language: str):
        self.ident, self.code, self.language = ident, code, language
        kept = saved.load().get(PREFIX + ident)
        kept = kept if isinstance(kept, dict) else {}
        self.prediction = widgets.Textarea(
            value=str(kept.get("prediction", ""))[:2000], rows=3,
            placeholder=say("predict_placeholder", language),
            layout=widgets.Layout(width="30em"))
        self.prediction.description = say("predict_label", language)
        self.prediction.style.description_width = "initial"
        self.run = widgets.Button(description=say("predict_run", language),
                                  button_style="primary",
                                  tooltip=say("predict_run_tip", language))
        self.hint = widgets.HTML()
        self.result = widgets.HTML()
        self.prediction.observe(lambda _: self._unlock(), names="value")
        self.run.on_click(lambda _: self.execute())
        heading = (f"<p><strong>{text(say('predict_title', language))}</strong></p>"
                   f"<pre class='decoder-code' style='border:1px solid #c7ccd1;padding:.4em'>"
                   f"{text(code)}</pre>")
        self.box = widgets.VBox([widgets.HTML(heading), self.prediction,
                                 widgets.HBox([self.run, self.hint]), self.result])
        self.box.add_class("decoder-predict")
        self._unlock()
        if kept.get("printed") is not None:
            self._show(str(kept["printed"]))

    def _unlock(self) -> None:
        empty = not self.prediction.value.strip()
        self.run.disabled = empty
        self.hint.value = f"<em>{text(say('predict_first', self.language))}</em>" \
            if empty else ""

    def execute(self) -> None:
        if not self.prediction.value.strip():
            return
        # the notebook's variables, a copy: the program does not change them
        namespace = stepper.notebook_namespace(private=False)
        ran = stepper.run(self.code, namespace)
        printed = ran.printed
        if ran.error:
            printed += f"{ran.error[1]}: {ran.error[2]}"
        elif ran.cut:
            printed += "\n" + say(f"cut_{ran.cut}", self.language)
        saved.save(PREFIX + self.ident, {"prediction": self.prediction.value,
                                         "printed": printed})
        self._show(printed)

    def _show(self, printed: str) -> None:
        lang = self.language
        same = _lines(printed) == _lines(self.prediction.value)
        verdict = say("predict_same" if same else "predict_different", lang)
        cell = ("<div style='flex:1;min-width:14em'><p><strong>{}</strong></p>"
                "<pre style='border:1px solid #c7ccd1;padding:.3em;white-space:pre-wrap'>{}"
                "</pre></div>")
        self.result.value = (
            "<div role='status' aria-live='polite'>"
            "<div style='display:flex;gap:1em;flex-wrap:wrap'>"
            + cell.format(text(say("predict_mine", lang)),
                          text(self.prediction.value) or "&nbsp;")
            + cell.format(text(say("predict_printed", lang)),
                          text(printed) or "&nbsp;")
            + f"</div><p>{'✔' if same else '↔'} {text(verdict)}</p></div>")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]
