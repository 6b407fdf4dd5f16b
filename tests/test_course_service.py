"""The course service with the real hub, engine, learner containers and grading sandboxes:
fetch, submit, feedback, who may see what, what is refused, what survives a restart, and a
killed worker's job graded once. Learners act from inside their own container, with their own
server's token, through nbgrader's commands (our exchange classes) or raw HTTP."""

from __future__ import annotations

import base64
import html
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import nbformat
import pytest

from decoder import protocol
from decoder.service.gradebook import CourseGradebook
from tests import hostile, lab
from tests.lab import NAME, fetch_and_solve, master, store, wait_graded

pytestmark = pytest.mark.docker


def gradebook(platform) -> CourseGradebook:
    settings = platform.settings
    return CourseGradebook(settings.course_storage / "nbgrader", settings.masters_dir,
                           settings.course_config)


@pytest.fixture(scope="module")
def submitted_a(platform, learner_a):
    """Learner A fetched week 1's first exercise, solved it and submitted it."""
    fetch_and_solve(platform, learner_a, right=True)
    container = platform.container(learner_a)
    lab.nbgrader(container, "submit", NAME)
    return wait_graded(container)[-1]


def test_learner_fetches_submits_and_reads_feedback(platform, learner_a, submitted_a):
    container = platform.container(learner_a)
    assert submitted_a["state"] == "done"
    assert (submitted_a["score"], submitted_a["max_score"]) == (3.0, 3.0)
    # `nbgrader submit` waited for the grading and brought the feedback home already
    code, pages = lab.run(container, ["sh", "-c", f"cat exercices/{NAME}/feedback/*/*.html"])
    assert code == 0 and "Note : <strong>3 / 3</strong>" in pages, pages
    lab.nbgrader(container, "fetch_feedback", NAME)  # and fetching it again is harmless
    code, pages = lab.run(container, ["sh", "-c", f"cat exercices/{NAME}/feedback/*/*.html"])
    assert code == 0, pages
    assert "Note : <strong>3 / 3</strong>" in pages
    assert "caché" in pages
    # the formgrader's gradebook has it too (written by the service, shortly after)
    deadline = time.monotonic() + 30
    while gradebook(platform).score_of(NAME, learner_a.name) is None:
        assert time.monotonic() < deadline, "the gradebook never got the score"
        time.sleep(0.5)
    assert gradebook(platform).score_of(NAME, learner_a.name) == (3.0, 3.0)


def test_a_blank_submission_scores_zero_with_a_message_per_test(platform, learner_b):
    fetch_and_solve(platform, learner_b, right=False)
    container = platform.container(learner_b)
    lab.nbgrader(container, "submit", NAME)
    latest = wait_graded(container)[-1]
    assert (latest["score"], latest["max_score"]) == (0.0, 3.0)
    status, feedback = lab.api(container, "GET", f"submissions/{latest['id']}/feedback")
    assert status == 200
    assert all(t["message"] for t in feedback["report"]["tests"])
    assert all("hidden_source" not in t and "detail" not in t for t in feedback["report"]["tests"])


def test_learner_b_cannot_see_overwrite_or_submit_as_a(platform, learner_a, learner_b,
                                                       submitted_a):
    b = platform.container(learner_b)
    a_id = submitted_a["id"]
    before = store(platform).submission(a_id)
    a_list = [s["id"] for s in lab.api(platform.container(learner_a), "GET", "submissions")[1]]
    assert a_id in a_list  # (A may have more from other tests: the session's learners)
    # read A's feedback, by id
    assert lab.api(b, "GET", f"submissions/{a_id}/feedback")[0] == 404
    # list: only B's own
    status, mine = lab.api(b, "GET", "submissions")
    assert status == 200 and a_id not in [s["id"] for s in mine]
    # claim to be A, and backdate, in the body: the service takes neither
    files = {f"{NAME}.ipynb": base64.b64encode(nbformat.writes(master(platform)).encode()).decode()}
    status, answer = lab.api(b, "POST", f"assignments/{NAME}/submissions",
                             {"files": files, "username": learner_a.name, "student_id":
                              learner_a.name, "timestamp": "2001-01-01 00:00:00.000000 UTC"})
    assert status == 201, answer
    row = store(platform).submission(answer["id"])
    assert row["username"] == learner_b.name
    assert abs(time.time() - row["submitted_at"].timestamp()) < 120
    # instructors' endpoints
    for method, path in [("GET", f"instructor/assignments/{NAME}/submissions"),
                         ("POST", f"instructor/assignments/{NAME}/regrade"),
                         ("POST", f"instructor/assignments/{NAME}/release-hidden")]:
        assert lab.api(b, method, path, {})[0] == 403, path
    # no token, or a made-up one
    assert lab.api(b, "GET", "submissions", token="")[0] == 403
    assert lab.api(b, "GET", "submissions", token="0" * 32)[0] == 403
    # A's submission is as it was
    assert store(platform).submission(a_id) == before
    assert [s["id"] for s in lab.api(platform.container(learner_a), "GET", "submissions")[1]
            ] == a_list


def refused(container, payload=None, *, raw_body=None, assignment=NAME) -> tuple[int, str]:
    status, body = lab.api(container, "POST", f"assignments/{assignment}/submissions", payload,
                           raw_body=raw_body)
    return status, body.get("message", str(body)) if isinstance(body, dict) else body


def notebook_files(platform, name: str = f"{NAME}.ipynb", extra: dict | None = None) -> dict:
    files = {name: base64.b64encode(nbformat.writes(master(platform)).encode()).decode()}
    return {"files": {**files, **(extra or {})}}


def test_bad_submissions_are_refused_in_french_and_store_nothing(platform, learner_b):
    b = platform.container(learner_b)
    storage = platform.settings.course_storage
    count = len(store(platform).submissions_of(learner_b.name, run=None))
    absolute = Path(f"/tmp/decoder-evil-{learner_b.name}.txt")
    # where a name with ../.. would land: from incoming/<new folder>/, two levels up (a data
    # file, not a notebook: a notebook named so would be refused as broken first)
    outside = [storage / "evil.csv", storage.parent / "evil.csv", absolute]
    limit = platform.settings.max_submission_mb
    cases = {
        "not open": refused(b, notebook_files(platform), assignment="s3-moyenne"),
        "unknown": refused(b, notebook_files(platform), assignment="s9-inconnu"),
        "traversal": refused(b, notebook_files(platform, extra={
            "../../evil.csv": base64.b64encode(b"1,2").decode()})),
        "hidden file": refused(b, notebook_files(platform, extra={
            ".bashrc": base64.b64encode(b"x").decode()})),
        "absolute": refused(b, notebook_files(platform, extra={
            str(absolute): base64.b64encode(b"x").decode()})),
        "malformed notebook": refused(b, {"files": {f"{NAME}.ipynb": base64.b64encode(
            b'{"cells": "oops"}').decode()}}),
        "not json": refused(b, raw_body="{{{"),
        "no notebook": refused(b, {"files": {"notes.txt": base64.b64encode(b"x").decode()}}),
        "too big": refused(b, notebook_files(platform, extra={
            "gros.csv": base64.b64encode(b"0" * ((limit + 1) * 2**20)).decode()})),
    }
    expected = {"not open": 403, "unknown": 404, "too big": 413}
    assert not any(path.exists() for path in outside), [p for p in outside if p.exists()]
    for case, (status, message) in cases.items():
        assert status == expected.get(case, 400), (case, status, message)
        assert any(word in message for word in ("exercice", "Exercice", "fichier", "carnet",
                                                "soumission", "JSON", "Mo")), (case, message)
    assert "pas encore ouvert" in cases["not open"][1]
    assert f"{limit} Mo" in cases["too big"][1]
    assert not any(path.exists() for path in outside)
    assert len(store(platform).submissions_of(learner_b.name, run=None)) == count
    assert not list((storage / "incoming").iterdir())


def test_the_exchange_refuses_a_too_big_submission_before_sending(platform, learner_b):
    """The exchange checks the size itself (the limit given by the hub), before sending: with
    the service out of reach, it still answers with the size, not with the service's silence."""
    b = platform.container(learner_b)
    lab.nbgrader(b, "fetch_assignment", NAME)  # (adds only what is missing)
    limit = platform.settings.max_submission_mb
    big = f"exercices/{NAME}/gros.bin"
    code, _ = lab.run(b, ["sh", "-c", f"head -c {(limit + 1) * 2**20} /dev/zero > {big}"])
    assert code == 0
    try:
        nowhere = {"DECODER_COURSE_URL": f"http://{platform.settings.gateway_ip}:9/services/x/"}
        code, output = lab.run(b, ["nbgrader", "submit", NAME], environment=nowhere)
        assert code != 0 and f"plus que la limite de {limit} Mo" in output, output
        assert "ne répond pas" not in output
    finally:
        lab.run(b, ["rm", "-f", big])


def test_a_restarted_service_keeps_every_submission(platform, learner_a, submitted_a):
    a = platform.container(learner_a)
    before = lab.api(a, "GET", "submissions")[1]
    platform.restart_hub()
    deadline = time.monotonic() + 60
    while True:
        status, after = lab.api(a, "GET", "submissions")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert after == before
    assert lab.api(a, "GET", f"submissions/{submitted_a['id']}/feedback")[0] == 200
    assert len(worker_pids(platform)) == platform.settings.worker_count  # none left over


def worker_pids(platform) -> list[int]:
    """Grading workers of this platform (found by their data folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except (OSError, ValueError):
            continue
        if b"decoder.service.worker" in command and \
                f"DECODER_DATA_DIR={platform.settings.data_dir}".encode() in environ:
            found.append(int(proc.name))
    return found


def slow_solution(platform) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(json.loads(nbformat.writes(master(platform))))
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import time\ntime.sleep(12)"))
    return notebook


def sandboxes_of(worker: str) -> list:
    """The grading sandboxes a worker started (the job's, and those it started ahead)."""
    return docker.from_env().containers.list(all=True,
                                             filters={"label": f"decoder.owner={worker}"})


def kill_the_worker_grading(jobs, submission_id: int, attempt: int) -> str:
    """Wait until the submission's job runs its ``attempt``-th time, well inside its sandbox,
    then SIGKILL the worker holding it; returns that worker's name."""
    deadline = time.monotonic() + 90
    while not (running := [j for j in jobs.jobs_of(submission_id)
                           if j["state"] == "running" and j["attempts"] == attempt]):
        assert time.monotonic() < deadline, jobs.jobs_of(submission_id)
        time.sleep(0.2)
    time.sleep(3)  # well inside the job: its sandbox runs
    worker = running[0]["worker"]
    assert sandboxes_of(worker), "the worker's sandboxes are there before it dies"
    os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
    return worker


def submit_slow(platform, learner) -> int:
    files = {f"{NAME}.ipynb": base64.b64encode(nbformat.writes(slow_solution(platform)).encode()
                                               ).decode()}
    status, answer = lab.api(platform.container(learner), "POST",
                             f"assignments/{NAME}/submissions", {"files": files})
    assert status == 201, answer
    return answer["id"]


def wait_for(condition, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.5)
    return found


def test_a_killed_workers_job_is_graded_once(platform, learner_a, submitted_a):
    jobs = store(platform)
    submission = submit_slow(platform, learner_a)
    killed = kill_the_worker_grading(jobs, submission, attempt=1)
    graded = wait_for(lambda: (row := jobs.submission(submission))["state"] == "done" and row,
                      timeout=180)
    assert (graded["result"]["score"], graded["result"]["max_score"]) == (3.0, 3.0)
    assert len(jobs.results_of(submission)) == 1
    assert [j["attempts"] for j in jobs.jobs_of(submission)] == [2]
    assert sandboxes_of(killed) == []  # the dead worker's sandboxes were removed


def test_a_submission_whose_worker_keeps_dying_is_given_up_and_told(platform, learner_a):
    """A submission that takes its worker down at every attempt (here the test kills it) is
    given back max_attempts times, then failed; the learner reads why, and what to do."""
    jobs = store(platform)
    submission = submit_slow(platform, learner_a)
    for attempt in range(1, platform.settings.max_attempts + 1):
        kill_the_worker_grading(jobs, submission, attempt)
    row = wait_for(lambda: (row := jobs.submission(submission))["state"] == "failed" and row)
    assert row["result"] is None
    a = platform.container(learner_a)
    mine = {s["id"]: s for s in lab.api(a, "GET", f"submissions?assignment={NAME}")[1]}
    assert mine[submission]["feedback_checksum"]  # the list offers its page
    status, feedback = lab.api(a, "GET", f"submissions/{submission}/feedback")
    assert status == 200
    page = html.unescape(feedback["html"])
    assert f"s'est arrêtée {platform.settings.max_attempts} fois" in page
    assert "Soumettez à nouveau" in page


def test_a_failed_hidden_test_shows_only_the_generic_message(platform, learner_b):
    """An answer written for the visible example only: the visible test passes, the hidden
    ones fail, and nothing of them (arguments, expected values, code) reaches the learner."""
    def hard_coded(notebook):
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "reponse":
                cell.source = 'def saluer(prenom):\n    return "Bonjour, Awa !"\n'

    fetch_and_solve(platform, learner_b, right=False, edit=hard_coded)
    b = platform.container(learner_b)
    before = len(lab.api(b, "GET", f"submissions?assignment={NAME}")[1])
    lab.nbgrader(b, "submit", NAME)
    latest = wait_graded(b, count=before + 1)[-1]
    assert latest["score"] == 0.0
    status, feedback = lab.api(b, "GET", f"submissions/{latest['id']}/feedback")
    assert status == 200
    reads = json.dumps(feedback, ensure_ascii=False)
    assert hostile.leaks(reads) == []
    assert "Un test caché n'est pas passé" in html.unescape(feedback["html"])
    code, saved = lab.run(b, ["sh", "-c", f"cat exercices/{NAME}/feedback/*/*.html"])
    assert code == 0 and hostile.leaks(saved) == []


def test_a_copied_test_cell_and_an_unknown_one_are_said_at_once_and_graded(platform,
                                                                          learner_b):
    """JupyterLab lets a learner copy a locked test cell (the copy keeps its grade id), and
    anyone can name a cell as the master does not: such a notebook made nbgrader fail at every
    try, then the learner read « not your fault, submit again », which failed the same way.
    Now the submission's answer says what grading will put right, the grading works the first
    time (no attempt spent), the points are the master's and the feedback says it again."""
    def pasted_cells(notebook):
        test = next(c for c in notebook.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "test-exemple")
        copied = nbformat.from_dict(json.loads(json.dumps(test)))
        copied["id"] = "c0ffee00"  # JupyterLab gives a pasted cell an id of its own
        unknown = nbformat.from_dict(json.loads(json.dumps(test)))
        unknown["id"] = "c0ffee01"
        unknown.metadata["nbgrader"].update(grade_id="mes-points", points=100)
        notebook.cells += [copied, unknown]

    notebook = fetch_and_solve(platform, learner_b, right=True, edit=pasted_cells)
    b = platform.container(learner_b)
    before = len(lab.api(b, "GET", f"submissions?assignment={NAME}")[1])
    status, answer = lab.api(b, "POST", f"assignments/{NAME}/submissions",
                             protocol.encode_files({f"{NAME}.ipynb": nbformat.writes(
                                 notebook).encode()}))
    assert status == 201, answer
    copy_said, unknown_said = answer["notes"]
    assert "copie de la cellule « test-exemple »" in copy_said
    assert "« mes-points », que l'exercice ne connaît pas" in unknown_said
    latest = wait_graded(b, count=before + 1)[-1]
    assert latest["id"] == answer["id"]
    row = store(platform).submission(answer["id"])
    assert (row["state"], row["attempts"]) == ("done", 1)
    assert (latest["score"], latest["max_score"]) == (3.0, 3.0)  # not 103: the master's points
    status, feedback = lab.api(b, "GET", f"submissions/{answer['id']}/feedback")
    page = html.unescape(feedback["html"])
    assert copy_said in page and unknown_said in page


def test_submissions_are_rate_limited_with_a_message_saying_how_long_to_wait(platform):
    learner = platform.signed_up("ines")
    learner.start_server()
    container = platform.container(learner)
    most = platform.settings.max_submissions_per_minute
    statuses = [refused(container, notebook_files(platform))[0] for _ in range(most)]
    assert statuses == [201] * most
    status, message = refused(container, notebook_files(platform))
    assert status == 429 and "attendez" in message and "secondes" in message, message
    assert len(store(platform).submissions_of(learner.name, run=None)) == most


RELEASED = "s1-age-en-jours"  # its hidden tests are published here: no other test uses it


def test_hidden_tests_are_shown_once_released(platform, learner_b):
    b = platform.container(learner_b)
    lab.nbgrader(b, "fetch_assignment", RELEASED)
    blank = lab.read_file(b, f"/home/jovyan/exercices/{RELEASED}/{RELEASED}.ipynb")
    status, answer = lab.api(b, "POST", f"assignments/{RELEASED}/submissions",
                             {"files": {f"{RELEASED}.ipynb": base64.b64encode(
                                 blank.encode()).decode()}})
    assert status == 201, answer
    wait_graded(b, RELEASED)
    before = lab.api(b, "GET", f"submissions/{answer['id']}/feedback")[1]
    assert "14600" not in json.dumps(before)  # a hidden test's expected value
    cli_token = platform.settings.path("secrets", "cli_token").read_text().strip()
    status, _ = lab.api(b, "POST", f"instructor/assignments/{RELEASED}/release-hidden", {},
                        token=cli_token)
    assert status == 200
    feedback = lab.api(b, "GET", f"submissions/{answer['id']}/feedback")[1]
    assert any("hidden_source" in t and t["hidden_source"] for t in feedback["report"]["tests"])
    assert "Tests cachés (publiés" in feedback["html"] and "14600" in feedback["html"]


def test_grade_all_regrades_every_learner_with_a_progress_bar(platform, learner_a, learner_b,
                                                              submitted_a):
    before = {row["id"]: len(store(platform).results_of(row["id"]))
              for row in store(platform).latest_submissions(NAME, run=lab.current_run(platform))}
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "DECODER_CONFIG": platform.settings.config_file}
    result = subprocess.run([sys.executable, "-m", "decoder.ops.cli", "grade-all", NAME], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(before)}/{len(before)} graded" in result.stdout
    assert learner_a.name in result.stdout and learner_b.name in result.stdout
    after = {row_id: len(store(platform).results_of(row_id)) for row_id in before}
    assert all(after[row_id] == before[row_id] + 1 for row_id in before)
