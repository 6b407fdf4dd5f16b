"""Course runs against the real hub, engine, learner containers and course service: a run
begun yesterday gives a new server week 1's lessons only; moving its start eight days back opens
week 2 and week 1's peer review in the service's pages at once (no restart of anyone's server),
and newly opened lessons reach a server at its next start. Late work is marked and its penalty,
from nbgrader's plug-in, is the same in the learner's feedback, the formgrader's gradebook and
the export. The platform's own run is put back afterwards."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pytest
import requests
from nbgrader.api import Gradebook, MissingEntry

from decoder import protocol
from decoder.dates import when
from decoder.ops.coursestate import CourseServiceClient
from decoder.service.runs import CACHE_SECONDS, RunStore
from tests import lab
from tests.pages import Pages, api_token, submit
from tests.test_course_service import gradebook

pytestmark = pytest.mark.docker

PEER = "s1-algorithme-du-quotidien"


@pytest.fixture
def runs(platform):
    """The platform's runs; its current run (the demo's) is made current again at the end, and
    the service is seen to teach it again before the next test submits anything."""
    store = RunStore(lab.store(platform).engine)
    before = store.current()
    yield store
    decoder_run(platform, "start", before.name, before.starts_on.isoformat(), "--time-zone",
                before.time_zone)


def decoder_run(platform, *args: str) -> str:
    """`decoder run ...` as an operator types it; after a start, returns once the course service
    teaches the run and the hub's spawner has let its copy of the old one go (CACHE_SECONDS)."""
    done = platform.decoder("run", *args)
    assert done.returncode == 0, done.stderr
    if args and args[0] == "start":
        due = lab.served_course(platform).week(1).due.isoformat()
        client = CourseServiceClient(platform.settings)

        def service_teaches_it():
            assert {a["due"] for a in client.get("assignments") if a["week"] == 1} == {due}
        eventually(service_teaches_it)
        time.sleep(CACHE_SECONDS)
    return done.stdout


def lessons(learner) -> list[str]:
    """The week folders in the learner's ``cours`` (beside them: the « Par ici » page)."""
    listing = learner.server_api("GET", "/contents/cours").json()
    return sorted(item["name"] for item in listing["content"] if item["type"] == "directory")


def eventually(check, timeout: float = 15):
    """The service sees a moved run within seconds (it reads the runs again every 2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_run_started_yesterday_then_moved_back_opens_the_next_week(platform, runs):
    """Started yesterday (in the run's zone): week 1 open whatever the hour (it opens at 9:00
    on day 1), week 2 not (day 8)."""
    today = dt.datetime.now(runs.current().zone).date()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    started = decoder_run(platform, "start", "essai", yesterday)
    assert "created and made current" in started and "now is day 2" in started
    learner = platform.signed_up("runa")
    learner.start_server()
    learner.open_lab()
    assert lessons(learner) == ["semaine-1"]
    container = platform.container(learner)
    status, open_now = lab.api(container, "GET", "assignments")
    assert status == 200 and {a["week"] for a in open_now} == {1}
    pages = Pages(learner)
    assert "Semaine 2" not in pages.text("/course/")
    assert f"/peer/{PEER}/ask" not in pages.text(f"/peer/{PEER}")  # its review is not open

    moved = decoder_run(platform, "start", "essai", (today - dt.timedelta(days=9)).isoformat())
    assert "moved" in moved and "now is day 10" in moved

    def week_two_is_open():
        status, open_now = lab.api(container, "GET", "assignments")
        assert status == 200 and {a["week"] for a in open_now} == {1, 2}
        page = pages.text("/course/")
        assert "Semaine 2 — Décider et répéter" in page
        assert f"/peer/{PEER}/ask" in pages.text(f"/peer/{PEER}")  # its review is open
    eventually(week_two_is_open)
    assert lessons(learner) == ["semaine-1"]  # a running server keeps what it started with
    learner.stop_server()
    learner.start_server()
    learner.open_lab()
    assert lessons(learner) == ["semaine-1", "semaine-2"]
    learner.stop_server()  # a place for the next tests under the machine's server limit


def test_late_work_is_marked_and_penalised_alike_everywhere(platform, runs):
    """Week 1 is due in a run begun eight days ago: a right answer handed in now is late; with
    course.toml's [late] penalty = "zero", nbgrader's plug-in takes every point, and the
    learner's feedback, the formgrader's gradebook and the export all say so."""
    today = dt.datetime.now(runs.current().zone).date()
    decoder_run(platform, "start", "retard", (today - dt.timedelta(days=8)).isoformat())
    course_file = platform.settings.course_file
    text = open(course_file, encoding="utf-8").read()
    assert 'penalty = "none"' in text
    try:
        with open(course_file, "w", encoding="utf-8") as file:
            file.write(text.replace('penalty = "none"', 'penalty = "zero"'))
        learner = platform.signed_up("tardif")
        submission = submit(platform, learner, lab.NAME)
        row = eventually(lambda: graded(platform, submission), timeout=120)
        assert row["result"]["score"] == 3.0  # the autograder's own points: all right
        summary = eventually(lambda: penalised(platform, learner, submission), timeout=30)
        assert summary["late"] and summary["late_penalty"] == 3.0 and summary["score"] == 0.0
        page = Pages(learner).text(f"/feedback/{submission}")
        assert "Rendu après la date limite" in page and "Pénalité de retard : 3" in page
        assert "Note : <strong>0 / 3</strong>" in page
        course = lab.served_course(platform)
        assert when(row["submitted_at"], "fr", course.run.zone) in page
        eventually(lambda: in_gradebook_with_penalty(platform, learner.name, 3.0), timeout=60)
        export = platform.decoder("export", "--week", "1", "--run", "retard")
        assert export.returncode == 0, export.stderr
        mine = next(r for r in csv.DictReader(io.StringIO(export.stdout))
                    if r["student_id"] == learner.name and r["assignment"] == lab.NAME)
        assert (mine["raw_score"], mine["late_submission_penalty"], mine["score"]) == \
            ("3", "3", "0")
        other = platform.decoder("export", "--run", "demo")
        assert learner.name not in other.stdout  # the other run's export has none of it
    finally:
        with open(course_file, "w", encoding="utf-8") as file:
            file.write(text)


def graded(platform, submission: int) -> dict:
    row = lab.store(platform).submission(submission)
    assert row["result"] is not None
    return row


def penalised(platform, learner, submission: int) -> dict:
    """The submission as the learner's exchange lists it (their own token, as their server)."""
    assert lab.store(platform).submission(submission)["run"] == "retard"
    answer = requests.get(protocol.service_url(platform.settings.course_service_url)
                          + protocol.route("my_submissions"),
                          headers={"Authorization": f"token {api_token(learner)}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return next(item for item in answer.json() if item["id"] == submission)


def in_gradebook_with_penalty(platform, student: str, penalty: float) -> None:
    with Gradebook(gradebook(platform).url) as book:
        try:
            notebook = book.find_submission_notebook(lab.NAME, lab.NAME, student)
        except MissingEntry:
            raise AssertionError("not in the gradebook yet") from None
        assert notebook.late_submission_penalty == penalty
        assert book.find_submission(lab.NAME, student).total_seconds_late > 0
