"""The copy of a submission a reviewer gets (pure): the cells' code and text only, nothing that
names its author.

Kept: each cell's type and source (the author's username replaced, wherever it appears, and
home paths made neutral). Removed: outputs and execution counts (the reviewer runs the copy in
their own kernel), cell metadata and ids (new ones are made), attachments (images carry
metadata), and the notebook's metadata but its kernel and language. A first cell says what the
copy is and links to the review form.
"""

from __future__ import annotations

import re
import uuid

import nbformat

HOME = re.compile(r"/home/[^/\s'\"]+")
KEPT_METADATA = ("kernelspec", "language_info")


def scrubbed(text: str, author: str) -> str:
    """``text`` with the author's name and home paths made neutral."""
    text = HOME.sub("/home/auteur", text)
    if author:
        text = re.compile(re.escape(author), re.IGNORECASE).sub("auteur", text)
    return text


def anonymised(notebook: nbformat.NotebookNode, author: str, *, heading: str
               ) -> nbformat.NotebookNode:
    """A new notebook: ``heading`` (Markdown) first, then ``notebook``'s cells, anonymised."""
    copy = nbformat.v4.new_notebook(metadata={key: notebook.metadata[key]
                                              for key in KEPT_METADATA
                                              if key in notebook.get("metadata", {})})
    copy.cells.append(nbformat.v4.new_markdown_cell(heading))
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        source = scrubbed(source, author)
        if cell.get("cell_type") == "code":
            new = nbformat.v4.new_code_cell(source)
        elif cell.get("cell_type") == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        new["id"] = uuid.uuid4().hex[:8]
        copy.cells.append(new)
    return copy
