"""The grading workers of the course service, kept alive.

Each worker is a process of its own (``python -m decoder.service.worker``) in its own process
group, so that stopping it also stops the nbgrader run and the docker client it started. A
worker that dies is replaced, and the job it held goes back to the queue at once (the lease is
the safety net when a whole machine goes away).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from graders.sandbox import remove_job_sandboxes, remove_sandboxes_started_by

from .store import Store

log = logging.getLogger("decoder.course.pool")


class WorkerPool:
    def __init__(self, store: Store, size: int, log_dir: Path, *, env: dict[str, str],
                 max_attempts: int, command: list[str] | None = None):
        self.store = store  # or remote_worker.QueueClient, on a grading host of its own
        self.command = command or [sys.executable, "-m", "decoder.service.worker"]
        self.size = size
        self.log_dir = log_dir
        self.env = env  # the workers' whole environment: every setting, explicitly
        self.max_attempts = max_attempts
        self.workers: list[subprocess.Popen] = []
        self.stopping = False
        self._lock = threading.Lock()  # check() runs in a thread, stop() in a signal handler

    @staticmethod
    def name_of(process: subprocess.Popen) -> str:
        return f"{socket.gethostname()}:{process.pid}"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.workers = [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> subprocess.Popen:
        with open(self.log_dir / "grading-workers.log", "ab") as out:
            process = subprocess.Popen(
                self.command, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        log.info("grading worker %s started", self.name_of(process))
        return process

    def check(self) -> None:
        """Replace dead workers, give their jobs back, and give back jobs whose lease ran out."""
        with self._lock:
            if not self.stopping:
                self._check()

    def _check(self) -> None:
        for index, process in enumerate(self.workers):
            if process.poll() is None:
                continue
            _kill_group(process.pid)
            remove_sandboxes_of(self.store, self.name_of(process))
            given_back = self.store.requeue(worker=self.name_of(process),
                                            max_attempts=self.max_attempts)
            level = logging.INFO if process.returncode == 0 else logging.WARNING
            log.log(level, "grading worker %s stopped (code %s); %d job(s) queued again, %d "
                    "given up", self.name_of(process), process.returncode, given_back.queued,
                    given_back.failed)
            self.workers[index] = self._spawn()
        self.store.requeue(expired=True, max_attempts=self.max_attempts)

    def pids(self) -> list[int]:
        return [process.pid for process in self.workers]

    def stop(self, wait_seconds: float = 5.0) -> None:
        self.stopping = True  # a worker stopping now must not be replaced
        with self._lock:
            self._stop(wait_seconds)

    def _stop(self, wait_seconds: float) -> None:
        for process in self.workers:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_seconds
        for process in self.workers:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(process.pid)


def sandbox_label(job_id: int, attempt: int) -> str:
    return f"job-{job_id}-{attempt}"


def remove_sandboxes_of(store: Store, worker: str | None = None) -> None:
    """Remove the grading containers of the running jobs of ``worker`` (None: of all), and
    every sandbox ``worker`` started (its waiting one included)."""
    if worker is not None:
        remove_sandboxes_started_by(worker)
    for job in store.running_jobs():
        if worker is None or job["worker"] == worker:
            remove_job_sandboxes(sandbox_label(job["id"], job["attempts"]))


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(pid: int) -> None:
    _signal_group(pid, signal.SIGKILL)
