"""The Docker engine restarted under a running course (issue 22): the engine stops and starts
again while learners work. Every learner's server goes on answering while the engine is down
and after, nobody logs in again, a kernel keeps its variables, the notebook saved before is the
one on disk, the hardening still holds (another learner unreachable, no host port but the hub's),
and the platform goes on working on the new engine: a new learner's server starts, a submission
is graded in the sandbox.

The defence is dockerd's live-restore (decoder/engine.py starts the engine with it): without
it, stopping the engine stops every container (checked once: the server stopped answering while
the engine was down). This module restarts the engine every other test shares, so conftest.py
runs it last; with live-restore their containers keep running too. Its platform is a small one
of its own (instance 'decoder-engine')."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import nbformat
import pytest

from decoder.engine import engine_answers, ensure_engine, live_restore_enabled
from decoder.hub.network import firewall_problems
from tests import lab
from tests.conftest import TEST_SETTINGS, Platform
from tests.test_class_crashes import in_the_lab
from tests.test_limits import small_platform
from tests.test_sandbox_security import connect_from, queued_connections

pytestmark = [pytest.mark.docker, pytest.mark.engine_restart]

DOCKERD_PID = Path("/var/run/docker.pid")
ENGINE = {"instance": "decoder-engine", "public_port": 19700, "hub_port": 19781,
          "proxy_api_port": 19701, "course_service_port": 19782,
          "learner_network": "decoder-engine-learners", "learner_subnet": "172.29.19.0/24",
          "learner_bridge": "decoder-eng0", "grading_workers": 1, "formgrader": False}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    yield from small_platform(tmp_path_factory, {**TEST_SETTINGS, **ENGINE})


def stop_engine(timeout: float = 120) -> None:
    """Stop dockerd as an operator's `systemctl stop docker` does (SIGTERM), and wait for it
    to be gone."""
    pid = int(DOCKERD_PID.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not engine_answers() and not running(pid):
            return
        time.sleep(0.5)
    raise AssertionError(f"dockerd (pid {pid}) did not stop within {timeout} s")


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def sources(notebook) -> list[str]:
    """Its cells' sources, as nbformat means them (a text, or its lines as written on disk)."""
    return ["".join(c.source) if isinstance(c.source, list) else c.source for c in notebook.cells]


def other_ip(settings, container) -> str:
    container.reload()
    return container.attrs["NetworkSettings"]["Networks"][settings.learner_network]["IPAddress"]


def test_a_course_goes_on_through_an_engine_restart(course):
    settings = course
    platform = Platform(settings)
    assert live_restore_enabled(), "the engine started by decoder keeps containers running"
    alice, bruno = in_the_lab(settings, "nadia"), in_the_lab(settings, "omar")
    saved = lab.fetch_and_solve(platform, alice, right=True)
    kernel = alice.server_api("POST", "/kernels", json={"name": "python3"}).json()["id"]
    assert alice._execute(kernel, "x = 41\nprint('set')", 60, alice.name).strip() == "set"

    stop_engine()
    # the engine is down: the learners' servers and kernels run on
    assert alice.server_api("GET", "/status").status_code == 200
    assert alice._execute(kernel, "x += 1\nprint(x)", 60, alice.name).strip() == "42"
    ensure_engine(settings.path("logs", "dockerd.log"))

    # the engine is back: nothing lost, nobody logs in again
    for learner in (alice, bruno):
        assert learner.api("GET", "/user").status_code == 200, learner.name
        assert learner.server_api("GET", "/status").status_code == 200, learner.name
    assert alice._execute(kernel, "print(x)", 60, alice.name).strip() == "42"
    on_disk = nbformat.reads(lab.read_file(platform.container(alice), lab.NOTEBOOK), 4)
    assert sources(on_disk) == sources(saved)

    # the hardening holds on the restarted engine
    assert firewall_problems(settings) == []
    host_port = socket.socket()
    host_port.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    host_port.bind(("0.0.0.0", 0))
    host_port.listen(5)
    try:
        container = platform.container(alice)
        assert connect_from(container, settings.gateway_ip, settings.hub_port) == "CONNECTED\n"
        assert connect_from(container, settings.gateway_ip,
                            host_port.getsockname()[1]).startswith("FAILED")
        assert not queued_connections(host_port)
        bruno_ip = other_ip(settings, platform.container(bruno))
        assert connect_from(container, bruno_ip, 8888).startswith("FAILED")
    finally:
        host_port.close()

    # and the platform works on it: a new server starts, a submission is graded
    carla = in_the_lab(settings, "paula")
    assert carla.server_api("GET", "/status").status_code == 200
    lab.nbgrader(platform.container(alice), "submit", lab.NAME)
    graded = lab.wait_graded(platform.container(alice))[-1]
    assert (graded["state"], graded["score"], graded["max_score"]) == ("done", 3.0, 3.0)
