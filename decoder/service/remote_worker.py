"""Grading on a machine of its own: ``decoder worker --queue http://HOST:PORT``.

The worker host needs this package, a Docker engine holding the grader image, and the queue's
token (data_dir/secrets/grading-queue-token of the course service's machine): no hub, no course
folder, no database. ``decoder worker`` keeps ``--processes`` workers alive (pool.py's
WorkerPool, as on the service's machine); each takes jobs from the course service's queue over
HTTP (queue_api.py), gets the master once per version into ``--work-dir``, grades in a sandbox
of this host's engine (DOCKER_HOST, or the local socket), and sends back the report and the
graded notebook. A worker that dies has its jobs given back at once; a host that goes away, when
its leases run out.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import requests

from graders.runner import grade
from graders.sandbox import remove_sandboxes_started_by

from .. import protocol
from ..engine import engine_answers
from ..keys import check_private
from .pool import WorkerPool, sandbox_label
from .queue_api import CONFIG_FILE
from .store import Job, Requeued
from .worker import Worker, check_engine
from .worker_cli import add_worker_arguments, worker_command

log = logging.getLogger("decoder.worker")
RETRIES = 5  # a result is precious: tried this many times, seconds apart, before giving up


class QueueUnavailable(RuntimeError):
    """The course service's queue refused or did not answer."""


@dataclass
class RemoteJob(Job):
    notebook: bytes = b""
    master_version: str = ""
    grading: dict = field(default_factory=dict)


class QueueClient:
    """The course service's grading queue over HTTP, with the methods of the Store that a
    Worker and a WorkerPool call."""

    retry_seconds = 3.0  # an idle worker that cannot reach the queue asks again this late

    def __init__(self, url: str, token: str, timeout: float = 60):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"

    def _call(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        try:
            response = self.http.request(method, self.url + path, json=body,
                                         timeout=self.timeout)
        except requests.RequestException as error:
            raise QueueUnavailable(f"the course service's queue at {self.url} does not "
                                   f"answer ({type(error).__name__})") from None
        if response.status_code not in (200, 204, 409):
            raise QueueUnavailable(f"the course service's queue answered "
                                   f"{response.status_code}: {response.text[:300]}")
        return response

    def hello(self) -> dict:
        return self._call("GET", "/grading/hello").json()["grading"]

    def claim(self, worker: str, lease_seconds: float = 0) -> RemoteJob | None:
        try:
            response = self._call("POST", "/grading/claim", {"worker": worker})
        except QueueUnavailable as error:  # the service restarts: ask again later
            log.warning("%s", error)
            time.sleep(self.retry_seconds)
            return None
        if response.status_code == 204:
            return None
        answer = response.json()
        job = answer["job"]
        notebook = protocol.decode_files(answer)[f"{job['assignment']}.ipynb"]
        return RemoteJob(job["id"], 0, "", job["assignment"], "", job["attempts"],
                         notebook=notebook, master_version=job["master_version"],
                         grading=answer["grading"])

    def master(self, assignment: str) -> tuple[str, dict[str, bytes]]:
        answer = self._call("GET", f"/grading/masters/{assignment}").json()
        return answer["version"], {name: base64.b64decode(text)  # any count: not a submission
                                   for name, text in answer["files"].items()}

    def renew(self, job_id: int, worker: str, lease_seconds: float) -> bool:
        try:
            return self._call("POST", f"/grading/jobs/{job_id}/renew",
                              {"worker": worker}).status_code == 200
        except QueueUnavailable as error:  # keep trying: the lease has time left
            log.warning("%s", error)
            return True

    def complete(self, job: RemoteJob, worker: str, score: float, max_score: float,
                 report: dict, graded: bytes | None) -> bool:
        body = {"worker": worker, "score": score, "max_score": max_score, "report": report,
                "graded": base64.b64encode(graded).decode("ascii") if graded else None}
        for attempt in range(RETRIES):
            try:
                return self._call("POST", f"/grading/jobs/{job.id}/complete",
                                  body).status_code == 200
            except QueueUnavailable as error:
                log.warning("sending job %s's result, try %d: %s", job.id, attempt + 1, error)
                time.sleep(2 * (attempt + 1))
        raise QueueUnavailable(f"job {job.id}'s result could not be sent")

    def give_back(self, job: Job, worker: str, error: str, max_attempts: int = 0) -> None:
        try:
            self._call("POST", f"/grading/jobs/{job.id}/give-back",
                       {"worker": worker, "error": error})
        except QueueUnavailable as failure:  # its lease runs out: given back all the same
            log.warning("%s", failure)

    def requeue(self, *, max_attempts: int = 0, worker: str | None = None,
                expired: bool = False) -> Requeued:
        """A dead worker's jobs go back at once; expired leases are the service's to watch."""
        if worker is None:
            return Requeued(0, 0)
        try:
            answer = self._call("POST", "/grading/workers/give-back", {"worker": worker}).json()
        except QueueUnavailable as error:
            log.warning("%s", error)
            return Requeued(0, 0)
        return Requeued(answer["queued"], answer["failed"])

    def running_jobs(self) -> list[dict]:
        """None known here: a dead worker's sandboxes are found by their owner label."""
        return []


class Masters:
    """Masters and the course's nbgrader config, kept per version in a folder of this host."""

    def __init__(self, folder: Path, queue: QueueClient):
        self.folder, self.queue = folder, queue

    def get(self, assignment: str, version: str) -> Path:
        kept = self.folder / f"{assignment}-{version}"
        if (kept / CONFIG_FILE).exists():
            return kept
        version, files = self.queue.master(assignment)  # the newest, if it changed meanwhile
        kept = self.folder / f"{assignment}-{version}"
        self.folder.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{assignment}-", dir=self.folder))
        for name, content in files.items():
            target = building.joinpath(*safe_parts(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        try:
            building.rename(kept)
        except OSError:  # another worker of this host kept it first
            shutil.rmtree(building, ignore_errors=True)
        return kept


def safe_parts(name: str) -> tuple[str, ...]:
    """A relative path's parts, refused when it would leave its folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("..", ".", "") for p in path.parts):
        raise QueueUnavailable(f"the queue sent a file named {name!r}: refused")
    return path.parts


class RemoteWorker(Worker):
    def __init__(self, queue: QueueClient, work_dir: Path, sandboxes_ahead: int):
        super().__init__(queue)
        self.work_dir, self.sandboxes_ahead = work_dir, sandboxes_ahead
        self.masters = Masters(work_dir / "masters", queue)

    def lease_of(self, job: RemoteJob | None) -> float:
        return job.grading["lease_seconds"] if job else 0

    def _grade(self, job: RemoteJob) -> None:
        master = self.masters.get(job.assignment, job.master_version)
        jobs = self.work_dir / "jobs"
        jobs.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"job-{job.id}-", dir=jobs) as tmp:
            submission = Path(tmp) / f"{job.assignment}.ipynb"
            submission.write_bytes(job.notebook)
            graded = Path(tmp) / "graded.ipynb"
            report = grade(submission, master / "source" / job.assignment, master / CONFIG_FILE,
                           cache=self.work_dir / "templates",
                           label=sandbox_label(job.id, job.attempts), graded_copy=graded,
                           sandboxes_ahead=self.sandboxes_ahead, **job.grading["options"])
            check_engine(report)
            self.store.complete(job, self.name, report.score, report.max_score,
                                json.loads(report.to_json()),
                                graded.read_bytes() if graded.exists() else None)


# ---- the processes: `decoder worker` keeps them alive ----

def read_token(path: Path) -> str:
    if not path.is_file():
        raise ValueError(f"no token file at {path}: copy data_dir/secrets/grading-queue-token "
                         "from the course service's machine (chmod 600)")
    check_private(path)
    return path.read_text().strip()


def image_present(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True,
                          timeout=60).returncode == 0


def supervise(args, say) -> int:
    """`decoder worker`: check the queue, the token, the engine and the image, then keep
    ``args.processes`` workers alive until SIGTERM or SIGINT; their jobs go back on the way
    out."""
    if args.processes < 1:
        raise ValueError(f"--processes must be 1 or more, not {args.processes}")
    if os.geteuid() != 0:  # else every job would fail on this host, and burn its attempts
        raise PermissionError("decoder worker runs as root: each grading sandbox gets a folder "
                              "it mounts (a tmpfs of bounded size)")
    queue = QueueClient(args.queue, read_token(args.token_file))
    image = queue.hello()["options"]["image"]
    if not engine_answers():
        raise RuntimeError("this host's Docker engine does not answer (DOCKER_HOST, or "
                           "/var/run/docker.sock): start it first")
    if not image_present(image):
        raise RuntimeError(f"this host's engine has no {image} image: load it, e.g. "
                           f"docker save {image} | ssh THIS-HOST docker load")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    pool = WorkerPool(queue, args.processes, args.work_dir / "logs", env=dict(os.environ),
                      max_attempts=0, command=worker_command(args))
    stopping: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: stopping.append(number))
    pool.start()
    say(f"{args.processes} grading worker(s) on {socket.gethostname()} take jobs from "
        f"{args.queue} (image {image}); logs in {args.work_dir / 'logs'}")
    while not stopping:
        pool.check()
        time.sleep(1)
    names = [WorkerPool.name_of(process) for process in pool.workers]
    pool.stop()
    for name in names:
        remove_sandboxes_started_by(name)
        queue.requeue(worker=name)
    say("grading workers stopped; their jobs went back to the queue")
    return 0


def main(argv: list[str] | None = None) -> int:
    """One worker process (started by `decoder worker`)."""
    logging.basicConfig(level=logging.INFO,
                        format="[%(levelname)1.1s %(asctime)s %(name)s] %(message)s")
    parser = argparse.ArgumentParser(description="A grading worker of another machine.")
    add_worker_arguments(parser)
    args = parser.parse_args(argv)
    worker = RemoteWorker(QueueClient(args.queue, read_token(args.token_file)), args.work_dir,
                          args.sandboxes_ahead)

    def stop(*_):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    worker.run_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
