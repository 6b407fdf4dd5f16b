"""« Appel / attendu / obtenu » before handing in: in an exercise notebook, ``essayer()`` runs
the notebook's visible tests against what the learner's functions give now, each check on a
row (the call, what is expected, what came, ✔ or ✘ and the likely mistake), through the same
``verifier`` the grader uses (graders.checks records each check while the table is drawn). It
never stops at the first failure, and a call that raises or never ends is a row too.

Informative only: the grade still comes from the trusted grader, on the notebook handed in.
Where there is no notebook to read (the grading sandbox, a script), it shows nothing.

``essayer(exemples)`` is the same table for an exercise's « Pour aller plus loin » (its
extension, never graded): the examples are the author's (call, expected value) pairs, given
in the cell, so nothing is read from the notebook and the table shows wherever it runs.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
from pathlib import Path

import ipywidgets as widgets

from decoder import messages

from .stepper import Cut, TimeLimit, notebook_namespace

SECONDS_PER_CHECK = 5.0


def essayer(exemples=None, *, language: str | None = None, notebook: str | None = None):
    """The table of the visible tests of ``notebook`` (by default, the one this kernel runs
    for), or None when there is none to read; with ``exemples``, the table of those
    (call, expected) pairs instead."""
    language = messages.known(language or messages.language_of_environment())
    if exemples is not None:
        rows = run_checks(examples_source(exemples), notebook_namespace(), language)
        return widgets.HTML(table(rows, language, kind="extension"))
    path = notebook or os.environ.get("JPY_SESSION_NAME")
    if not path or not Path(path).is_file():
        return None
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    tests = [visible(_source(cell)) for cell in cells if _is_visible_test(cell)]
    rows = []
    namespace = notebook_namespace()
    for source in tests:
        rows += run_checks(source, dict(namespace), language)
    return widgets.HTML(table(rows, language))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*$",
                    re.M | re.S)


def visible(source: str) -> str:
    """A test cell without its hidden tests (nbgrader's markers), as nbgrader releases it:
    a master opened in an instructor's lab never runs them here either."""
    return HIDDEN.sub("", source)


def examples_source(examples) -> str:
    """The checks of (call, expected) pairs, one ``verifier`` per pair, as a test cell would
    write them. An author's mistake (not a pair, a call that is not Python, an expected value
    that is not a plain literal) is a ValueError saying which: the content tests run every
    exercise, so it never reaches a learner."""
    lines = ["from graders.checks import verifier"]
    if not examples:
        raise ValueError("no example to try")
    for number, pair in enumerate(examples, start=1):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str)):
            raise ValueError(f"example {number}: expected (call as text, expected value)")
        call, expected = pair
        try:
            ast.parse(call, mode="eval")
            plain = ast.literal_eval(repr(expected)) == expected
        except (SyntaxError, ValueError):
            plain = False
        if not plain:
            raise ValueError(f"example {number}: {call!r} must be an expression and its "
                             f"expected value a literal")
        lines.append(f"verifier({call}, {expected!r}, quoi={call!r})")
    return "\n".join(lines)


def _is_visible_test(cell: dict) -> bool:
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return cell.get("cell_type") == "code" and meta.get("grade") is True and \
        not meta.get("solution")


def run_checks(source: str, namespace: dict, language: str) -> list[tuple]:
    """Each check of a test cell: (call, expected, got, right, what to say), statement by
    statement so that one failure does not hide the next."""
    from graders import checks

    try:
        statements = ast.parse(source).body
    except SyntaxError:
        return []
    rows = []
    for statement in statements:
        code = compile(ast.Module([statement], []), "<essai>", "exec")
        checks.releve = seen = []
        said = ""
        try:
            with TimeLimit(SECONDS_PER_CHECK):
                exec(code, namespace)
        except checks.Ecart as failure:
            said = str(failure)
        except Cut:
            rows.append((_call(statement, source), "", "", False,
                         messages.say("widgets.try_too_long", language)))
            continue
        except Exception as error:  # noqa: BLE001 - what the learner's function raised
            rows.append((_call(statement, source), "", "", False,
                         messages.say("widgets.try_raised", language,
                                      error=f"{type(error).__name__}: {error}"[:300])))
            continue
        finally:
            checks.releve = None
        for index, (quoi, attendu, obtenu, juste) in enumerate(seen):
            rows.append((quoi, messages.render(attendu, language),
                         messages.render(obtenu, language), juste,
                         said if index == len(seen) - 1 and not juste else ""))
    return rows


def _call(statement: ast.stmt, source: str) -> str:
    """What a statement checks: its ``quoi=`` if it is a ``verifier(...)`` call, else its
    source."""
    value = getattr(statement, "value", None)
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "quoi" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return (ast.get_source_segment(source, statement) or "")[:120]


def table(rows: list[tuple], language: str, kind: str = "") -> str:
    def say(key: str, **params) -> str:
        return html.escape(messages.say(f"widgets.{key}", language, **params), quote=False)

    if not rows:
        return f"<p class='decoder-try'>{say('try_nothing')}</p>"
    right = sum(1 for row in rows if row[3])
    suffix = f"_{kind}" if kind else ""
    body = "".join(
        f"<tr><td><code>{html.escape(call, quote=False)}</code></td>"
        f"<td><code>{html.escape(expected, quote=False)}</code></td>"
        f"<td><code>{html.escape(got, quote=False)}</code></td>"
        f"<td>{'✔ ' + say('try_right') if ok else '✘ ' + say('try_wrong')}"
        f"{'<br>' + html.escape(note, quote=False) if note else ''}</td></tr>"
        for call, expected, got, ok, note in rows)
    return (f"<div class='decoder-try'><p><strong>{say('try_title' + suffix)}</strong> "
            f"{say('try_count', n=len(rows), right=right)}</p>"
            f"<table style='border-collapse:collapse'><thead><tr>"
            f"<th scope='col'>{say('try_call')}</th><th scope='col'>{say('try_expected')}</th>"
            f"<th scope='col'>{say('try_got')}</th><th scope='col'>{say('try_result')}</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
            f"<p><em>{say('try_note' + suffix)}</em></p></div>")
