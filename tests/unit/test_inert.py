"""What the formgrader shows of a graded notebook can run nothing (inert.py), rendered with
nbgrader's own formgrade template by nbconvert, as the formgrader's submission page does.

Every hostile piece carries the marker PWNED; after rendering, the marker may only be text: never
in a script or style, an event handler, a URL, or an element that runs or embeds (checked against
the page a plain notebook gives, whose scripts are the formgrader's own)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers
from traitlets.config import Config

from decoder.service.inert import inert_notebook

JS = "PWNED()"
ACTIVE_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "base",
               "meta", "link", "frame", "frameset", "template", "portal", "audio", "video"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href",
                  "content", "style", "background", "poster", "srcset", "ping"}


def output(kind: str, data: dict, metadata: dict | None = None) -> dict:
    return {"output_type": kind, "data": data, "metadata": metadata or {},
            **({"execution_count": 1} if kind == "execute_result" else {})}


HTML_ATTACKS = [
    f"<script>{JS}</script>", f"<img src=x onerror='{JS}'>", f"<a href='javascript:{JS}'>x</a>",
    f"<iframe srcdoc='<script>{JS}</script>'></iframe>", f"<svg onload='{JS}'></svg>",
    "<style>@import 'PWNED';</style>", f"<form action='javascript:{JS}'><button>x</button></form>",
    f"<meta http-equiv='refresh' content='0;url=javascript:{JS}'>", "<base href='//PWNED/'>",
    f"<object data='javascript:{JS}'></object>", f"<details open ontoggle='{JS}'>x</details>",
    f"<math><mi xlink:href='javascript:{JS}'>x</mi></math>", f"<div style='x:expression({JS})'>",
    f"<img src='data:image/svg+xml,<svg onload={JS}>'>",
]


def hostile_notebook() -> dict:
    outputs = [output("display_data", {"text/html": attack, "text/plain": "x"})
               for attack in HTML_ATTACKS]
    outputs += [
        output("display_data", {"application/javascript": JS}),
        output("display_data", {"image/svg+xml": f"<svg><script>{JS}</script></svg>"}),
        output("display_data", {"text/markdown": f"<img src=x onerror={JS}> [x](javascript:{JS})"}),
        output("display_data", {"text/latex": f"\\href{{javascript:{JS}}}{{x}}"}),
        output("display_data", {"application/vnd.jupyter.widget-view+json": {"model_id": JS}}),
        output("display_data", {"image/png": f'"><script>{JS}</script>'},
               {"image/png": {"width": f'1" onerror="{JS}'}}),
        output("execute_result", {"text/html": f"<script>{JS}</script>"}),
        {"output_type": "stream", "name": f'stdout"><script>{JS}</script>', "text": "x"},
        {"output_type": "error", "ename": f"<script>{JS}</script>", "evalue": f"<b onclick='{JS}'>",
         "traceback": [f"<script>{JS}</script>"]},
        {"output_type": f'x"><script>{JS}</script>',
         "data": {"text/html": f"<script>{JS}</script>"}},
    ]
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "language_info": {"name": f'python"><script>{JS}</script>'},
            "kernelspec": {"name": "x", "display_name": f"<script>{JS}</script>", "language": "x"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {
                "state": {}, "version_major": 2, "version_minor": 0,
                "PWNED": f"</script><script>{JS}"}},
        },
        "cells": [
            {"cell_type": "code", "id": "answer", "execution_count": 1, "source": "print(1)",
             "metadata": {"nbgrader": {"grade": False, "solution": True, "grade_id": "answer",
                                       "locked": False, "schema_version": 3}},
             "outputs": outputs},
            {"cell_type": "markdown", "id": f'"><script>{JS}</script>',
             "metadata": {"nbgrader": {"grade": True, "solution": True, "points": 6,
                                       "grade_id": f'"><script>{JS}</script>'}},
             "source": f"<script>{JS}</script>\n\n<details open ontoggle={JS}>x</details>\n\n"
                       f"[lien](javascript:{JS})"},
            {"cell_type": "markdown", "id": "attached", "metadata": {},
             "source": "![i](attachment:a.png) ![j](attachment:b.png)",
             "attachments": {"a.png": {"image/png": "iVBORw0KGgo="},
                             "b.png": {"image/svg+xml": f"<svg onload='{JS}'></svg>"}}},
            {"cell_type": "raw", "id": "raw", "metadata": {"raw_mimetype": "text/html",
                                                         "format": "text/html"},
             "source": f"<script>{JS}</script>"},
            {"cell_type": "code", "id": "code", "execution_count": f"1<script>{JS}</script>",
             "metadata": {}, "source": f"</script><script>{JS}</script>", "outputs": []},
        ],
    }


class Scan(HTMLParser):
    """Where the marker went: script and style text, attributes, active elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.tags: set[tuple[str, str]] = set()
        self._inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.tags.add((tag, name))
                if "PWNED" in value:
                    self.active.append(f"<{tag} {name}={value}>")
            if (name in URL_ATTRIBUTES and ("PWNED" in value or "javascript:" in value.lower())):
                self.active.append(f"<{tag} {name}={value}>")
        if tag in ACTIVE_TAGS:
            self.tags.add((tag, ""))
            if any("PWNED" in (value or "") for _, value in attrs):
                self.active.append(f"<{tag} {attrs}>")
        self._inside.append(tag)

    def handle_endtag(self, tag):
        if tag in self._inside:
            while self._inside and self._inside.pop() != tag:
                pass

    def handle_data(self, data):
        if self._inside and self._inside[-1] in ACTIVE_TAGS and "PWNED" in data:
            self.active.append(f"<{self._inside[-1]}>{data[:80]}")


def formgrade_page(notebook: dict, tmp_path: Path) -> str:
    """The submission page as nbgrader's formgrader renders it (SubmissionHandler)."""
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")  # as handed in: maybe not valid
    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": "ex", "notebook_id": "ex", "submission_id": "1", "index": 0,
                 "total": 1, "base_url": "/services/formgrader", "student": "lea",
                 "last_name": None, "first_name": None, "notebook_path": "x"}
    html, _ = HTMLExporter(config=config).from_filename(str(path), resources=resources)
    return html


def scan(html: str) -> Scan:
    found = Scan()
    found.feed(html)
    return found


@pytest.fixture(scope="module")
def plain_tags(tmp_path_factory) -> set:
    plain = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "Bonjour"}]}
    return scan(formgrade_page(plain, tmp_path_factory.mktemp("plain"))).tags


def test_a_hostile_notebook_made_inert_runs_nothing_in_the_formgrader(tmp_path, plain_tags):
    page = formgrade_page(inert_notebook(hostile_notebook()), tmp_path)
    found = scan(page)
    assert found.active == []
    assert found.tags <= plain_tags  # no element or handler the formgrader's own page lacks
    assert "PWNED" in page  # the learner's text is still shown, as text
    assert "sortie retirée" in page  # and what was removed says so


def test_the_same_notebook_as_handed_in_would_run_in_the_formgrader(tmp_path, plain_tags):
    """What the test above guards against (removal check: without inert_notebook)."""
    notebook = hostile_notebook()
    notebook["cells"][0]["outputs"].pop()  # what nbconvert cannot read at all
    for index, cell in enumerate(notebook["cells"]):
        cell["id"] = f"c{index}"
        if cell["cell_type"] == "code":
            cell["execution_count"] = 1
    found = scan(formgrade_page(notebook, tmp_path))
    assert found.active and not found.tags <= plain_tags


def test_inert_keeps_what_grading_needs():
    notebook = hostile_notebook()
    notebook["cells"].append({
        "cell_type": "code", "id": "tests-1", "execution_count": 3, "source": "assert f(1) == 2",
        "metadata": {"nbgrader": {"grade": True, "solution": False, "points": 2,
                                  "grade_id": "tests-1", "locked": True, "schema_version": 3}},
        "outputs": [output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "fig"}),
                    {"output_type": "stream", "name": "stderr", "text": "warn"}]})
    cell = inert_notebook(notebook)["cells"][-1]
    assert cell["metadata"]["nbgrader"] == notebook["cells"][-1]["metadata"]["nbgrader"]
    assert cell["source"] == "assert f(1) == 2" and cell["execution_count"] == 3
    assert cell["outputs"][0]["data"] == {"image/png": "iVBORw0KGgo=", "text/plain": "fig"}
    assert cell["outputs"][1] == {"output_type": "stream", "name": "stderr", "text": "warn"}
    shown = inert_notebook(notebook)
    nbformat.validate(nbformat.from_dict(shown))
    attached = shown["cells"][2]["source"]  # a pasted bitmap shows; an SVG one does not
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in attached
    assert "svg" not in attached and "attachments" not in shown["cells"][2]
