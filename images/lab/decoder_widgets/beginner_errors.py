"""An IPython extension: an error in a learner's cell is explained in plain words (errors.py)
above Python's own traceback, which stays as it is. Loaded in every kernel of the lab image
(images/lab/ipython_kernel_config.py); ``%load_ext decoder_widgets.beginner_errors`` elsewhere.

If anything goes wrong here, the learner still gets Python's traceback: an explanation is a
help, never a condition."""

from __future__ import annotations

import builtins
import html
import traceback

from decoder import messages

from . import errors


def is_cell(filename: str) -> bool:
    """Whether code at ``filename`` is a notebook cell's (ipykernel names them
    /tmp/ipykernel_<pid>/<hash>.py; IPython, <ipython-input-…>)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input-")


class Explained:
    """An explanation as a cell output: HTML in JupyterLab, text elsewhere."""

    def __init__(self, explanation: errors.Explanation, language: str):
        def say(key, params):
            return messages.say(f"errors.{key}", language, **params)
        self.what = say(*explanation.what)
        self.fix = say(*explanation.fix)
        self.where = messages.say("errors.where", language, line=explanation.line) \
            if explanation.line else ""
        self.code, self.title = explanation.code, messages.say("errors.title", language)
        self.fix_label = messages.say("errors.fix_label", language)

    def _repr_html_(self) -> str:
        where = ""
        if self.where:
            where = f"<p>{html.escape(self.where)}"
            if self.code:
                where += f" <code>{html.escape(self.code)}</code>"
            where += "</p>"
        return ("<div class='decoder-error' role='note' style='border-left: 4px solid #b04a00;"
                " padding: .3em .8em; margin: .3em 0; background: #fff7ed; color: #1f2933'>"
                f"<p><strong>{html.escape(self.title)}</strong> {html.escape(self.what)}</p>"
                f"{where}<p><strong>{html.escape(self.fix_label)}</strong> "
                f"{html.escape(self.fix)}</p></div>")

    def __repr__(self) -> str:
        lines = [f"{self.title} {self.what}"]
        if self.where:
            lines.append(f"{self.where} {self.code}".rstrip())
        lines.append(f"{self.fix_label} {self.fix}")
        return "\n".join(lines)


def explanation_for(shell, error: BaseException, tb) -> errors.Explanation | None:
    frames = [(frame.filename, frame.lineno, frame.line or "")
              for frame in traceback.extract_tb(tb)] if tb is not None else []
    line, code = errors.learner_line(frames, is_cell)
    names = [name for name in shell.user_ns if not name.startswith("_")]
    names += dir(builtins)
    return errors.explain(error, line=line, code=code, names=names)


def handler(shell, etype, value, tb, tb_offset=None):
    try:
        explanation = explanation_for(shell, value, tb)
        if explanation is not None:
            from IPython.display import display
            display(Explained(explanation, messages.language_of_environment()))
    except Exception:  # noqa: BLE001 - never stand between the learner and the traceback
        pass
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def load_ipython_extension(shell) -> None:
    shell.set_custom_exc((Exception, KeyboardInterrupt), handler)


def unload_ipython_extension(shell) -> None:
    shell.set_custom_exc((), None)
