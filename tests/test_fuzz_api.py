"""The course service's API fuzzed from its own OpenAPI description (schemathesis on loopback,
a bounded number of cases per operation, data that fits the description and data that does
not), as a learner and as an instructor: no 5xx, the service still answering, and nothing
stored from a rejected request."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from decoder.course_app.app import HANDLERS
from decoder.service.openapi import description
from tests import lab
from tests.hubclient import demo_account
from tests.pages import api_token

pytestmark = pytest.mark.docker

CASES_PER_OPERATION = 25
SCHEMA = schemathesis.openapi.from_dict(description(HANDLERS, "/services/course/"))
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
ANSWERS: list[tuple[str, str, int]] = []  # (who, operation, status) of every call


@pytest.fixture(scope="module")
def callers(platform) -> dict[str, str]:
    """Hub tokens of a learner and of an instructor, as their servers would hold."""
    learner = platform.signed_up("fuzz")
    instructor = demo_account(platform.settings, "formatrice")
    return {learner.name: api_token(learner), "formatrice": api_token(instructor)}


@SCHEMA.parametrize()
@settings(max_examples=CASES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_breaks_the_service(case, platform, callers):
    for who, token in callers.items():
        response = case.call(base_url=platform.settings.course_service_url,
                             headers={"Authorization": f"token {token}"}, timeout=60)
        ANSWERS.append((who, case.operation.label, response.status_code))
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        if response.status_code >= 400:
            assert "message" in response.json()  # said, not a stack trace


def test_nothing_was_stored_from_a_rejected_request(platform, callers):
    """Runs after the fuzzing (same module, in order)."""
    assert len(ANSWERS) >= CASES_PER_OPERATION, "the fuzzing ran"
    submit = "POST /services/course/api/assignments/{assignment}/submissions"
    store = lab.store(platform)
    for who in callers:
        accepted = sum(1 for caller, label, status in ANSWERS
                       if caller == who and label == submit and status == 201)
        assert len(store.submissions_of(who, run=None)) == accepted, who
    health = requests.get(platform.settings.course_service_url + "/services/course/api/health",
                          timeout=10)
    assert health.ok
    counts = {}
    for _, label, status in ANSWERS:
        counts.setdefault(label, []).append(status)
    print(f"{len(ANSWERS)} requests:", {label: sorted(set(s)) for label, s in counts.items()})
