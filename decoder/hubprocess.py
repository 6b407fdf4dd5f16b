"""Start, stop and look at the hub process (which runs the proxy and the idle culler)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import requests

from .engine import ensure_engine
from .keys import ensure_demo_accounts, ensure_token
from .network import ensure_learner_network
from .settings import CONFIG_ENV, PROJECT_ROOT, PlatformSettings


class HubError(RuntimeError):
    pass


def hub_pid(settings: PlatformSettings) -> int | None:
    """The running hub's pid, or None (a stale pid file is ignored)."""
    pid_file = settings.path("run", "jupyterhub.pid")
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def hub_healthy(settings: PlatformSettings, timeout: float = 3.0) -> bool:
    try:
        response = requests.get(settings.public_url + "/hub/health", timeout=timeout)
        return response.status_code == 200
    except requests.RequestException:
        return False


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def prepare(settings: PlatformSettings) -> dict:
    """Folders, secrets, demo accounts, engine and learner network: what the hub needs first."""
    for folder in ("secrets", "run", "logs"):
        settings.path(folder).mkdir(parents=True, exist_ok=True)
    ensure_token(settings.path("secrets", "proxy_token"))
    ensure_token(settings.path("secrets", "cli_token"))
    accounts = ensure_demo_accounts(settings.path("secrets", "demo-accounts.json"))
    ensure_engine(settings.path("logs", "dockerd.log"))
    ensure_learner_network(docker.from_env().api, settings)
    return accounts


def start_hub(settings: PlatformSettings, wait_seconds: float = 90.0) -> int:
    """Start the hub in the background and wait until it answers; return its pid."""
    existing = hub_pid(settings)
    if existing:
        return existing
    log_file = settings.path("logs", "jupyterhub.log")
    # the hub gets every setting explicitly, and the operator's file for its other classes
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **settings.environment()}
    env.pop(CONFIG_ENV, None)
    if settings.config_file:
        env[CONFIG_ENV] = settings.config_file
    with open(log_file, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(PROJECT_ROOT / "jupyterhub_config.py")],
            cwd=settings.data_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"the hub stopped at start:\n{log_tail(log_file)}")
        if hub_healthy(settings):
            return process.pid
        time.sleep(0.5)
    process.terminate()
    raise HubError(f"the hub did not answer within {wait_seconds:.0f} s:\n{log_tail(log_file)}")


def stop_hub(settings: PlatformSettings, wait_seconds: float = 30.0) -> bool:
    """Stop the hub (and with it the proxy and services); learner servers keep running."""
    pid = hub_pid(settings)
    if not pid:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if _exited(pid):
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True


def _exited(pid: int) -> bool:
    """True once ``pid`` is gone (reaping it when it is our own child, as in tests)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


def learner_containers(settings: PlatformSettings) -> list:
    client = docker.from_env()
    prefix = f"{settings.instance}-lab-"
    return [c for c in client.containers.list(all=True) if c.name.startswith(prefix)]


def stop_learners(settings: PlatformSettings) -> int:
    """Stop every learner container (they are removed; home volumes stay)."""
    containers = learner_containers(settings)
    for container in containers:
        container.stop(timeout=10)
    return len(containers)
