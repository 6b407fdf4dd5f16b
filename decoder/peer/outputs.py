"""What the author's notebook showed when the grading sandbox ran it, as the review page shows it
(pure): the reviewer reads each cell's outputs without running anything, on the course service's
page that runs no script. With one shared origin this is how a copy is reviewed (a peer's code
never runs on the reviewer's origin); with review rooms, it is there beside « Ouvrir la copie ».

Outputs go through the formgrader's inert filter (service/inert.py: text, streams, errors,
bitmap images, HTML through a strict allowlist; anything else dropped with a note), then the
author's name and home paths are scrubbed from every text, as in the copy itself. The outputs
of test cells are never shown (their messages are the grader's, hidden tests included).
"""

from __future__ import annotations

import re
from html import escape

from ..service.inert import inert_notebook
from .anonymise import scrubbed

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_test_cell(cell: dict) -> bool:
    grading = (cell.get("metadata") or {}).get("nbgrader") or {}
    return bool(grading.get("grade")) and not grading.get("solution")


def cell_outputs(graded: dict | None, cells: int, author: str,
                 language: str = "fr") -> list[str]:
    """The HTML of each of the copy's ``cells`` outputs (index for index; "" for none), from
    the graded notebook; all "" when it does not line up with the copy."""
    if not graded or len(graded.get("cells") or []) != cells:
        return [""] * cells
    shown = []
    for original, cell in zip(graded["cells"], inert_notebook(graded, language)["cells"],
                              strict=True):
        if cell["cell_type"] != "code" or is_test_cell(original):
            shown.append("")
            continue
        shown.append("".join(output_html(output, author) for output in cell["outputs"]))
    return shown


def output_html(output: dict, author: str) -> str:
    def text(value: str) -> str:
        return f"<pre class='output'>{escape(scrubbed(value, author))}</pre>"

    kind = output["output_type"]
    if kind == "stream":
        return text(output["text"])
    if kind == "error":
        trace = "\n".join(ANSI.sub("", line) for line in output["traceback"])
        return text(trace or f"{output['ename']}: {output['evalue']}")
    data = output["data"]
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in data:
            return (f"<img class='output' alt='' src='data:{mime};base64,"
                    f"{''.join(data[mime].split())}'>")
    if "text/html" in data:  # already through the allowlist
        return f"<div class='output'>{scrubbed(data['text/html'], author)}</div>"
    return text(data.get("text/plain", ""))
