"""Notebooks fuzzed with Hypothesis through the whole path: sent to the course service as a
learner's server sends them, then graded in the sandbox by the service's workers. Each one the
service accepts is graded ("done", a score between 0 and the maximum, messages in French);
none breaks grading itself ("failed"). The refusals of malformed files are fuzzed faster, by
the thousand, in tests/unit/test_fuzz_notebooks.py."""

from __future__ import annotations

import base64
import json
import time

import nbformat
import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from decoder import protocol
from tests import lab
from tests.pages import api_token
from tests.unit.test_fuzz_notebooks import odd_text

pytestmark = pytest.mark.docker

NAME = "s1-bonjour"
EXAMPLES = 10


@st.composite
def bent_submissions(draw, master: nbformat.NotebookNode) -> bytes:
    """The exercise as a learner could hand it in, bent: answers of odd text, huge cells,
    binary and oversized outputs, test cells removed, edited or copied (JupyterLab copies a
    locked cell with its grade id), graded cells' metadata edited, foreign metadata."""
    notebook = nbformat.from_dict(json.loads(nbformat.writes(master)))
    answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    for cell in answers:
        cell.source = draw(st.one_of(
            odd_text,
            st.just("x = 1\n" * 50_000),
            st.just("def saluer(nom):\n    return 'Bonjour ' + nom + ' !'\n"),
            st.just("import sys\nsys.setrecursionlimit(10**6)\ndef f(): return f()\nf()\n"),
            st.just("print('\\x00\\udcff' * 10_000)"),
        ))
        if draw(st.booleans()):
            cell.outputs = [nbformat.v4.new_output(
                "display_data", data={"image/png": base64.b64encode(
                    draw(st.binary(max_size=5000))).decode(), "text/html": draw(odd_text)})]
    if tests and draw(st.booleans()):
        notebook.cells.remove(draw(st.sampled_from(tests)))
    if tests and draw(st.booleans()):
        draw(st.sampled_from(tests)).source = "pass"
    graded = answers + tests
    for _ in range(draw(st.integers(0, 2))):  # a graded cell pasted somewhere, as JupyterLab does
        pasted = nbformat.from_dict(json.loads(json.dumps(draw(st.sampled_from(graded)))))
        pasted["id"] = draw(st.from_regex(r"[a-z0-9]{8}", fullmatch=True))
        notebook.cells.insert(draw(st.integers(0, len(notebook.cells))), pasted)
    if draw(st.booleans()):  # a graded cell's nbgrader metadata edited by hand
        cell = draw(st.sampled_from(notebook.cells))
        cell.metadata["nbgrader"] = draw(st.one_of(
            st.just({}), st.just({"grade": True, "points": 1000}), odd_text,
            st.builds(lambda gid: {**cell.metadata.get("nbgrader", {}), "grade_id": gid,
                                   "grade": True, "points": 1000}, odd_text),
            st.just({**cell.metadata.get("nbgrader", {}), "grade_id": tests[0].metadata[
                "nbgrader"]["grade_id"] if tests else "x", "solution": True})))
    notebook.metadata[draw(st.text(min_size=1, max_size=10))] = draw(odd_text)
    if draw(st.booleans()):
        notebook.cells.append(nbformat.v4.new_markdown_cell(draw(odd_text)))
    return nbformat.writes(notebook).encode()


def test_any_accepted_notebook_is_graded_and_said(platform):
    learner = platform.signed_up("flou")
    token = api_token(learner)
    master = lab.master(platform)
    url = protocol.service_url(platform.settings.course_service_url)
    store = lab.store(platform)
    max_score = None

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(bent_submissions(master))
    def graded(content):
        nonlocal max_score
        time.sleep(3)  # the test platform lets a learner submit 20 times a minute
        answer = requests.post(url + protocol.route("submit", assignment=NAME),
                               json=protocol.encode_files({f"{NAME}.ipynb": content}),
                               headers={"Authorization": f"token {token}"}, timeout=60)
        event(f"answered {answer.status_code}")
        if answer.status_code != 201:
            assert answer.status_code < 500 and answer.json()["message"], answer.text
            return
        submission = answer.json()["id"]
        deadline = time.monotonic() + 180
        while store.submission(submission)["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "not graded in time"
            time.sleep(0.3)
        assert store.submission(submission)["state"] == "done", \
            f"grading itself broke: {[job['error'] for job in store.jobs_of(submission)]}"
        feedback = requests.get(url + protocol.route("feedback", submission=submission),
                                headers={"Authorization": f"token {token}"}, timeout=60)
        assert feedback.status_code == 200, feedback.text
        body = feedback.json()
        max_score = max_score or body["max_score"]
        assert body["max_score"] == max_score  # the points come from the master, always
        assert 0 <= body["score"] <= body["max_score"]
        event(f"score {body['score']:g}")

    graded()
