"""A graded notebook that can do nothing in the formgrader (pure).

The formgrader shows each submission as HTML made by nbconvert, on the hub's origin, in an
instructor's browser: anything the learner's code or text chose to put in the notebook would
run there with the instructor's rights. So the copy the formgrader reads keeps only what is
inert, whatever nbconvert's template does with it:

- outputs: plain text, streams, errors and bitmap images as they are; HTML through a strict
  allowlist (nh3: no script, no event handler, no style, no form, no frame, no SVG); Markdown
  made into such HTML; every other kind (JavaScript, SVG, LaTeX, widgets, anything unknown)
  dropped, with a note in its place; no output metadata (it is written into attributes);
- Markdown cells: rendered with raw HTML off, then through the same allowlist;
- raw cells: shown as text;
- metadata: the course's kernel and language (no widget state), each cell's nbgrader
  metadata only as nbgrader writes it, ids made plain.

Cell sources of code cells stay: nbconvert shows them as highlighted text.
"""

from __future__ import annotations

import base64
import binascii
import re
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt

from ..messages import say

TAGS = {"p", "br", "em", "strong", "b", "i", "u", "code", "pre", "span", "div", "ul", "ol",
        "li", "blockquote", "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "del", "s", "sub",
        "sup", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "img", "dl",
        "dt", "dd", "kbd", "samp", "small"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
SCHEMES = {"http", "https", "attachment", "data"}
BITMAPS = ("image/png", "image/jpeg", "image/gif")
PLAIN = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
PYTHON = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}  # the course's only language

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


DATA_BITMAP = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$")


def _only_bitmap_data(tag: str, attribute: str, value: str) -> str | None:
    """A ``data:`` address only for a bitmap image (an SVG or HTML one can hold code)."""
    if value.strip().lower().startswith("data:") and not DATA_BITMAP.match(value.strip()):
        return None
    return value


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True,
                     attribute_filter=_only_bitmap_data)


def markdown_html(text: str) -> str:
    return clean_html(_markdown.render(text))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _base64(text: str) -> bool:
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def inert_output(output: dict, removed: str) -> dict:
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name, "text": _text(output.get("text"))}
    if kind == "error":
        return {"output_type": "error", "ename": _text(output.get("ename")),
                "evalue": _text(output.get("evalue")),
                "traceback": [_text(line) for line in output.get("traceback") or []]}
    data = output.get("data") or {}
    kept = {}
    if "text/plain" in data:
        kept["text/plain"] = _text(data["text/plain"])
    for mime in BITMAPS:
        if isinstance(data.get(mime), str | list) and _base64(_text(data[mime])):
            kept[mime] = _text(data[mime])
    if "text/html" in data:
        kept["text/html"] = clean_html(_text(data["text/html"]))
    elif "text/markdown" in data:
        kept["text/html"] = markdown_html(_text(data["text/markdown"]))
    if set(data) - set(kept) - {"text/markdown"} and "text/plain" not in kept:
        kept["text/plain"] = removed
    inert = {"output_type": "display_data" if kind != "execute_result" else kind,
             "data": kept or {"text/plain": removed}, "metadata": {}}
    if kind == "execute_result":
        count = output.get("execution_count")
        inert["execution_count"] = count if isinstance(count, int) else None
    return inert


def nbgrader_metadata(grading) -> dict:
    """nbgrader's cell metadata, each value of the kind nbgrader writes (anything else is
    dropped: the formgrader's template writes these values into its page)."""
    if not isinstance(grading, dict):
        return {}
    kept = {key: grading[key] for key in ("grade", "solution", "locked", "task")
            if isinstance(grading.get(key), bool)}
    for key in ("grade_id", "cell_type", "checksum"):
        if isinstance(grading.get(key), str) and PLAIN.match(grading[key]):
            kept[key] = grading[key]
    for key in ("points", "schema_version"):
        if isinstance(grading.get(key), int | float) and not isinstance(grading[key], bool):
            kept[key] = grading[key]
    return kept


ATTACHED = re.compile(r'src="attachment:([^"]*)"')


def _with_attachments(html: str, attachments) -> str:
    """Pasted images written into the HTML as ``data:`` addresses, bitmaps only (nbconvert
    would look for them in the cell's attachments, which the inert copy does not keep)."""
    files = attachments if isinstance(attachments, dict) else {}

    def image(found: re.Match) -> str:
        kinds = files.get(unescape(found.group(1)))
        for mime in BITMAPS:
            data = (kinds or {}).get(mime) if isinstance(kinds, dict) else None
            if isinstance(data, str | list) and _base64(_text(data)):
                return f'src="data:{mime};base64,{"".join(_text(data).split())}"'
        return 'src=""'
    return ATTACHED.sub(image, html)


def inert_cell(cell: dict, index: int, removed: str) -> dict:
    kind = cell.get("cell_type")
    cell_id = cell.get("id") if PLAIN.match(str(cell.get("id", ""))) else f"cellule-{index}"
    grading = nbgrader_metadata((cell.get("metadata") or {}).get("nbgrader"))
    metadata = {"nbgrader": grading} if grading else {}
    if kind == "code":
        count = cell.get("execution_count")
        return {"cell_type": "code", "id": cell_id, "metadata": metadata,
                "source": _text(cell.get("source")),
                "execution_count": count if isinstance(count, int) else None,
                "outputs": [inert_output(o, removed) for o in cell.get("outputs") or []
                            if isinstance(o, dict)]}
    if kind == "markdown":
        return {"cell_type": "markdown", "id": cell_id, "metadata": metadata,
                "source": _with_attachments(markdown_html(_text(cell.get("source"))),
                                            cell.get("attachments"))}
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata,
            "source": f"<pre>{escape(_text(cell.get('source')))}</pre>"}


def inert_notebook(notebook: dict, language: str = "fr") -> dict:
    """The notebook as the formgrader may show it."""
    removed = say("formgrader.removed_output", language)
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": PYTHON,
            "cells": [inert_cell(cell, i, removed)
                      for i, cell in enumerate(notebook.get("cells") or [])
                      if isinstance(cell, dict)]}
