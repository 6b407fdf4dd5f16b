"""Fixtures. Integration tests run a second platform (instance 'decoder-test') beside the demo:
its own ports, data folder, learner network, containers and volumes, removed at the end. It is
configured as an operator would: a settings file named by DECODER_CONFIG, and nothing in the
environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from decoder.hub import homes
from decoder.ops import hubprocess
from decoder.settings import PlatformSettings
from tests.browsers import browser  # noqa: F401 (the browser tests' fixture)
from tests.course_copy import course_copy
from tests.hubclient import Learner

TEST_SETTINGS = {
    "instance": "decoder-test",
    "public_port": 18000,
    "hub_port": 18081,
    "proxy_api_port": 18001,
    "learner_network": "decoder-test-learners",
    "learner_subnet": "172.29.9.0/24",
    "learner_bridge": "decoder-test0",
    "course_service_port": 18082,
    "grading_workers": 2,
    # set only in the file, and checked where each is used (tests/test_settings_reach.py)
    "max_submission_mb": 24,
    "cell_timeout": 15,
    "max_submissions_per_minute": 20,  # the hostile set is submitted by one learner at once
    "instructors": ["karim"],  # listed, with no account yet: sign-up must not hand it out
    "home_size_mb": 100,  # small enough to fill in a test (tests/test_homes_full.py)
    # every test signs learners up from 127.0.0.1 (the limit itself: tests/test_limits.py)
    "signups_per_address_per_hour": 500,
    # the suite keeps many learners' servers and review rooms running (the limit itself:
    # tests/test_limits.py)
    "max_active_servers": 40,
}


def pytest_collection_modifyitems(config, items):
    """The engine restart last: it stops the Docker engine every other test's containers run
    on (they keep running, through live-restore, but a hub calling the engine meanwhile
    fails)."""
    items.sort(key=lambda item: item.get_closest_marker("engine_restart") is not None)


def settings_file(data_dir: Path, **overrides) -> Path:
    """The operator's settings file of the test platform (traitlets syntax)."""
    values = {**TEST_SETTINGS, "data_dir": str(data_dir), **overrides}
    path = data_dir / "decoder_config.py"
    path.write_text("".join(f"c.PlatformSettings.{name} = {value!r}\n"
                            for name, value in values.items()))
    return path


@dataclass
class Platform:
    settings: PlatformSettings

    @property
    def url(self) -> str:
        return self.settings.public_url

    def learner(self, prefix: str = "learner") -> Learner:
        name = f"{prefix}{secrets.token_hex(3)}"
        return Learner(self.url, name, "mot-de-passe-" + secrets.token_hex(4))

    def signed_up(self, prefix: str = "learner") -> Learner:
        learner = self.learner(prefix)
        learner.signup()
        learner.login()
        return learner

    def container(self, learner: Learner):
        return docker.from_env().containers.get(f"{self.settings.instance}-lab-{learner.name}")

    def decoder(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`decoder ...` as an operator runs it: only the settings file is named."""
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
               "DECODER_CONFIG": self.settings.config_file}
        return subprocess.run([sys.executable, "-m", "decoder.ops.cli", *args], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def restart_hub(self) -> None:
        hubprocess.stop_hub(self.settings)
        hubprocess.start_hub(self.settings)


def cleanup(settings: PlatformSettings) -> None:
    client = docker.from_env()
    for container in hubprocess.learner_containers(settings):
        container.remove(force=True)
    for volume in client.volumes.list():
        if volume.name.startswith(f"{settings.instance}-home-"):
            volume.remove(force=True)
    homes.release_filesystem(settings.homes_root, settings.homes_image)  # frees its loop device


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    data_dir = tmp_path_factory.mktemp("platform")
    course_file = course_copy(data_dir / "course")
    settings = PlatformSettings.load(settings_file(data_dir, course_file=str(course_file)),
                                     environ={})
    hubprocess.prepare(settings)
    cleanup(settings)
    try:
        hubprocess.start_hub(settings)
    except hubprocess.HubError:
        hubprocess.stop_platform(settings)  # the proxy may have started
        raise
    yield Platform(settings)
    hubprocess.stop_platform(settings)
    cleanup(settings)


@pytest.fixture(scope="session")
def learner_a(platform) -> Learner:
    learner = platform.signed_up("alice")
    learner.start_server()
    return learner


@pytest.fixture(scope="session")
def learner_b(platform) -> Learner:
    learner = platform.signed_up("bruno")
    learner.start_server()
    return learner
