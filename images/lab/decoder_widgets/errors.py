"""Beginners' errors in plain words (pure): what an error a learner meets most means, where it
happened, and a likely fix, as catalogue messages (section ``errors``), shown above Python's
own traceback by beginner_errors.py.

The ten errors of the course's public: NameError, SyntaxError and IndentationError, TypeError
on a text and a number, IndexError, KeyError, ZeroDivisionError, AttributeError on None, a
missing ``return`` (an operation on None), a loop interrupted (KeyboardInterrupt), and
RecursionError. Anything else gets no explanation: Python's message stays, alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """``what`` and ``fix`` are (key, params) pairs of the catalogue's ``errors`` section."""
    what: tuple[str, dict]
    fix: tuple[str, dict]
    line: int | None = None
    code: str = ""


NONE_OPERAND = re.compile(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'")
STR_INT = re.compile(r'can only concatenate str \(not "(\w+)"\) to str')
NONE_USE = re.compile(r"'NoneType' object is not (subscriptable|iterable|callable)")
NUMBERS = {"int", "float"}


def explain(error: BaseException, *, line: int | None = None, code: str = "",
            names: list[str] | None = None) -> Explanation | None:
    """What to tell a beginner about ``error`` raised at ``line`` of their cell (``code``:
    that line's text); ``names``: the names their code has defined, to suggest the one meant."""
    found = _what_and_fix(error, names or [])
    if found is None:
        return None
    if isinstance(error, SyntaxError):  # where Python stopped reading, not where it ran
        line, code = error.lineno, (error.text or "").rstrip("\n")
    return Explanation(found[0], found[1], line, code.strip())


def _what_and_fix(error: BaseException, names: list[str]):
    kind, text = type(error), str(error)
    if kind is IndentationError or kind is TabError:
        if "expected an indented block" in text:
            return ("indent_expected", {}), ("indent_expected_fix", {})
        if "unexpected indent" in text:
            return ("indent_unexpected", {}), ("indent_unexpected_fix", {})
        return ("indent_mixed", {}), ("indent_mixed_fix", {})
    if isinstance(error, SyntaxError):
        message = error.msg or ""
        if "was never closed" in message:
            return ("syntax_unclosed", {"symbol": message.split("'")[1]}), \
                ("syntax_unclosed_fix", {})
        if "unterminated string" in message:
            return ("syntax_quote", {}), ("syntax_quote_fix", {})
        if "expected ':'" in message:
            return ("syntax_colon", {}), ("syntax_colon_fix", {})
        if "Maybe you meant '=='" in message:
            return ("syntax_equals", {}), ("syntax_equals_fix", {})
        return ("syntax", {}), ("syntax_fix", {})
    if kind is NameError or kind is UnboundLocalError:
        name = getattr(error, "name", None) or _quoted(text)
        close = difflib.get_close_matches(name or "", names, n=1, cutoff=0.75)
        if close and close[0] != name:
            return ("name", {"name": name}), ("name_close_fix", {"close": close[0]})
        return ("name", {"name": name}), ("name_fix", {})
    if kind is TypeError:
        concatenated = STR_INT.search(text)
        if concatenated and concatenated.group(1) in NUMBERS:
            return ("str_number", {}), ("str_number_fix", {})
        operands = NONE_OPERAND.search(text)
        if operands:
            sides = {operands.group(2), operands.group(3)}
            if "NoneType" in sides:
                return ("none_value", {}), ("missing_return_fix", {})
            if "str" in sides and sides & NUMBERS:
                return ("str_number", {}), ("str_number_fix", {})
        if NONE_USE.search(text):
            return ("none_value", {}), ("missing_return_fix", {})
        return None
    if kind is AttributeError and "'NoneType' object" in text:
        return ("none_attribute", {"attribute": getattr(error, "name", None) or ""}), \
            ("none_attribute_fix", {})
    if kind is IndexError:
        return ("index", {}), ("index_fix", {})
    if kind is KeyError:
        key = error.args[0] if error.args else ""
        return ("key", {"missing": repr(key)}), ("key_fix", {})
    if kind is ZeroDivisionError:
        return ("zero", {}), ("zero_fix", {})
    if kind is RecursionError:
        return ("recursion", {}), ("recursion_fix", {})
    if kind is KeyboardInterrupt:
        return ("interrupted", {}), ("interrupted_fix", {})
    return None


def _quoted(text: str) -> str:
    found = re.search(r"'([^']+)'", text)
    return found.group(1) if found else ""


def learner_line(frames: list[tuple[str, int, str]], is_cell) -> tuple[int | None, str]:
    """The line of the learner's own code where the error happened: the deepest frame of a
    notebook cell (``frames``: (filename, line number, line text), outermost first)."""
    for filename, number, text in reversed(frames):
        if is_cell(filename):
            return number, text
    return None, ""
