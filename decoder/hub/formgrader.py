"""nbgrader's formgrader for the instructors: one shared server per course, in a container.

nbgrader's answer for several graders on JupyterHub is one server per course run as a
hub-managed service, reached by a group with ``access:services!service=formgrader`` (their "one
class, multiple graders" demo). The hub runs ``python -m decoder.hub.formgrader``; this starts that
server in a container from the lab image, as hardened as a learner's (no capabilities,
no new privileges, read-only image, memory, CPU and process limits, the learner network with its
firewall and no route out), and stays in the foreground while it runs: the hub restarts the
service when it ends, and stopping the service stops the container.

What the container sees of the course service's nbgrader folder (``gradebook.py``):
- the gradebook and ``feedback/``, to write (the instructors' points and comments);
- ``autograded/`` and ``source/``, read-only: the graded notebooks there were made inert by the
  course service (``inert.py``), since the formgrader shows them on the hub's origin;
- not ``submitted/``: the service's submission index is mounted over it, read-only (a folder
  per submission holding only its time, so that the home counts submissions): the files as
  handed in never reach it, so nothing there can run a learner's code (nbgrader's
  "autograde" button finds nothing to grade; grading is the course service's).

The hub's environment for the service (its token, OAuth client, URLs) is handed to the server
in the container; it listens at ``formgrader_url`` (a fixed address on the learner network).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import docker
import docker.errors

from ..service.gradebook import SUBMITTED_INDEX
from ..settings import FORMGRADER_PORT, PlatformSettings
from .hardening import DEFAULT_PIDS_LIMIT, DEFAULT_TMP_SIZE
from .network import ensure_learner_network, remove_default_route
from .spawner import hardened_host_config

SERVICE = "formgrader"
COURSE_DIR = "/srv/formgrader/cours"
CONFIG = "/opt/decoder/formgrader_config.py"  # in the lab image
HUB_VARIABLES = "JUPYTERHUB_"


def container_name(settings: PlatformSettings) -> str:
    return f"{settings.instance}-formgrader"


def folders(settings: PlatformSettings) -> dict[str, Path]:
    root = settings.course_storage / "nbgrader"
    return {"root": root, "autograded": root / "autograded", "source": root / "source",
            "submitted": root / "submitted", "feedback": root / "feedback",
            "submitted_index": root / SUBMITTED_INDEX}


# the server's own environment, beside the hub's variables
SERVER_ENVIRONMENT = {
    "JUPYTERHUB_DEFAULT_URL": "/formgrader",
    "JUPYTERHUB_ROOT_DIR": COURSE_DIR,
    "HOME": "/tmp", "JUPYTER_RUNTIME_DIR": "/tmp/runtime", "LANG": "C.UTF-8",
    # nbgrader's settings for the formgrader, before the learners' (images/lab/)
    "JUPYTER_CONFIG_PATH": "/opt/decoder/formgrader-config",
}
COMMAND = ["jupyterhub-singleuser", f"--config={CONFIG}"]


def course_mounts() -> list[tuple[str, str, bool]]:
    """(the folder, under the course service's nbgrader folder, the path in the server,
    read-only) of what the server sees, in mount order (pure; Docker and Kubernetes alike)."""
    return [("", COURSE_DIR, False),
            ("autograded", f"{COURSE_DIR}/autograded", True),
            ("source", f"{COURSE_DIR}/source", True),
            (SUBMITTED_INDEX, f"{COURSE_DIR}/submitted", True)]


def container_spec(settings: PlatformSettings, environ: dict[str, str]) -> dict:
    """What ``create_container`` is given (pure): image, command, environment, mounts, limits,
    network and address."""
    root = folders(settings)["root"]
    env = {name: value for name, value in environ.items() if name.startswith(HUB_VARIABLES)}
    env.update(SERVER_ENVIRONMENT)
    host_config = hardened_host_config(mem_limit=settings.formgrader_mem_limit,
                                       pids_limit=DEFAULT_PIDS_LIMIT, tmp_size=DEFAULT_TMP_SIZE,
                                       read_only=True)
    host_config.update({
        "network_mode": settings.learner_network,
        "binds": {str(root / folder): {"bind": target, "mode": "ro" if read_only else "rw"}
                  for folder, target, read_only in course_mounts()},
    })
    return {
        "image": settings.lab_image,
        "name": container_name(settings),
        # root without any capability: it owns the course service's files (written as root),
        # nothing more; no learner code ever runs here
        "user": "0:0",
        "command": [*COMMAND, "--ServerApp.allow_root=True"],
        "working_dir": COURSE_DIR,
        "environment": env,
        "labels": {"decoder.role": "formgrader", "decoder.instance": settings.instance},
        "host_config": host_config,
        "ip": settings.formgrader_ip,
        "port": FORMGRADER_PORT,
    }


class Formgrader:
    """The container's life, in the foreground of the hub's service process."""

    def __init__(self, settings: PlatformSettings, client: docker.APIClient | None = None):
        self.settings = settings
        self.client = client or docker.APIClient(timeout=120)
        self.container: str | None = None

    def start(self, environ: dict[str, str]) -> str:
        settings = self.settings
        for folder in folders(settings).values():
            folder.mkdir(parents=True, exist_ok=True)
        ensure_learner_network(self.client, settings)
        self.remove()
        spec = container_spec(settings, environ)
        networking = self.client.create_networking_config({
            settings.learner_network: self.client.create_endpoint_config(
                ipv4_address=spec.pop("ip"))})
        spec.pop("port")
        spec["host_config"] = self.client.create_host_config(**spec["host_config"])
        try:
            created = self.client.create_container(networking_config=networking, **spec)
            self.container = created["Id"]
            self.client.start(self.container)
        except docker.errors.APIError as error:
            raise SystemExit(
                f"The formgrader's container did not start: {error.explanation or error}. If "
                f"its address {settings.formgrader_ip} is taken by a learner's container, stop "
                "that server, or set c.PlatformSettings.formgrader = False.") from error
        if not settings.allow_egress:
            pid = self.client.inspect_container(self.container)["State"]["Pid"]
            remove_default_route(pid)
        return self.container

    def follow(self) -> int:
        """The server's log on our output until the container ends; its exit code."""
        for line in self.client.logs(self.container, stream=True, follow=True):
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
        try:
            return int(self.client.wait(self.container).get("StatusCode", 1))
        except docker.errors.NotFound:  # removed by our own stop (SIGTERM)
            return 0

    def remove(self) -> None:
        try:
            self.client.remove_container(container_name(self.settings), force=True)
        except docker.errors.NotFound:
            pass


def main() -> int:
    settings = PlatformSettings.load()
    formgrader = Formgrader(settings)
    stopping = threading.Event()

    def stop(signum, _frame):
        if not stopping.is_set():  # once, whatever signals follow
            stopping.set()
            formgrader.remove()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    formgrader.start(dict(os.environ))
    code = formgrader.follow()
    formgrader.remove()
    return 0 if stopping.is_set() else code or 1


if __name__ == "__main__":
    sys.exit(main())
