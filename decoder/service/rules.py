"""What a submission may be, and when an assignment may be fetched or submitted (pure).

Every refusal is a :class:`Refused` carrying an HTTP status and a message a learner can read
(the catalogue's ``service`` section, decoder/messages) that says what happened and what to do.
"""

from __future__ import annotations

import datetime as dt
import re

import nbformat

from ..course import Course
from ..dates import when
from ..messages import say
from ..protocol import MAX_DEPTH, PayloadError, decode_files, submission_bytes

SAFE_PART = re.compile(r"^[\w][\w .()\-]{0,99}$")  # letters (accents too), digits, _ . ( ) - space


class Refused(Exception):
    """A request the service turns down: an HTTP status and a message of the catalogue's
    ``service`` section (``key``), said in the platform's language (a date among its
    parameters is said in that language too, in its own time zone: the run's)."""

    def __init__(self, status: int, key: str, **params):
        super().__init__(key)
        self.status, self.key, self.params = status, key, params

    def text(self, language: str = "fr") -> str:
        return say(f"service.{self.key}", language, **{
            name: when(value, language) if isinstance(value, dt.datetime) else value
            for name, value in self.params.items()})

    @property
    def message(self) -> str:
        return self.text("fr")

    def __str__(self) -> str:
        return self.message


def assignment_open(course: Course, name: str, now: dt.datetime):
    """The assignment ``name`` if it exists, is autograded by the service and its week is open."""
    try:
        assignment = course.assignment(name)
    except KeyError:
        raise Refused(404, "unknown_assignment", name=name) from None
    week = course.week(assignment.week)
    if week.opens > now:
        raise Refused(403, "not_open", name=name, opens=week.opens)
    return assignment


def check_file_name(path: str) -> None:
    """A relative path of at most three plain parts: no '..', no hidden file, no odd character."""
    parts = path.split("/")
    if (not path or len(parts) > MAX_DEPTH or path.startswith("/") or "\\" in path
            or any(not SAFE_PART.match(part) or part in (".", "..") for part in parts)):
        raise Refused(400, "bad_name", name=path[:120])


def submitted_files(payload: object) -> dict[str, bytes]:
    """The files of a request body (protocol.decode_files), or the refusal that says why not."""
    try:
        return decode_files(payload)
    except PayloadError as error:
        raise Refused(400, error.key, **error.params) from None


def check_submission(name: str, files: dict[str, bytes],
                     max_bytes: int) -> nbformat.NotebookNode:
    """The files of a submission of assignment ``name``: names, size, and the notebooks; its
    notebook, read."""
    for path in files:
        check_file_name(path)
    total = submission_bytes(files)
    if total > max_bytes:
        raise Refused(413, "too_big", size=total / 2**20, limit=max_bytes / 2**20)
    notebook = f"{name}.ipynb"
    if notebook not in files:
        raise Refused(400, "notebook_missing", notebook=notebook)
    read = {path: check_notebook(path, content) for path, content in files.items()
            if path.endswith(".ipynb")}
    return read[notebook]


def check_notebook(path: str, content: bytes) -> nbformat.NotebookNode:
    """The notebook ``content``, read and valid, or the refusal that says it is broken."""
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001
        # whatever nbformat raises on a hostile file means a broken notebook: besides its own
        # errors, tests/unit/test_fuzz_notebooks.py found RecursionError (JSON nested thousands
        # deep) and AssertionError (a nbformat_minor that is not a number)
        raise Refused(400, "notebook_broken", name=path, error=type(error).__name__) from None
    return notebook
