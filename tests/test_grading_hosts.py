"""Grading on two hosts, really, as a course service on Kubernetes grades: the course service
runs apart from the hub (course_service_address: the hub only routes to it and shares its
token; `decoder course-service` starts it) and grades nothing itself (grade_here off; it is
given no Docker engine at all). Two grading hosts run `decoder worker` against its queue over
HTTP (grading_queue_address): this machine's engine, and a second Docker engine on this
machine in a network namespace of its own (tests/secondhost.py: its own data-root, exec-root,
socket, bridge and configuration, joined by a veth pair, the grader image loaded into it). The
course service's database is PostgreSQL (the queue refuses SQLite with other hosts).

Traffic stays on this machine's own namespaces. The engine is killed last (module order)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from decoder.ops.hubprocess import course_service_answers
from decoder.service.store import REMOTE, Store
from decoder.settings import CONFIG_ENV, PROJECT_ROOT, gateway_of
from tests.conftest import TEST_SETTINGS
from tests.hubclient import Learner
from tests.pages import Pages, api_token, submit
from tests.pgserver import PostgresServer
from tests.secondhost import HostPlan, SecondHost, WorkerProcess
from tests.test_limits import small_platform

pytestmark = pytest.mark.docker

NAME = "s1-bonjour"
PLAN = HostPlan()
QUEUE_PORT = 19983
NO_ENGINE = "unix:///nonexistent/docker.sock"
VALUES = {"instance": "decoder-hosts", "public_port": 19900, "hub_port": 19981,
          "proxy_api_port": 19901, "course_service_port": 19982,
          "learner_network": "decoder-hosts-learners", "learner_subnet": "172.29.23.0/24",
          "learner_bridge": "decoder-hst0", "grade_here": False,
          "formgrader": False, "review_rooms": 0, "lease_seconds": 15,
          "grading_queue_address": f"{PLAN.here}:{QUEUE_PORT}",
          "course_service_address": f"http://{gateway_of('172.29.23.0/24')}:19982"}


def tripwire(settings) -> Path:
    """A `docker` command first on the course service's PATH that only notes it was called
    (the hub's image, which runs the service's pod, has no Docker client)."""
    folder = settings.path("tripwire")
    folder.mkdir(exist_ok=True)
    script = folder / "docker"
    script.write_text(f'#!/bin/sh\necho "$@" >> {folder / "called"}\nexit 1\n')
    script.chmod(0o755)
    return folder


def course_service_apart(settings) -> subprocess.Popen:
    """`decoder course-service`, as a service unit of another machine would run it, with no
    Docker engine to reach (a pod of a cluster has none)."""
    log = open(settings.path("logs", "course-apart.log"), "ab")
    path = f"{tripwire(settings)}:{os.environ['PATH']}"
    process = subprocess.Popen(
        [sys.executable, "-m", "decoder.ops.cli", "course-service"], cwd=PROJECT_ROOT,
        env={**os.environ, CONFIG_ENV: settings.config_file, "DOCKER_HOST": NO_ENGINE,
             "PATH": path},
        stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: course_service_answers(settings) or process.poll() is not None, 90)
    assert process.poll() is None, settings.path("logs", "course-apart.log").read_text()
    return process


class Hosts:
    def __init__(self, settings, second: SecondHost, first: WorkerProcess):
        self.settings, self.second, self.first = settings, second, first
        self.course: subprocess.Popen | None = None

    def stop_course(self) -> None:
        if self.course is not None:
            os.killpg(self.course.pid, signal.SIGTERM)
            self.course.wait(30)
            self.course = None

    def on_second(self, worker: str) -> bool:
        """Whether the job's worker (``remote:HOST:PID``) is a process of the second host."""
        assert worker.startswith(REMOTE), worker  # the service itself grades nothing
        return int(worker.rsplit(":", 1)[1]) in self.second.worker_process.pids()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """The platform (this machine: hub, proxy; the course service apart), this machine's
    engine and the second host each running `decoder worker` against the queue."""
    second = SecondHost(PLAN)
    postgres = PostgresServer()
    url = postgres.start()
    first = WorkerProcess(tmp_path_factory.mktemp("first-host"),
                          os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    platform = None
    here = Hosts(None, second, first)
    try:
        second.connect()  # the queue's address must exist before the service listens on it
        second.start_engine()
        platform = small_platform(tmp_path_factory, {**TEST_SETTINGS, **VALUES,
                                                     "course_db_url": url})
        here.settings = settings = next(platform)
        here.course = course_service_apart(settings)
        second.load(settings.grader_image)
        token = settings.grading_queue_token_file.read_text().strip()
        queue = f"http://{PLAN.here}:{QUEUE_PORT}"
        first.start(queue, token, sandboxes_ahead=0)
        second.start_worker(queue, token)
        first.wait()
        second.wait_worker()
        yield here
    finally:
        first.stop()
        here.stop_course()
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
    settings = hosts.settings
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
    assert {hosts.on_second(w) for w in workers} == {True, False}, workers


def test_the_course_service_apart_is_the_hubs_service(hosts):
    """The hub did not start it, yet routes to it and vouches for people: a learner's browser
    session opens its pages through the hub's OAuth, on the service's own origin."""
    settings = hosts.settings
    hub_children = subprocess.run(["pgrep", "-f", "decoder.hub.childof decoder.course_app"],
                                  capture_output=True, text=True).stdout.split()
    assert not [pid for pid in hub_children
                if f"DECODER_INSTANCE={settings.instance}".encode()
                in open(f"/proc/{pid}/environ", "rb").read()]
    learner, token = signed_up(settings)
    submission = submit(Platform(settings), learner, NAME, token=token)
    store = Store(settings.course_db_url)
    graded_all(store, [submission])
    assert store.jobs_of(submission)[0]["worker"].startswith(REMOTE)
    page = Pages(learner).text(f"/feedback/{submission}")
    assert "Note : <strong>3 / 3</strong>" in page
    status = subprocess.run([sys.executable, "-m", "decoder.ops.cli", "status"],
                            capture_output=True, text=True, cwd=PROJECT_ROOT,
                            env={**os.environ, CONFIG_ENV: settings.config_file})
    assert f"service: answering at {settings.course_service_url}, run apart from the hub" \
        in status.stdout and "grades nothing itself" in status.stdout, status.stdout


def test_a_restart_of_the_course_service_leaves_the_hosts_jobs_alone(hosts):
    """A redeploy of the service (its pod replaced) while a host grades: it starts again
    without any engine of its own, the job stays with its host and is graded once."""
    settings = hosts.settings
    store = Store(settings.course_db_url)
    _, _, [submission] = submitted_at_once(settings, 1, 12)
    wait_for(lambda: store.jobs_of(submission)[-1]["state"] == "running", 90)
    hosts.stop_course()
    hosts.course = course_service_apart(settings)
    graded_all(store, [submission], timeout=120)
    assert [(r["score"], r["max_score"]) for r in store.results_of(submission)] == [(3.0, 3.0)]
    assert [job["attempts"] for job in store.jobs_of(submission)] == [1]
    assert not (tripwire(settings) / "called").exists(), "the service called docker"


def test_the_sandbox_keeps_its_hardening_on_the_second_host(hosts):
    """Inspected on the second engine: the sandbox its worker keeps started ahead."""
    second = hosts.second
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
    settings, second = hosts.settings, hosts.second
    store = Store(settings.course_db_url)
    learner, token, submissions = submitted_at_once(settings, 2, 15)

    def remote_job():
        return [job for s in submissions for job in store.jobs_of(s)
                if job["state"] == "running" and hosts.on_second(job["worker"])]
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
    assert job["attempts"] == 2 and not hosts.on_second(job["worker"])
    assert "EngineGone" in (job["error"] or ""), job["error"]
    # the worker of the dead engine takes nothing while its engine is away
    after = submit(Platform(settings), learner, NAME, token=token)
    graded_all(store, [after], timeout=120)
    assert not hosts.on_second(store.jobs_of(after)[0]["worker"])
    assert second.worker.poll() is None  # alive, waiting for its engine
