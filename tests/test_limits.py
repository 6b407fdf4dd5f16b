"""Limits that keep a class up when someone scripts sign-ups: accounts per address, servers
running at once. A small platform of its own (instance 'decoder-limits'), since the session's
platform signs up and starts many learners from one address."""

from __future__ import annotations

import re
import time

import pytest
import requests

from decoder import protocol
from decoder.ops import hubprocess
from decoder.service.store import Store
from decoder.settings import PlatformSettings
from tests.conftest import TEST_SETTINGS, cleanup, settings_file
from tests.course_copy import course_copy
from tests.hubclient import Learner, demo_account
from tests.pages import api_token
from tests.test_trust import logs_in, sign_up

pytestmark = pytest.mark.docker

LIMITS = {
    **TEST_SETTINGS,
    "instance": "decoder-limits",
    "public_port": 19000,
    "hub_port": 19081,
    "proxy_api_port": 19001,
    "course_service_port": 19082,
    "learner_network": "decoder-limits-learners",
    "learner_subnet": "172.29.11.0/24",
    "learner_bridge": "decoder-lim0",
    "grading_workers": 1,
    "sandboxes_ahead": 0,
    "formgrader": False,
    "signups_per_address_per_hour": 3,
    "max_active_servers": 1,
}


def small_platform(tmp_path_factory, values: dict, operator_lines: str = ""):
    """A platform of its own with these settings (and lines for the hub's other classes in
    the operator's file), stopped and cleaned up at the end."""
    data_dir = tmp_path_factory.mktemp(values["instance"])
    course = course_copy(data_dir / "course")
    path = settings_file(data_dir, **{**values, "course_file": str(course)})
    path.write_text(path.read_text() + operator_lines)
    settings = PlatformSettings.load(path, environ={})
    hubprocess.prepare(settings)
    cleanup(settings)
    try:
        hubprocess.start_hub(settings)
        yield settings
    finally:
        hubprocess.stop_platform(settings)
        cleanup(settings)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    yield from small_platform(tmp_path_factory, LIMITS)


@pytest.fixture(scope="module")
def odd(tmp_path_factory):
    """A platform set up wrong twice: its lab image is not on its allow-list (DockerSpawner's
    own check only looks at images a user asks for, so ours must refuse it), and it wants more
    free disk than any disk has (1 PB)."""
    values = {**LIMITS, "instance": "decoder-odd", "public_port": 19100, "hub_port": 19181,
              "proxy_api_port": 19101, "course_service_port": 19182,
              "learner_network": "decoder-odd-learners", "learner_subnet": "172.29.12.0/24",
              "learner_bridge": "decoder-odd0", "min_free_disk_mb": 10 ** 9,
              "allowed_images": ["decoder/base:anything"]}
    yield from small_platform(tmp_path_factory, values)


@pytest.fixture(scope="module")
def short_of_memory(tmp_path_factory):
    """A platform whose memory guard asks for more memory available than any machine has
    (1 PiB): every new server is refused, whatever the server limit says."""
    values = {**LIMITS, "instance": "decoder-mem", "public_port": 19400, "hub_port": 19481,
              "proxy_api_port": 19401, "course_service_port": 19482,
              "learner_network": "decoder-mem-learners", "learner_subnet": "172.29.16.0/24",
              "learner_bridge": "decoder-mem0", "max_active_servers": 40,
              "memory_reserve_mb": 2 ** 30}
    yield from small_platform(tmp_path_factory, values)


@pytest.fixture(scope="module")
def loosened(tmp_path_factory):
    """A platform whose operator's file adds a capability through the container's create
    options, a path DockerSpawner merges into the container beside the host config our
    hardening checks when the hub starts (c.DecoderSpawner.extra_host_config)."""
    values = {**LIMITS, "instance": "decoder-loose", "public_port": 19800, "hub_port": 19881,
              "proxy_api_port": 19801, "course_service_port": 19882,
              "learner_network": "decoder-loose-learners", "learner_subnet": "172.29.20.0/24",
              "learner_bridge": "decoder-lse0", "max_active_servers": 40,
              "review_rooms": 0}  # its rooms' starts would be refused too, again and again
    yield from small_platform(tmp_path_factory, values, operator_lines=(
        "c.DecoderSpawner.extra_create_kwargs = {'host_config': {'CapAdd': ['NET_RAW']}}\n"))


def test_one_address_creates_only_so_many_accounts_an_hour(small):
    url = small.public_url
    for number in range(3):
        assert sign_up(url, f"script{number}").status_code == 200
    refused = sign_up(url, "script3")
    assert refused.status_code == 429
    said = " ".join(refused.text.split())
    assert "Trop de comptes ont été créés depuis votre adresse" in said
    assert "Réessayez dans 60 minute(s)" in said
    assert not logs_in(url, "script3", "mot-de-passe-solide")  # no account was made
    assert logs_in(url, "script0", "mot-de-passe-solide")  # those made before still work


def test_servers_beyond_the_limit_wait_with_a_french_page(small):
    first = Learner(small.public_url, "script1", "mot-de-passe-solide")
    second = Learner(small.public_url, "script2", "mot-de-passe-solide")
    first.login()
    second.login()
    first.start_server()
    refused = second.api("POST", f"/users/{second.name}/server")
    assert refused.status_code == 429
    page = second.http.get(f"{small.public_url}/hub/spawn/{second.name}", timeout=60)
    page.encoding = "utf-8"
    assert page.status_code == 429
    said = " ".join(re.sub(r"<[^>]+>", "", page.text).split())
    assert "La plateforme est pleine pour le moment" in said
    assert "Cette page réessaie toute seule dans 60 secondes" in said  # and waits, by itself
    first.stop_server()
    # a place freed: the next one starts, as the French page's own retries do (the hub counts
    # a stopping server for a moment after its user's model no longer lists it: CI saw a 429)
    deadline = time.monotonic() + 60
    while (asked := second.api("POST", f"/users/{second.name}/server")).status_code == 429:
        assert time.monotonic() < deadline, "the place freed was never given"
        time.sleep(1)
    assert asked.status_code in (201, 202), asked.text
    second.wait_ready()



def test_an_image_off_the_allow_list_is_refused_by_our_own_check(odd):
    learner = demo_account(odd, "alice")
    refused = learner.api("POST", f"/users/{learner.name}/server")
    assert refused.status_code == 403, refused.text
    assert "n'est pas autorisée" in refused.json()["message"]
    assert not hubprocess.learner_containers(odd)


def test_a_full_disk_refuses_sign_ups_and_submissions_and_damages_nothing(odd):
    refused = sign_up(odd.public_url, "nouvelle")
    assert refused.status_code == 503
    assert "La plateforme manque de place sur son disque" in " ".join(refused.text.split())
    assert not logs_in(odd.public_url, "nouvelle", "mot-de-passe-solide")
    learner = demo_account(odd, "bruno")  # those already here still log in
    master = odd.masters_dir / "s1-bonjour" / "s1-bonjour.ipynb"
    answer = requests.post(
        protocol.service_url(odd.course_service_url)
        + protocol.route("submit", assignment="s1-bonjour"),
        json=protocol.encode_files({"s1-bonjour.ipynb": master.read_bytes()}),
        headers={"Authorization": f"token {api_token(learner)}"}, timeout=60)
    assert answer.status_code == 507
    assert "manque de place pour enregistrer votre travail" in answer.json()["message"]
    assert Store(odd.course_db_url).submissions_of("bruno", run=None) == []
    assert not list((odd.course_storage / "submissions").glob("**/*.ipynb"))


def test_a_machine_short_of_memory_refuses_new_servers_with_the_waiting_page(short_of_memory):
    learner = demo_account(short_of_memory, "alice")
    refused = learner.api("POST", f"/users/{learner.name}/server")
    assert refused.status_code == 429, refused.text
    assert "manque de mémoire" in refused.json()["message"]
    page = learner.http.get(f"{short_of_memory.public_url}/hub/spawn/{learner.name}",
                            timeout=60)
    page.encoding = "utf-8"
    said = " ".join(re.sub(r"<[^>]+>", "", page.text).split())
    assert page.status_code == 429
    assert "La plateforme manque de mémoire" in said
    assert "Cette page réessaie toute seule dans 60 secondes" in said
    assert not hubprocess.learner_containers(short_of_memory)  # nothing was started


def test_a_container_that_does_not_keep_the_hardening_is_stopped_and_refused(loosened):
    """The spawner reads the created container back (docker inspect) against every rule of
    decoder/hub/hardening.py, whatever configuration made it."""
    learner = demo_account(loosened, "alice")
    refused = learner.api("POST", f"/users/{learner.name}/server")
    if refused.status_code == 202:  # the hub answers before the start ends: wait for it
        deadline = time.monotonic() + 120
        while learner.api("GET", f"/users/{learner.name}").json()["pending"]:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    else:
        assert refused.status_code == 500, refused.text
        assert "affaiblirait sa protection" in refused.json()["message"]
    assert not learner.api("GET", f"/users/{learner.name}").json()["servers"]
    # hers is gone (the review rooms' servers, refused too, are retried by the room pool)
    assert not [c for c in hubprocess.learner_containers(loosened)
                if c.name == f"{loosened.instance}-lab-{learner.name}"]
    log = loosened.path("logs", "jupyterhub.log").read_text(encoding="utf-8")
    assert "does not keep the hardening: no_capabilities" in log
