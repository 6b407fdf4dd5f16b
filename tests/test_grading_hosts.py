"""Grading on two hosts, really: a second Docker engine on this machine in a network namespace
of its own (tests/secondhost.py: its own data-root, exec-root, socket, bridge and configuration,
joined by a veth pair, the grader image loaded into it) runs `decoder worker`, which takes jobs
from the course service's queue over HTTP (grading_queue_address) beside the service's own
worker. The course service's database is PostgreSQL (the queue refuses SQLite with other
hosts).

Traffic stays on this machine's own namespaces. The engine is killed last (module order)."""

from __future__ import annotations

import time

import nbformat
import pytest

from decoder.service.store import REMOTE, Store
from tests.conftest import TEST_SETTINGS
from tests.hubclient import Learner
from tests.pages import api_token, submit
from tests.pgserver import PostgresServer
from tests.secondhost import HostPlan, SecondHost
from tests.test_limits import small_platform

pytestmark = pytest.mark.docker

NAME = "s1-bonjour"
PLAN = HostPlan()
QUEUE_PORT = 19983
VALUES = {"instance": "decoder-hosts", "public_port": 19900, "hub_port": 19981,
          "proxy_api_port": 19901, "course_service_port": 19982,
          "learner_network": "decoder-hosts-learners", "learner_subnet": "172.29.23.0/24",
          "learner_bridge": "decoder-hst0", "grading_workers": 1, "sandboxes_ahead": 0,
          "formgrader": False, "review_rooms": 0, "lease_seconds": 15,
          "grading_queue_address": f"{PLAN.here}:{QUEUE_PORT}"}


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """The platform (this machine: hub, course service, one grading worker) and the second
    host running `decoder worker` against its queue."""
    second = SecondHost(PLAN)
    postgres = PostgresServer()
    url = postgres.start()
    platform = None
    try:
        second.connect()  # the queue's address must exist before the service listens on it
        second.start_engine()
        platform = small_platform(tmp_path_factory, {**TEST_SETTINGS, **VALUES,
                                                     "course_db_url": url})
        settings = next(platform)
        second.load(settings.grader_image)
        token = settings.grading_queue_token_file.read_text().strip()
        second.start_worker(f"http://{PLAN.here}:{QUEUE_PORT}", token)
        second.wait_worker()
        yield settings, second
    finally:
        if platform is not None:
            platform.close()  # the platform stops (small_platform's finally)
        second.remove()
        postgres.stop()


def wait_for(condition, timeout: float, explain=lambda: ""):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, explain()
        time.sleep(0.5)
    return found


def sleeping(settings, seconds: int) -> nbformat.NotebookNode:
    """The master's right answers, after a first cell that takes ``seconds``."""
    notebook = nbformat.read(settings.masters_dir / NAME / f"{NAME}.ipynb", 4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
    return notebook


def signed_up(settings) -> tuple[Learner, str]:
    learner = Learner(settings.public_url, f"hote{time.monotonic_ns() % 10**6}",
                      "mot-de-passe-solide")
    learner.signup()
    learner.login()
    return learner, api_token(learner)


class Platform:  # what tests.pages.submit reads of a platform
    def __init__(self, settings):
        self.settings = settings


def graded_all(store: Store, submissions: list[int], timeout: float = 240) -> None:
    wait_for(lambda: all(store.submission(s)["state"] == "done" for s in submissions), timeout,
             lambda: [store.jobs_of(s) for s in submissions])


def submitted_at_once(settings, count: int, seconds: int) -> tuple[Learner, str, list[int]]:
    """A new learner hands in ``count`` right answers that take ``seconds`` each."""
    learner, token = signed_up(settings)
    return learner, token, [submit(Platform(settings), learner, NAME,
                                   sleeping(settings, seconds), token=token)
                            for _ in range(count)]


def test_jobs_spread_across_both_hosts_and_each_is_graded_once(hosts):
    settings, second = hosts
    store = Store(settings.course_db_url)
    _, _, submissions = submitted_at_once(settings, 4, 3)
    graded_all(store, submissions)
    workers = set()
    for submission in submissions:
        results = store.results_of(submission)
        assert [(r["score"], r["max_score"]) for r in results] == [(3.0, 3.0)]
        workers |= {job["worker"] for job in store.jobs_of(submission)}
        # the graded notebook came back to the service's side (the feedback reads it)
        assert (settings.course_storage / results[0]["graded_notebook"]).is_file()
    assert {w.startswith(REMOTE) for w in workers} == {True, False}, workers


def test_the_sandbox_keeps_its_hardening_on_the_second_host(hosts):
    """Inspected on the second engine: the sandbox its worker keeps started ahead."""
    settings, second = hosts
    sandboxes = wait_for(lambda: second.client().containers.list(
        filters={"label": "decoder.role=grading-sandbox"}), 60)
    host = sandboxes[0].attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["ReadonlyRootfs"] and not host["Privileged"]
    assert host["Memory"] > 0 and host["Memory"] == host["MemorySwap"]
    assert host["PidsLimit"] > 0 and host["NanoCpus"] > 0
    assert sandboxes[0].attrs["Config"]["User"] == "1000:1000"


def test_killing_the_second_engine_mid_job_gives_its_job_back_graded_once(hosts):
    settings, second = hosts
    store = Store(settings.course_db_url)
    learner, token, submissions = submitted_at_once(settings, 2, 15)

    def remote_job():
        return [job for s in submissions for job in store.jobs_of(s)
                if job["state"] == "running" and job["worker"].startswith(REMOTE)]
    held = wait_for(remote_job, 90, lambda: [store.jobs_of(s) for s in submissions])[0]
    time.sleep(6)  # inside its 15 s cell (its sandbox was started ahead: no job label)
    assert store.jobs_of(held["submission_id"])[-1]["state"] == "running"
    second.kill_engine()
    assert not second.answers()
    graded_all(store, submissions, timeout=180)
    for submission in submissions:
        assert [(r["score"], r["max_score"]) for r in store.results_of(submission)] == [
            (3.0, 3.0)]  # once, and all of it: the kernel's death was not the learner's
    job = [j for s in submissions for j in store.jobs_of(s) if j["id"] == held["id"]][0]
    assert job["attempts"] == 2 and not job["worker"].startswith(REMOTE)
    assert "EngineGone" in (job["error"] or ""), job["error"]
    # the worker of the dead engine takes nothing while its engine is away
    after = submit(Platform(settings), learner, NAME, token=token)
    graded_all(store, [after], timeout=120)
    assert not store.jobs_of(after)[0]["worker"].startswith(REMOTE)
    assert second.worker.poll() is None  # alive, waiting for its engine
