"""The hostile set (tests/hostile.py) as real submissions: sent from a learner's own
container with their server's token, graded by the course service's workers, and read back
as the learner reads it (the feedback's JSON and page). Each takeover scores zero, and nothing
of the hidden tests reaches the learner."""

from __future__ import annotations

import json

import nbformat
import pytest

from decoder import protocol
from tests import hostile, lab

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def graded_takeovers(platform):
    learner = platform.signed_up("hector")
    learner.start_server()
    container = platform.container(learner)
    lab.nbgrader(container, "fetch_assignment", hostile.NAME)
    student = nbformat.reads(lab.read_file(container, lab.NOTEBOOK), 4)
    cases = {case: hostile.with_answer(student, hostile.answer_of(case))
             for case in hostile.TAKEOVERS}
    cases["records-arguments-hidden-first"] = hostile.with_answer(
        student, hostile.RECORDS_ARGUMENTS, hostile.hidden_first)
    ids = {}
    for case, notebook in cases.items():
        status, answer = lab.api(
            container, "POST", f"assignments/{hostile.NAME}/submissions",
            protocol.encode_files({f"{hostile.NAME}.ipynb": nbformat.writes(notebook).encode()}))
        assert status == 201, (case, answer)
        ids[case] = answer["id"]
    lab.wait_graded(container, count=len(ids), timeout=300)
    feedback = {}
    for case, submission in ids.items():
        status, body = lab.api(container, "GET", f"submissions/{submission}/feedback")
        assert status == 200, (case, body)
        feedback[case] = body
    return feedback


@pytest.mark.parametrize("case", [*sorted(hostile.TAKEOVERS), "records-arguments-hidden-first"])
def test_a_submitted_takeover_scores_zero_and_shows_nothing_hidden(graded_takeovers, case):
    feedback = graded_takeovers[case]
    assert (feedback["score"], feedback["max_score"]) == (0.0, 3.0)
    assert hostile.leaks(json.dumps(feedback, ensure_ascii=False)) == []
