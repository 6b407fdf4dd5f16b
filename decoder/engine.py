"""Make sure a Docker engine answers; start dockerd when none runs (there is no systemd here)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import docker
import docker.errors


class EngineError(RuntimeError):
    pass


def engine_answers() -> bool:
    try:
        docker.from_env(timeout=5).ping()
        return True
    except (docker.errors.DockerException, OSError):
        return False


def ensure_engine(log_file: Path, wait_seconds: float = 60.0, log=print) -> None:
    """Return once ``docker`` answers, starting ``dockerd`` in the background if needed."""
    if engine_answers():
        return
    dockerd = shutil.which("dockerd")
    if not dockerd:
        raise EngineError(
            "No Docker engine answers and dockerd is not installed: "
            "run `make up` (it installs Debian's docker.io) or `apt-get install docker.io`."
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log(f"Starting the Docker engine (log: {log_file})")
    with open(log_file, "ab") as out:
        subprocess.Popen(
            [dockerd], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if engine_answers():
            return
        time.sleep(0.5)
    raise EngineError(f"dockerd did not answer within {wait_seconds:.0f} s: see {log_file}")
