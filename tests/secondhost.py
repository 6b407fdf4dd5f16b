"""A second grading host on this machine, for tests and bench/autograde.py --hosts 2: a Docker
engine of its own (data-root, exec-root, socket, bridge, configuration) in a network namespace
of its own, joined to this machine by a veth pair, with the grader image loaded into it, and
`decoder worker` run there as an operator runs it on another machine.

Only the network is separate (``nsenter --net``): the mount namespace stays shared, as the
grading sandboxes' folders are tmpfs mounts the worker makes and its engine must see.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import docker
from tornado.ioloop import IOLoop

from decoder.service.queue_api import RemoteQueue, make_queue_app
from decoder.settings import PROJECT_ROOT


@dataclass(frozen=True)
class HostPlan:
    name: str = "decoder-host2"  # the network namespace
    link: str = "dcq0"  # this machine's end of the veth pair (the other is dcq1, over there)
    here: str = "172.29.24.1"  # this machine's address on the pair: the queue listens there
    there: str = "172.29.24.2"
    bridge: str = "172.29.25.1/24"  # the second engine's own bridge (docker0 over there)
    root: Path = Path("/var/lib/decoder-host2")  # next to /var/lib/docker: overlay2 works

    @property
    def socket(self) -> str:
        return f"unix://{self.root / 'docker.sock'}"

    @property
    def netns(self) -> str:
        return f"/run/netns/{self.name}"


def run(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=300,
                          **options)


class SecondHost:
    def __init__(self, plan: HostPlan = HostPlan()):
        self.plan = plan
        self.engine: subprocess.Popen | None = None
        self.worker_process = WorkerProcess(plan.root / "worker", plan.socket,
                                            netns=plan.netns)

    # ---- the network: a namespace and a veth pair ----

    def connect(self) -> None:
        p = self.plan
        self.disconnect()
        run("ip", "netns", "add", p.name)
        run("ip", "link", "add", p.link, "type", "veth", "peer", "name", "dcq1")
        run("ip", "link", "set", "dcq1", "netns", p.name)
        run("ip", "addr", "add", f"{p.here}/30", "dev", p.link)
        run("ip", "link", "set", p.link, "up")
        for command in (("ip", "addr", "add", f"{p.there}/30", "dev", "dcq1"),
                        ("ip", "link", "set", "dcq1", "up"), ("ip", "link", "set", "lo", "up")):
            run("ip", "netns", "exec", p.name, *command)

    def disconnect(self) -> None:
        subprocess.run(["ip", "link", "del", self.plan.link], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.plan.name], capture_output=True)

    # ---- the engine ----

    def start_engine(self, wait_seconds: float = 60) -> None:
        root = self.plan.root
        root.mkdir(parents=True, exist_ok=True)
        (root / "daemon.json").write_text("{}")  # not this machine's /etc/docker/daemon.json
        log = open(root / "dockerd.log", "ab")
        self.engine = subprocess.Popen(
            ["nsenter", f"--net={self.plan.netns}", "--", shutil.which("dockerd"),
             "--config-file", str(root / "daemon.json"), "--data-root", str(root / "data"),
             "--exec-root", str(root / "exec"), "--pidfile", str(root / "docker.pid"),
             "-H", self.plan.socket, "--bip", self.plan.bridge],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + wait_seconds
        while not self.answers():
            if self.engine.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the second engine did not start:\n"
                                   + (root / "dockerd.log").read_text()[-2000:])
            time.sleep(0.5)

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.plan.socket, timeout=30)

    def answers(self) -> bool:
        try:
            return self.client().ping()
        except Exception:  # noqa: BLE001 - any failure: it does not answer
            return False

    def load(self, image: str) -> None:
        """The image, carried over as an operator without a registry does."""
        saved = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        run("docker", "-H", self.plan.socket, "load", stdin=saved.stdout)
        saved.wait(60)

    def kill_engine(self) -> None:
        """The engine dies whole, with its containers: SIGKILL to each container's first
        process, then to every process in the namespace but the worker's."""
        for container in self.client().containers.list():
            _kill(container.attrs["State"]["Pid"])
        spared = set(self.worker_process.pids())
        for pid in self.namespace_pids():
            if pid not in spared:
                _kill(pid)
        if self.engine:
            self.engine.wait(30)

    def namespace_pids(self) -> list[int]:
        found = subprocess.run(["ip", "netns", "pids", self.plan.name], capture_output=True,
                               text=True)
        return [int(pid) for pid in found.stdout.split()]

    # ---- the worker ----

    def start_worker(self, queue: str, token: str, processes: int = 1,
                     sandboxes_ahead: int = 1) -> None:
        self.worker_process.start(queue, token, processes, sandboxes_ahead)

    @property
    def worker(self) -> subprocess.Popen | None:
        """`decoder worker`'s process, once started."""
        return self.worker_process.process

    def wait_worker(self, wait_seconds: float = 60) -> None:
        self.worker_process.wait(wait_seconds)

    def worker_output(self) -> str:
        return self.worker_process.output()

    # ---- the end: nothing of it left ----

    def remove(self) -> None:
        self.worker_process.stop()
        if self.answers():
            for container in self.client().containers.list(all=True):
                container.remove(force=True)
        for pid in self.namespace_pids():
            _kill(pid)
        if self.engine:
            try:
                self.engine.wait(30)
            except subprocess.TimeoutExpired:
                pass
        for mount in mounts_under(self.plan.root):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(self.plan.root, ignore_errors=True)
        self.disconnect()


class WorkerProcess:
    """`decoder worker` as an operator runs it on a grading host: its own work folder, the
    host's engine (``docker_host``), in the network namespace ``netns`` when given."""

    def __init__(self, work: Path, docker_host: str, netns: str | None = None):
        self.work, self.docker_host, self.netns = work, docker_host, netns
        self.process: subprocess.Popen | None = None

    def start(self, queue: str, token: str, processes: int = 1,
              sandboxes_ahead: int = 1) -> subprocess.Popen:
        (self.work / "tmp").mkdir(parents=True, exist_ok=True)
        token_file = self.work / "grading-queue-token"
        token_file.write_text(token)
        token_file.chmod(0o600)
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
               "DOCKER_HOST": self.docker_host, "TMPDIR": str(self.work / "tmp"),
               "PYTHONPATH": str(PROJECT_ROOT)}
        inside = ["nsenter", f"--net={self.netns}", "--"] if self.netns else []
        self.process = subprocess.Popen(
            [*inside, sys.executable, "-m", "decoder.ops.cli", "worker", "--queue", queue,
             "--token-file", str(token_file), "--work-dir", str(self.work), "--processes",
             str(processes), "--sandboxes-ahead", str(sandboxes_ahead)],
            env=env, cwd=self.work, stdout=open(self.work / "worker.out", "ab"),
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self.process

    def wait(self, wait_seconds: float = 60) -> None:
        """Return once `decoder worker` says it takes jobs (its checks passed)."""
        deadline = time.monotonic() + wait_seconds
        while "take jobs from" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker in {self.work} did not start:\n"
                                   + self.output()[-2000:])
            time.sleep(0.5)

    def output(self) -> str:
        path = self.work / "worker.out"
        return path.read_text() if path.exists() else ""

    def pids(self) -> list[int]:
        return _tree(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.process.pid)


def serve_queue(settings, store, token: str, address: str, port: int):
    """The course service's grading queue (queue_api.py) in a thread of this process, as the
    service serves it; call the function returned to stop it."""
    ready, held = threading.Event(), []

    def serve():
        asyncio.set_event_loop(asyncio.new_event_loop())
        server = make_queue_app(RemoteQueue(settings, store), token).listen(port, address=address)
        held.extend([IOLoop.current(), server])
        ready.set()
        IOLoop.current().start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError(f"the queue did not listen on {address}:{port}")

    def stop() -> None:
        loop, server = held
        loop.add_callback(server.stop)
        loop.add_callback(loop.stop)
        thread.join(10)
    return stop


def mounts_under(folder: Path) -> list[str]:
    """Mount points under ``folder``, deepest first."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == str(folder) or point.startswith(f"{folder}/"):
            found.append(point)
    return sorted(found, key=len, reverse=True)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = [pid]
    for child in children.stdout.split():
        found += _tree(int(child))
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
