"""A grading sandbox started before it is needed, so that a job does not wait for the engine.

A long-lived grading worker grades one job after another; most of a small job's time is the
engine creating and starting the sandbox and the kernel booting in it. ``WarmSandboxes`` keeps
a few sandboxes per settings ready (``ahead``): started in threads while the previous jobs run,
each used by exactly one job (its kernel has run nothing before), then removed like any other.
One ahead is not enough: a sandbox takes longer to boot than a small job takes to grade. A
sandbox that waited past its lifetime is dead and is dropped; the job then starts one as
before.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.connect import write_connection_file

from .folders import make_sandbox_folder, remove_sandbox_folder


@dataclass(frozen=True)
class SandboxSpec:
    """Everything that makes two sandboxes interchangeable."""

    image: str
    memory: str
    cpus: float
    pids: int
    tmp_size: str
    max_lifetime: int
    work_size: str = ""


@dataclass
class WarmSandbox:
    folder: Path
    connection_file: str
    container: str
    process: subprocess.Popen

    def alive(self) -> bool:
        return self.process.poll() is None

    def remove(self) -> None:
        subprocess.run(["docker", "rm", "-f", self.container], capture_output=True)
        if self.process.poll() is None:  # the docker client, if it outlived its container
            self.process.kill()
        self.process.wait()
        remove_sandbox_folder(self.folder)


class WarmSandboxes:
    def __init__(self):
        self._lock = threading.Lock()
        self._ready: dict[SandboxSpec, list[WarmSandbox]] = {}
        self._starting: dict[SandboxSpec, int] = {}
        atexit.register(self.remove_all)

    def take(self, spec: SandboxSpec) -> WarmSandbox | None:
        """The oldest sandbox waiting for ``spec`` that is still alive (it is then yours);
        those that died while waiting are removed."""
        while True:
            with self._lock:
                waiting = self._ready.get(spec)
                sandbox = waiting.pop(0) if waiting else None
            if sandbox is None or sandbox.alive():
                return sandbox
            sandbox.remove()

    def prepare(self, spec: SandboxSpec, start, ahead: int = 1) -> None:
        """Start sandboxes for ``spec`` in the background until ``ahead`` of them wait or are
        starting. ``start(spec, folder, connection_file, name)`` returns the ``docker run``
        process."""
        with self._lock:
            missing = (ahead - len(self._ready.get(spec, []))
                       - self._starting.get(spec, 0))
            if missing <= 0:
                return
            self._starting[spec] = self._starting.get(spec, 0) + missing
        for _ in range(missing):
            threading.Thread(target=self._start, args=(spec, start), daemon=True,
                             name="warm sandbox").start()

    def _start(self, spec: SandboxSpec, start) -> None:
        folder = None
        try:
            folder = make_sandbox_folder(spec.work_size)
            connection_file = str(folder / "kernel.json")
            write_connection_file(connection_file, transport="ipc", ip=str(folder / "kernel"),
                                  key=uuid.uuid4().hex.encode(), kernel_name="python3")
            name = f"decoder-grade-{uuid.uuid4()}"
            process = start(spec, folder, connection_file, name)
            sandbox = WarmSandbox(folder, connection_file, name, process)
        except BaseException:
            if folder is not None:
                remove_sandbox_folder(folder)
            raise
        finally:
            with self._lock:
                self._starting[spec] -= 1
        with self._lock:
            self._ready.setdefault(spec, []).append(sandbox)

    def remove_all(self) -> None:
        with self._lock:
            waiting = [sandbox for queue in self._ready.values() for sandbox in queue]
            self._ready = {}
        for sandbox in waiting:
            sandbox.remove()


WARM = WarmSandboxes()  # per process: a worker grades one job at a time


def owner() -> str:
    """Label of the sandboxes this process started: the pool removes them if it dies."""
    return f"{socket.gethostname()}:{os.getpid()}"
