"""Make sure a Docker engine answers; start dockerd when none runs (there is no systemd here).

The engine we start keeps containers running while it restarts (dockerd's ``live-restore``):
an engine upgraded or restarted under a running course leaves every learner's server and
kernel as they were (tests/test_engine_restart.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import docker
import docker.errors

DAEMON_JSON = Path("/etc/docker/daemon.json")
LIVE_RESTORE_ADVICE = (
    "the Docker engine stops every container when it restarts (live-restore is off): an engine "
    "restart would stop every learner's server and kernel. Add \"live-restore\": true to "
    f"{DAEMON_JSON} and reload the engine (kill -HUP $(cat /var/run/docker.pid))."
)


class EngineError(RuntimeError):
    pass


def engine_answers() -> bool:
    try:
        docker.from_env(timeout=5).ping()
        return True
    except (docker.errors.DockerException, OSError):
        return False


def live_restore_enabled() -> bool:
    """Whether the running engine keeps its containers through a restart."""
    return bool(docker.from_env(timeout=10).info().get("LiveRestoreEnabled"))


def daemon_config(path: Path = DAEMON_JSON) -> dict:
    """The engine's own configuration file, or {} when there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise EngineError(f"{path} cannot be read ({error}): mend it, or start dockerd "
                          "yourself") from error


def dockerd_command(dockerd: str, config: dict) -> list[str]:
    """dockerd's command line (pure): live-restore on, unless the configuration file already
    says it (dockerd refuses a directive given both as a flag and in the file)."""
    return [dockerd] if "live-restore" in config else [dockerd, "--live-restore"]


def ensure_engine(log_file: Path, wait_seconds: float = 60.0, log=print) -> None:
    """Return once ``docker`` answers, starting ``dockerd`` in the background if needed; warn
    when the engine that answers would take the learners' servers down with it on a restart."""
    if engine_answers():
        if not live_restore_enabled():
            log("Warning: " + LIVE_RESTORE_ADVICE)
        return
    dockerd = shutil.which("dockerd")
    if not dockerd:
        raise EngineError(
            "No Docker engine answers and dockerd is not installed: "
            "run `make up` (it installs Debian's docker.io) or `apt-get install docker.io`."
        )
    command = dockerd_command(dockerd, daemon_config())
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log(f"Starting the Docker engine (log: {log_file})")
    with open(log_file, "ab") as out:
        subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if engine_answers():
            return
        time.sleep(0.5)
    raise EngineError(f"dockerd did not answer within {wait_seconds:.0f} s: see {log_file}")
