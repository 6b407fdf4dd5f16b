"""What a submission may be, and when (pure rules), and how files land on disk."""

from __future__ import annotations

import base64
import datetime as dt

import nbformat
import pytest

from decoder.service.files import folder_name, write_submission
from decoder.service.rules import (
    Refused,
    assignment_open,
    check_file_name,
    check_submission,
    submitted_files,
)
from tests.course_copy import taught

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook()).encode()
COURSE = taught()


@pytest.mark.parametrize("name", ["../x.ipynb", "a/../../b", "/etc/passwd", ".bashrc",
                                  "a/.git/config", "a\\b", "", "a/b/c/d", "x" * 101,
                                  "nul\0.txt", "é/..", "a//b"])
def test_odd_or_traversal_names_are_refused(name):
    with pytest.raises(Refused) as refused:
        check_file_name(name)
    assert refused.value.status == 400 and "n'est pas accepté" in refused.value.message


@pytest.mark.parametrize("name", ["s1-bonjour.ipynb", "données/meteo.csv", "Mon fichier (2).txt"])
def test_plain_names_pass(name):
    check_file_name(name)


def test_a_submission_over_the_limit_is_refused_with_its_size_in_french():
    with pytest.raises(Refused) as refused:
        check_submission("s1-bonjour", {"s1-bonjour.ipynb": NOTEBOOK, "gros.bin": b"0" * 3000},
                         max_bytes=2048)
    assert refused.value.status == 413
    assert "plus que la limite" in refused.value.message


@pytest.mark.parametrize("content", [b"not json", b'{"cells": 3}', b"\xff\xfe", b"[]"])
def test_a_malformed_notebook_is_refused(content):
    with pytest.raises(Refused) as refused:
        check_submission("s1-bonjour", {"s1-bonjour.ipynb": content}, max_bytes=2**20)
    assert refused.value.status == 400 and "abîmé" in refused.value.message


def test_the_assignments_notebook_must_be_there():
    with pytest.raises(Refused, match="manque"):
        check_submission("s1-bonjour", {"autre.ipynb": NOTEBOOK}, max_bytes=2**20)


def test_open_unknown_and_not_yet_open_assignments():
    week_two = COURSE.week(2).opens
    assert assignment_open(COURSE, "s1-bonjour", week_two).name == "s1-bonjour"
    with pytest.raises(Refused) as early:
        assignment_open(COURSE, "s2-majorite", week_two - dt.timedelta(seconds=1))
    assert early.value.status == 403 and "pas encore ouvert" in early.value.message
    with pytest.raises(Refused) as unknown:
        assignment_open(COURSE, "s9-rien", week_two)
    assert unknown.value.status == 404


def test_malformed_payloads_are_refused():
    for payload in [None, [], {"files": []}, {"files": {}}, {"files": {"a": 3}},
                    {"files": {"a": "pas du base64 !"}},
                    {"files": {f"f{i}": "" for i in range(51)}}]:
        with pytest.raises(Refused) as refused:
            submitted_files(payload)
        assert refused.value.status == 400 and refused.value.message
    assert submitted_files({"files": {"a": base64.b64encode(b"x").decode()}}) == {"a": b"x"}


def test_files_land_under_the_storage_only_and_whole(tmp_path):
    folder, size, digest = write_submission(tmp_path, "../alice", "s1-bonjour",
                                            {"s1-bonjour.ipynb": NOTEBOOK, "d/x.csv": b"1"})
    written = tmp_path / folder
    assert tmp_path.resolve() in written.resolve().parents
    assert (written / "d" / "x.csv").read_bytes() == b"1"
    assert size == len(NOTEBOOK) + 1 and len(digest) == 64
    assert not list((tmp_path / "incoming").iterdir())
    with pytest.raises(Refused):
        write_submission(tmp_path, "bob", "s1-bonjour", {"../../evil": b"x"})
    assert not (tmp_path.parent / "evil").exists()
    assert not list((tmp_path / "incoming").iterdir())  # nothing half-written left behind


def test_folder_names_never_escape():
    assert folder_name("..") not in ("..", ".") and "/" not in folder_name("a/b")
