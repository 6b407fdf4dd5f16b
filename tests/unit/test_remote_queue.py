"""The grading queue for other machines (queue_api.py) and its client (remote_worker.py), over
real HTTP on this machine, on real SQLite and PostgreSQL stores: the token, one holder per job,
results recorded once, files that cannot leave their folder. The second host with its own
Docker engine is tests/test_grading_hosts.py."""

from __future__ import annotations

import datetime as dt

import nbformat
import pytest
from traitlets.config import Config

from decoder.ops import hubprocess
from decoder.ops.hubprocess import HubError
from decoder.service.remote_worker import Masters, QueueClient, QueueUnavailable, safe_parts
from decoder.service.worker import kernel_lost
from decoder.settings import PROJECT_ROOT, PlatformSettings
from graders.runner import GradeReport, TestResult
from tests.localhost import free_port
from tests.secondhost import serve_queue

TOKEN = "a" * 64
ASSIGNMENT = "s1-bonjour"
COURSE = PROJECT_ROOT / "course" / "course.toml"


@pytest.fixture
def queue(store, tmp_path):
    """The queue's web app in a thread of its own, and the settings it serves."""
    settings = PlatformSettings(environ={}, config=Config({"PlatformSettings": {
        "data_dir": str(tmp_path / "data"), "course_file": str(COURSE), "lease_seconds": 30}}))
    port = free_port()
    stop = serve_queue(settings, store, TOKEN, "127.0.0.1", port)
    yield settings, f"http://127.0.0.1:{port}"
    stop()


def submitted(settings: PlatformSettings, store, who: str = "lea") -> int:
    folder = f"submissions/{who}"
    (settings.course_storage / folder).mkdir(parents=True, exist_ok=True)
    master = settings.masters_dir / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    (settings.course_storage / folder / f"{ASSIGNMENT}.ipynb").write_bytes(master.read_bytes())
    return store.add_submission(who, ASSIGNMENT, dt.datetime(2026, 12, 4, 10), folder, 1, "x",
                                run="r")


def test_a_wrong_token_opens_nothing(queue, store):
    settings, url = queue
    submitted(settings, store)
    for token in ("", "b" * 64, TOKEN[:-1]):
        client = QueueClient(url, token)
        client.retry_seconds = 0
        with pytest.raises(QueueUnavailable, match="403"):
            client.hello()
        with pytest.raises(QueueUnavailable, match="403"):
            client.master(ASSIGNMENT)
        assert client.claim("thief") is None  # refused, said in the log, never a job
    assert store.running_jobs() == []


def test_a_remote_worker_holds_its_job_alone_and_records_it_once(queue, store):
    settings, url = queue
    submission = submitted(settings, store)
    one, two = QueueClient(url, TOKEN), QueueClient(url, TOKEN)
    assert one.hello()["options"]["image"] == settings.grader_image
    job = one.claim("hote-b:12")
    assert job.attempts == 1 and job.grading["lease_seconds"] == 30
    assert nbformat.reads(job.notebook.decode(), 4).cells  # the submitted notebook itself
    assert two.claim("hote-c:7") is None
    assert store.running_jobs()[0]["worker"] == "remote:hote-b:12"
    assert one.renew(job.id, "hote-b:12", 30) and not two.renew(job.id, "hote-c:7", 30)
    assert not two.complete(job, "hote-c:7", 3, 3, {"tests": []}, b"{}")  # not its job
    assert one.complete(job, "hote-b:12", 3, 3, {"tests": []}, b'{"graded": true}')
    assert not one.complete(job, "hote-b:12", 3, 3, {"tests": []}, b"{}")  # never twice
    results = store.results_of(submission)
    assert [r["score"] for r in results] == [3]
    graded = settings.course_storage / results[0]["graded_notebook"]
    assert graded.read_bytes() == b'{"graded": true}'
    assert not list(settings.course_storage.rglob("*.part"))


def test_a_job_given_back_goes_to_another_host_and_the_first_cannot_record(queue, store):
    settings, url = queue
    submission = submitted(settings, store)
    client = QueueClient(url, TOKEN)
    first = client.claim("hote-b:1")
    client.give_back(first, "hote-b:1", "the engine went away")
    second = client.claim("hote-c:2")
    assert (second.id, second.attempts) == (first.id, 2)
    assert client.requeue(worker="hote-c:2").queued == 1  # its process died
    third = client.claim("hote-b:3")
    assert not client.complete(second, "hote-c:2", 0, 3, {}, None)
    assert client.complete(third, "hote-b:3", 3, 3, {}, None)
    assert len(store.results_of(submission)) == 1


def test_the_service_start_gives_back_only_its_own_workers_jobs(queue, store):
    settings, url = queue
    submitted(settings, store, "lea")
    submitted(settings, store, "noe")
    QueueClient(url, TOKEN).claim("hote-b:1")
    store.claim("ici:99", 30)
    assert store.requeue(everything=True, max_attempts=3).queued == 1
    assert [j["worker"] for j in store.running_jobs()] == ["remote:hote-b:1"]


def test_bad_requests_are_refused_and_say_why(queue, store):
    settings, url = queue
    submitted(settings, store)
    client = QueueClient(url, TOKEN)
    for name in ("..", "s1-bonjour%2F..", "nope"):
        with pytest.raises(QueueUnavailable, match="404"):
            client.master(name)
    with pytest.raises(QueueUnavailable, match="400.*worker must be"):
        client._call("POST", "/grading/claim", {"worker": "a b/../c"})
    job = client.claim("hote-b:1")
    with pytest.raises(QueueUnavailable, match="400.*score"):
        client._call("POST", f"/grading/jobs/{job.id}/complete",
                     {"worker": "hote-b:1", "score": "3", "max_score": 3, "report": {}})
    assert store.results_of(job.submission_id or 1) == []


def test_a_master_is_kept_once_per_version_and_its_files_stay_in_their_folder(queue, store,
                                                                            tmp_path):
    settings, url = queue
    masters = Masters(tmp_path / "masters", QueueClient(url, TOKEN))
    kept = masters.get(ASSIGNMENT, "unknown")
    assert (kept / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == (
        settings.masters_dir / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    assert (kept / "nbgrader_config.py").read_bytes() == settings.course_config.read_bytes()
    assert masters.get(ASSIGNMENT, kept.name.rsplit("-", 1)[1]) == kept
    for name in ("../x", "/etc/passwd", "source/../../x", "source/a/..", ""):
        with pytest.raises(QueueUnavailable, match="refused"):
            safe_parts(name)


def test_a_lost_kernel_is_what_sends_the_engine_check():
    ok = GradeReport("a", 3, 3, [TestResult("t", 1, 1, 0)])
    died = GradeReport("a", 1, 3, [TestResult("t", 0, 1, 0,
                                              message={"key": "grader.kernel_died",
                                                       "params": {}})])
    stopped = GradeReport("a", 0, 3, error={"key": "grader.job_timeout", "params": {}})
    wrong = GradeReport("a", 0, 3, [TestResult("t", 0, 1, 0, message={
        "key": "grader.test_missing", "params": {}})])
    assert [kernel_lost(r) for r in (ok, died, stopped, wrong)] == [False, True, True, False]


def test_with_other_hosts_the_queue_needs_postgresql():
    def problem(**values):
        return PlatformSettings(environ={}, config=Config({"PlatformSettings": values})
                                ).grading_queue_problem()
    assert problem() is None
    assert "needs PostgreSQL" in problem(grading_queue_address="10.0.0.5:8090")
    assert "not host:port" in problem(grading_queue_address="10.0.0.5",
                                      course_db_url="postgresql://u@h/d")
    assert problem(grading_queue_address="10.0.0.5:8090",
                   course_db_url="postgresql://u@h/d") is None


def test_decoder_up_refuses_other_hosts_on_sqlite_before_it_starts_anything(tmp_path):
    settings = PlatformSettings(environ={}, config=Config({"PlatformSettings": {
        "data_dir": str(tmp_path / "data"), "grading_queue_address": "10.0.0.5:8090"}}))
    with pytest.raises(HubError, match="needs PostgreSQL"):
        hubprocess.prepare(settings)
    assert not (tmp_path / "data").exists()
