"""The environment of a service run apart from the hub (decoder/hub/hubconfig.py's
``apart_environment``: `decoder course-service`, our Kubernetes Deployments) is the one the
hub gives the course service it starts itself: read here from that process, on the test
platform."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from decoder.hub.hubconfig import apart_environment

pytestmark = pytest.mark.docker

# what a service apart cannot be given the hub's way, or needs not: its token is a Secret (or
# a file), JPY_API_TOKEN is the same deprecated; a service has no user, server or activity
NOT_APART = {"JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER", "JUPYTERHUB_SERVER_NAME",
             "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES", "JUPYTERHUB_ACTIVITY_URL"}


def environ_of(pid: str) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(e.decode().partition("=")[::2] for e in entries if b"=" in e)


def managed_course_service(instance: str) -> dict[str, str]:
    pids = subprocess.run(["pgrep", "-f", "decoder.course_app"], capture_output=True,
                          text=True).stdout.split()
    for pid in pids:
        try:
            env = environ_of(pid)
        except OSError:
            continue
        if env.get("DECODER_INSTANCE") == instance and "JUPYTERHUB_SERVICE_NAME" in env:
            return env
    raise AssertionError(f"no course service of {instance} among {pids}")


def test_a_service_apart_gets_what_the_hub_gives_its_own(platform):
    given = managed_course_service(platform.settings.instance)
    hub_variables = {k: v for k, v in given.items() if k.startswith("JUPYTERHUB_")}
    listen = given["JUPYTERHUB_SERVICE_URL"].removesuffix("/services/course/")
    ours = apart_environment(platform.settings, "course", given["JUPYTERHUB_API_URL"], listen)
    assert ours == {k: v for k, v in hub_variables.items() if k not in NOT_APART}
