"""The step-by-step visualiser (« Pas à pas »): a short program run once under the tracer
(stepper.py), then shown step by step with « Précédent », « Suivant » and a step number to
go to: the code
with the line about to run marked (an arrow, not a colour alone), the variables of the main
program and of each function called, what was printed so far, and the error or the cut that
ended it. Offline, in the learner's own kernel."""

from __future__ import annotations

import html

import ipywidgets as widgets

from decoder import messages

from . import stepper
from .self_check import say


def pas_a_pas(code: str, *, language: str | None = None,
              max_steps: int = 200) -> widgets.Widget:
    """Show ``code`` (a short program, as text) running step by step."""
    language = messages.known(language or messages.language_of_environment())
    return Stepper(stepper.trace(code.strip("\n") + "\n", max_steps=max_steps), language).box


class Stepper:
    def __init__(self, trace: stepper.Trace, language: str):
        self.trace, self.language = trace, language
        count = max(len(trace.steps), 1)
        self.code = widgets.HTML()
        self.state = widgets.HTML()
        whole = widgets.Layout(width="auto")  # labels never cut, in any language
        self.previous = widgets.Button(description=say("previous", language),
                                       tooltip=say("previous", language), layout=whole)
        self.next = widgets.Button(description=say("next", language),
                                   tooltip=say("next", language), button_style="primary",
                                   layout=whole)
        # a number field rather than ipywidgets' slider: the slider's handle has no accessible
        # name (axe-core: aria-input-field-name), a labelled field has
        self.step = widgets.BoundedIntText(value=1, min=1, max=count,
                                             description=say("step", language),
                                             layout=widgets.Layout(width="11em"))
        self.position = widgets.HTML()
        self.previous.on_click(lambda _: self._move(-1))
        self.next.on_click(lambda _: self._move(+1))
        self.step.observe(lambda _: self._show(), names="value")
        controls = widgets.HBox([self.previous, self.next, self.step, self.position])
        self.box = widgets.VBox([
            widgets.HTML(f"<p><strong>{html.escape(say('stepper_title', language))}</strong>"
                         "</p>"),
            self.code, controls, self.state])
        self.box.add_class("decoder-stepper")
        self._show()

    def _move(self, by: int) -> None:
        self.step.value = min(max(self.step.value + by, self.step.min), self.step.max)

    def _show(self) -> None:
        lang, trace = self.language, self.trace
        index = self.step.value - 1
        step = trace.steps[index] if trace.steps else None
        current = step.line if step else (trace.error[0] if trace.error else None)
        last = index == len(trace.steps) - 1 or not trace.steps
        self.code.value = code_listing(trace.source, current, lang)
        self.position.value = html.escape(say("position", lang, step=index + 1,
                                              n=max(len(trace.steps), 1)))
        self.previous.disabled = index == 0
        self.next.disabled = last
        self.state.value = state_html(trace, step, last, lang)


def code_listing(source: str, current: int | None, language: str) -> str:
    rows = []
    for number, text in enumerate(source.rstrip("\n").split("\n"), start=1):
        here = number == current
        mark = "▶" if here else " "
        style = " style='background:#fff3c4;font-weight:bold'" if here else ""
        label = f" aria-label='{html.escape(say('current_line', language), quote=True)}'" \
            if here else ""
        rows.append(f"<span{style}{label}>{mark} {number:>2}  {html.escape(text)}</span>")
    return ("<pre class='decoder-stepper-code' style='line-height:1.5;padding:.4em;"
            "border:1px solid #c7ccd1'>" + "\n".join(rows) + "</pre>")


def state_html(trace: stepper.Trace, step: stepper.Step | None, last: bool,
               language: str) -> str:
    parts = []
    for frame in (step.frames if step else ()):
        title = say("main_program", language) if frame.function == stepper.MAIN \
            else say("in_function", language, name=frame.function)
        if frame.variables:
            rows = "".join(f"<tr><td><code>{html.escape(name)}</code></td>"
                           f"<td><code>{html.escape(value)}</code></td></tr>"
                           for name, value in frame.variables)
            table = (f"<table class='decoder-variables'><caption>{html.escape(title)}</caption>"
                     f"<thead><tr><th scope='col'>{say('variable', language)}</th>"
                     f"<th scope='col'>{say('value', language)}</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
        else:
            table = f"<p>{html.escape(title)} : {say('no_variable', language)}</p>"
        parts.append(table)
    printed = step.printed if step else ""
    parts.append(f"<p><strong>{say('printed', language)}</strong></p>"
                 f"<pre style='border:1px solid #c7ccd1;padding:.3em'>"
                 f"{html.escape(printed) or '&nbsp;'}</pre>")
    if last:
        if trace.error:
            line, kind, text = trace.error
            parts.append(f"<p role='status'><strong>✘ "
                         f"{html.escape(say('error_at', language, line=line or '?'))}"
                         f"</strong> <code>{html.escape(kind)}: {html.escape(text)}</code></p>")
        elif trace.cut:
            parts.append(f"<p role='status'><strong>✋ "
                         f"{html.escape(say('cut_' + trace.cut, language))}</strong></p>")
        else:
            parts.append(f"<p role='status'><strong>✔ {html.escape(say('ended', language))}"
                         "</strong></p>")
    return "<div class='decoder-stepper-state'>" + "".join(parts) + "</div>"
