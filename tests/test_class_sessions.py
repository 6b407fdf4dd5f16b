"""A class taught together, on the real hub, engine and services: a group filled from a class
list, a session declared, its group's servers started ahead of it by the class-sessions service
(and nobody else's), ``decoder prestart`` by hand, and a learner beyond the hub's concurrent
start limit waiting on a page that tries again by itself until her JupyterLab opens. A small
platform of its own (instance 'decoder-class'), with one start at a time."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from decoder.hubapi import HubAPI
from decoder.service.runs import run_store
from tests.a11y import assert_accessible
from tests.browsers import new_page
from tests.conftest import TEST_SETTINGS
from tests.hubclient import Learner
from tests.test_limits import small_platform
from tests.test_trust import sign_up

pytestmark = pytest.mark.docker

CLASS = {
    **TEST_SETTINGS,
    "instance": "decoder-class",
    "public_port": 19300,
    "hub_port": 19381,
    "proxy_api_port": 19301,
    "course_service_port": 19382,
    "learner_network": "decoder-class-learners",
    "learner_subnet": "172.29.15.0/24",
    "learner_bridge": "decoder-cls0",
    "grading_workers": 1,
    "sandboxes_ahead": 0,
    "formgrader": False,
    "concurrent_spawns": 1,  # one start at a time: the second learner waits
    "prestart_check_seconds": 2,
}
PASSWORD = "mot-de-passe-solide"


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    settings = next(gen := small_platform(tmp_path_factory, CLASS))
    for name in ("anna", "bruno", "chloe", "dora", "emil"):
        assert sign_up(settings.public_url, name).status_code == 200
    yield settings
    next(gen, None)


def decoder(settings, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "DECODER_CONFIG": settings.config_file}
    return subprocess.run([sys.executable, "-m", "decoder.ops.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def wait_for(condition, what: str, timeout: float = 240, every: float = 1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(every)


def one_start_under_way(hub: HubAPI, learner: Learner, tries: int = 5) -> threading.Thread:
    """``learner``'s server starting, seen pending by the hub (a start takes a few seconds: one
    that ends before it is seen is stopped and asked again). The hub answers a start once it
    is done, or after 10 s: it is asked from a thread, returned to join."""
    for _ in range(tries):
        asked: list[int] = []
        starting = threading.Thread(target=lambda answers=asked: answers.append(
            learner.api("POST", f"/users/{learner.name}/server").status_code))
        starting.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not asked:
            if hub.server_state(learner.name) == "pending":
                return starting
            time.sleep(0.02)
        starting.join()
        assert asked and asked[0] in (201, 202), asked
        learner.stop_server()
    raise AssertionError(f"{learner.name}'s start was never seen under way")


def test_a_sessions_group_is_ready_before_it_and_nobody_else_is_started(klass, tmp_path):
    hub = HubAPI.for_cli(klass)
    roster = tmp_path / "atelier.csv"
    roster.write_text("Nom d'utilisateur;Prénom\nanna;Anna\nBRUNO;Bruno\ninconnue;X\n"
                      "Zoé B;Zoé\n", encoding="utf-8")
    filled = decoder(klass, "group", "add", "atelier", str(roster))
    assert filled.returncode == 1, filled.stderr  # said: one unknown, one line skipped
    assert "created: 2 added" in filled.stdout
    assert "No account yet, not added (1): inconnue" in filled.stdout
    assert "skipped, line 5" in filled.stdout
    assert hub.group_members("atelier") == ["anna", "bruno"]
    rights = decoder(klass, "group", "add", "instructors", str(roster))
    assert rights.returncode == 2 and "decoder instructor add" in rights.stderr
    assert hub.group_members("instructors") is not None
    assert "anna" not in hub.group_members("instructors")

    run = run_store(klass.course_db_url).current()
    start = dt.datetime.now(ZoneInfo(run.time_zone)) + dt.timedelta(minutes=5)
    declared = decoder(klass, "session", "add", "atelier", f"{start:%Y-%m-%d %H:%M}",
                       "--minutes", "90")
    assert declared.returncode == 0, declared.stderr
    assert "for 90 min" in declared.stdout

    wait_for(lambda: {hub.server_state("anna"), hub.server_state("bruno")} == {"ready"},
             "the group's servers were not started ahead of its session")
    assert hub.server_state("chloe") == "stopped"  # not in the group
    wait_for(lambda: "servers started" in decoder(klass, "session", "list").stdout,
             "the session was never marked as prestarted")

    started = hub.user("anna")["servers"][""]["started"]
    anna = Learner(klass.public_url, "anna", PASSWORD)
    anna.login()
    assert anna.open_lab().status_code == 200  # straight into her ready JupyterLab
    assert hub.user("anna")["servers"][""]["started"] == started  # no new start
    assert hub.server_state("chloe") == "stopped"


def test_decoder_prestart_starts_a_group_by_hand(klass, tmp_path):
    hub = HubAPI.for_cli(klass)
    (tmp_path / "soir.txt").write_text("chloe\n")
    assert decoder(klass, "group", "add", "soir", str(tmp_path / "soir.txt")).returncode == 0
    missing = decoder(klass, "prestart", "personne")
    assert missing.returncode == 2 and "there is no group 'personne'" in missing.stderr
    by_hand = decoder(klass, "prestart", "soir")
    assert by_hand.returncode == 0, by_hand.stderr
    assert "1 started, 0 already running" in by_hand.stdout
    assert hub.server_state("chloe") == "ready"
    again = decoder(klass, "prestart", "soir")
    assert "0 started, 1 already running" in again.stdout


def test_a_learner_beyond_the_start_limit_waits_on_a_page_that_retries_by_itself(klass,
                                                                                  browser):
    dora = Learner(klass.public_url, "dora", PASSWORD)
    dora.login()
    page = new_page(browser)
    page.goto(f"{klass.public_url}/hub/login?next=/hub/home")
    page.fill("#username_input", "emil")
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/hub/home"))
    starting = one_start_under_way(HubAPI.for_cli(klass), dora)  # the hub's limit: 1
    page.goto(f"{klass.public_url}/hub/spawn/emil")
    expect(page.get_by_role("heading", name="Votre espace de travail arrive")).to_be_visible()
    expect(page.locator("#error-detail")).to_contain_text("réessaie toute seule")
    assert_accessible(page, "waiting page over the start limit")
    # nothing clicked: the page tries again until her JupyterLab opens
    page.wait_for_url(re.compile(r"/user/emil/lab"), timeout=240_000)
    starting.join()
    dora.wait_ready()
