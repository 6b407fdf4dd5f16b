"""Fixtures. Integration tests run a second platform (instance 'decoder-test') beside the demo:
its own ports, data folder, learner network, containers and volumes, removed at the end."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from traitlets.config import Config

from decoder import hubprocess
from decoder.settings import PlatformSettings
from tests.course_copy import course_with_fixed_dates
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
}


def test_settings(data_dir: Path, **overrides) -> PlatformSettings:
    values = {**TEST_SETTINGS, "data_dir": str(data_dir), **overrides}
    return PlatformSettings(config=Config({"PlatformSettings": values}))


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


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    data_dir = tmp_path_factory.mktemp("platform")
    course_file = course_with_fixed_dates(data_dir / "course")
    settings = test_settings(data_dir, course_file=str(course_file))
    hubprocess.prepare(settings)
    cleanup(settings)
    hubprocess.start_hub(settings)
    yield Platform(settings)
    hubprocess.stop_hub(settings)
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
