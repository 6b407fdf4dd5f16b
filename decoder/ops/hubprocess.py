"""Start, stop and look at the platform's processes: the proxy, on its own, and the hub, which
runs the course service, the formgrader and the idle culler."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import docker
import requests

from .. import origins, protocol
from ..engine import ensure_engine
from ..hub import homes
from ..hub.network import ensure_learner_network
from ..keys import ensure_demo_accounts, ensure_token, write_private
from ..origins import via_proxy
from ..settings import CONFIG_ENV, PROJECT_ROOT, PlatformSettings
from .processes import running_pid, stop_pid


class HubError(RuntimeError):
    pass


def hub_pid(settings: PlatformSettings) -> int | None:
    """The hub's pid if it is really running (a stale pid file, a zombie or a reused pid is
    not a hub)."""
    return running_pid(settings.path("run", "jupyterhub.pid"), "jupyterhub")


def proxy_pid(settings: PlatformSettings) -> int | None:
    return running_pid(settings.path("run", "proxy.pid"), "configurable-http-proxy")


def proxy_answers(settings: PlatformSettings) -> bool:
    """The proxy's API answers with our token."""
    token = ensure_token(settings.path("secrets", "proxy_token"))
    try:
        response = requests.get(f"http://127.0.0.1:{settings.proxy_api_port}/api/routes",
                                headers={"Authorization": f"token {token}"}, timeout=3)
        return response.status_code == 200
    except requests.RequestException:
        return False


def start_proxy(settings: PlatformSettings, wait_seconds: float = 30.0) -> int:
    """Start configurable-http-proxy on its own, apart from the hub (as Zero to JupyterHub
    does): a hub restart then leaves every learner's route up. Return its pid."""
    existing = proxy_pid(settings)
    mode_file = settings.path("run", "proxy.mode")
    mode = "host-routing" if settings.per_user_origins else "path-routing"
    same_mode = mode_file.exists() and mode_file.read_text() == mode
    if existing and same_mode and proxy_answers(settings):
        return existing
    if existing:  # dead, or routing as the settings no longer say: started again
        stop_pid(existing, 5)
    hub = settings.hub_url
    command = [*settings.proxy_command, "--ip", settings.public_ip,
               "--port", str(settings.public_port), "--api-ip", "127.0.0.1",
               "--api-port", str(settings.proxy_api_port), "--default-target", hub,
               "--error-target", f"{hub}/hub/error", "--log-level", "warn"]
    if settings.per_user_origins:
        command.append("--host-routing")  # routes are host/path: alice.localhost/user/alice
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "CONFIGPROXY_AUTH_TOKEN": ensure_token(settings.path("secrets", "proxy_token"))}
    log_file = settings.path("logs", "proxy.log")
    with open(log_file, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    write_private(settings.path("run", "proxy.pid"), str(process.pid).encode())
    write_private(mode_file, mode.encode())
    return wait_started(process, lambda: proxy_answers(settings), log_file, "the proxy",
                        "the proxy", wait_seconds, poll_seconds=0.2)


def wait_started(process: subprocess.Popen, ready, log_file: Path, name: str, answering: str,
                 wait_seconds: float, poll_seconds: float) -> int:
    """``process``'s pid once ``ready()``; HubError with its log's end when it stops first or
    ``answering`` does not answer in time (then it is stopped)."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"{name} stopped at start:\n{log_tail(log_file)}")
        if ready():
            return process.pid
        time.sleep(poll_seconds)
    process.terminate()
    raise HubError(f"{answering} did not answer within {wait_seconds:.0f} s:\n"
                   f"{log_tail(log_file)}")


def stop_proxy(settings: PlatformSettings) -> bool:
    pid = proxy_pid(settings)
    if not pid:
        return False
    stop_pid(pid, 10)
    return True


def hub_healthy(settings: PlatformSettings, timeout: float = 3.0) -> bool:
    url, headers = via_proxy(settings.proxy_address, settings.public_url + "/hub/health")
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
        return response.status_code == 200
    except requests.RequestException:
        return False


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def private_folder(folder: Path) -> None:
    """Create ``folder`` if needed and make it reachable by its owner only (mode 0700)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def check_not_writable_by_others(folder: Path) -> None:
    """Refuse a course folder (the masters, with their hidden tests) that another local user
    could change: they would write the tests every learner is graded by."""
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue  # a link's own mode means nothing; what it points to is checked if inside
        if info.st_mode & 0o002 or (info.st_mode & 0o020 and info.st_gid != 0
                                    and info.st_gid != os.getegid()):
            raise HubError(f"{path} can be changed by other users of this machine; run: "
                           f"chmod -R go-w {folder}")


def prepare(settings: PlatformSettings) -> dict:
    """Folders, secrets, demo accounts, engine, learner network and the homes' filesystem:
    what the hub needs first."""
    if problem := settings.grading_queue_problem():
        raise HubError(problem)
    private_folder(Path(settings.data_dir))  # learners' work, grades, secrets: ours alone
    for folder in ("secrets", "run", "logs"):
        settings.path(folder).mkdir(parents=True, exist_ok=True)
    private_folder(settings.course_storage)
    check_not_writable_by_others(Path(settings.course_file).parent)
    ensure_token(settings.path("secrets", "proxy_token"))
    ensure_token(settings.cli_token_file)
    if settings.grading_queue_address:
        ensure_token(settings.grading_queue_token_file)  # copied to each grading host
    accounts = ensure_demo_accounts(settings.path("secrets", "demo-accounts.json"))
    ensure_engine(settings.path("logs", "dockerd.log"))
    ensure_learner_network(docker.from_env().api, settings)
    if settings.home_size_mb:
        homes.ensure_filesystem(settings.homes_root, settings.homes_image, settings.homes_image_gb)
    ensure_course_run(settings)
    return accounts


def ensure_course_run(settings: PlatformSettings):
    """The course database's schema, and a run taught: with none yet, the demo's, started so
    that today is mid-course (kept afterwards: a later start moves no date). The run started,
    or None when one existed."""
    from ..course import load_course
    from ..service.runs import ensure_run

    runs = course_runs(settings)
    if runs.current() is not None:  # the usual case: no need to read the course
        return None
    return ensure_run(runs, load_course(Path(settings.course_file)), dt.datetime.now(dt.UTC))


def course_runs(settings: PlatformSettings):
    """The course database's runs (a RunStore), its folder made and its schema brought up to
    date first."""
    from ..service.runs import open_runs

    private_folder(Path(settings.data_dir))
    private_folder(settings.course_storage)  # where the course database is, by default
    return open_runs(settings.course_db_url)


def start_hub(settings: PlatformSettings, wait_seconds: float = 90.0) -> int:
    """Start the proxy if it is not up, then the hub, and wait until the hub answers; return
    its pid. A hub that runs but no longer answers (hung, or half-dead) is replaced."""
    start_proxy(settings)
    existing = hub_pid(settings)
    if existing:
        if wait_up(settings, 30):
            return existing
        stop_pid(existing, 10)
    log_file = settings.path("logs", "jupyterhub.log")
    # the hub gets every setting explicitly, and the operator's file for its other classes
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **settings.environment()}
    env.pop(CONFIG_ENV, None)
    if settings.config_file:
        env[CONFIG_ENV] = settings.config_file
    with open(log_file, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "decoder.hub.hubapp", "-f",
             str(PROJECT_ROOT / "jupyterhub_config.py")],
            cwd=settings.data_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    return wait_started(process, lambda: platform_answers(settings), log_file, "the hub",
                        "the hub or its course service", wait_seconds, poll_seconds=0.5)


def platform_answers(settings: PlatformSettings) -> bool:
    """The hub answers, and the course service when the hub starts it (one run apart is
    waited for by whoever starts it: `decoder course-service`, its Deployment)."""
    return hub_healthy(settings) and (settings.course_service_apart
                                      or course_service_answers(settings))


def course_service_answers(settings: PlatformSettings) -> bool:
    """The course service (started by the hub a few seconds after it answers) is up, and
    reached through the public proxy: the hub adds its route a moment after it listens, and
    until then a browser asking for its pages got the hub's 404."""
    health = protocol.route("health")
    public = via_proxy(settings.proxy_address,
                       origins.service_url(settings.public_url, protocol.SERVICE) + "/")
    try:
        return requests.get(protocol.service_url(settings.course_service_url) + health,
                            timeout=3, allow_redirects=False).status_code == 200 and \
            requests.get(public[0] + health, headers=public[1], timeout=3,
                         allow_redirects=False).status_code == 200
    except requests.RequestException:
        return False


def wait_up(settings: PlatformSettings, seconds: float) -> bool:
    """The hub (and the course service it starts) answer within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if platform_answers(settings):
            return True
        time.sleep(0.5)
    return False


def stop_hub(settings: PlatformSettings, wait_seconds: float = 30.0) -> bool:
    """Stop the hub (and with it its services); the proxy and learner servers keep running."""
    pid = hub_pid(settings)
    if not pid:
        return False
    stop_pid(pid, wait_seconds)
    return True


def stop_platform(settings: PlatformSettings) -> tuple[bool, bool]:
    """Stop the hub, then the proxy; say which were running."""
    return stop_hub(settings), stop_proxy(settings)


def learner_containers(settings: PlatformSettings) -> list:
    client = docker.from_env()
    prefix = f"{settings.instance}-lab-"
    return [c for c in client.containers.list(all=True) if c.name.startswith(prefix)]


def stop_learners(settings: PlatformSettings) -> int:
    """Stop every learner container (they are removed; their homes stay)."""
    containers = learner_containers(settings)
    for container in containers:
        container.stop(timeout=10)
    return len(containers)
