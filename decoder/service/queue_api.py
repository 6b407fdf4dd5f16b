"""The grading queue, for workers on other machines (``decoder worker --queue URL``).

The course service listens for them on an address of its own (``grading_queue_address``, on a
private network), apart from the learners' API, and every request shows the token of
``data_dir/secrets/grading-queue-token``. A worker gets each job's files with the job (the
submitted notebook; the master and the course's nbgrader config once per version) and sends back
the report and the graded notebook: it never sees the database or a shared folder. Who holds a
job is decided by the store exactly as for this machine's workers (leases, exactly once); a
remote worker's name is prefixed ``remote:`` so that the service's own start gives back only its
own workers' jobs.

Routes (JSON bodies):

- ``GET /grading/hello``: how jobs are graded (the grader image the worker host must hold);
- ``POST /grading/claim`` ``{"worker"}``: 200 with the job, or 204 when the queue is empty;
- ``GET /grading/masters/<assignment>``: the master's files and their version;
- ``POST /grading/jobs/<id>/renew`` ``{"worker"}``: 200, or 409 when the worker no longer
  holds the job (its lease ran out and another took it);
- ``POST /grading/jobs/<id>/complete`` ``{"worker", "score", "max_score", "report",
  "graded"}``: 200 recorded, 409 not held (nothing recorded);
- ``POST /grading/jobs/<id>/give-back`` ``{"worker", "error"}``: grading itself failed;
- ``POST /grading/workers/give-back`` ``{"worker"}``: a worker process died, its jobs go back.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

from tornado import web

from graders.runner import master_hash

from .. import protocol
from ..keys import ensure_token
from ..settings import PlatformSettings
from .store import REMOTE, Store
from .worker import grading_options

WORKER_NAME = re.compile(r"[A-Za-z0-9._:-]{1,120}")
ASSIGNMENT = re.compile(r"[A-Za-z0-9_-]{1,128}")  # a master's folder name, never a path
CONFIG_FILE = "nbgrader_config.py"  # the course's, beside the master's files (source/…)


class QueueError(Exception):
    """A request the queue cannot serve: ``status`` and what to do."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class RemoteQueue:
    """The store's job queue seen from another machine: each call names the worker."""

    def __init__(self, settings: PlatformSettings, store: Store):
        self.settings, self.store = settings, store

    def grading(self) -> dict:
        """How every job is graded: this service's settings, not the worker host's."""
        return {"options": grading_options(self.settings),
                "lease_seconds": self.settings.lease_seconds}

    def master_dir(self, assignment: str) -> Path:
        folder = self.settings.masters_dir / assignment
        if not ASSIGNMENT.fullmatch(assignment) or not folder.is_dir():
            raise QueueError(404, f"no master for {assignment!r}")
        return folder

    def master_version(self, assignment: str) -> str:
        digest = hashlib.sha256(master_hash(self.master_dir(assignment)).encode())
        digest.update(self.settings.course_config.read_bytes())
        return digest.hexdigest()[:16]

    def master(self, assignment: str) -> dict:
        folder = self.master_dir(assignment)
        files = {f"source/{path.relative_to(folder.parent).as_posix()}": path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
        files[CONFIG_FILE] = self.settings.course_config.read_bytes()
        return {"version": self.master_version(assignment), **protocol.encode_files(files)}

    def claim(self, worker: str) -> dict | None:
        job = self.store.claim(remote_name(worker), self.settings.lease_seconds)
        if job is None:
            return None
        notebook = self.settings.course_storage / job.folder / f"{job.assignment}.ipynb"
        return {"job": {"id": job.id, "attempts": job.attempts, "assignment": job.assignment,
                        "master_version": self.master_version(job.assignment)},
                "grading": self.grading(),
                **protocol.encode_files({f"{job.assignment}.ipynb": notebook.read_bytes()})}

    def renew(self, job_id: int, worker: str) -> bool:
        return self.store.renew(job_id, remote_name(worker), self.settings.lease_seconds)

    def complete(self, job_id: int, worker: str, body: dict) -> bool:
        """Record the result if ``worker`` still holds the job; the graded notebook is on disk
        (synced) before the result that names it is committed."""
        job = self.store.held(job_id, remote_name(worker))
        if job is None:
            return False
        score, max_score, report = body.get("score"), body.get("max_score"), body.get("report")
        if not all(isinstance(n, (int, float)) for n in (score, max_score)) or \
                not isinstance(report, dict):
            raise QueueError(400, "complete needs score, max_score (numbers) and report")
        graded = None
        if body.get("graded"):
            graded = Path("graded") / f"job-{job.id}-{job.attempts}" / f"{job.assignment}.ipynb"
            write_synced(self.settings.course_storage / graded, decode(body["graded"]))
        done = self.store.complete(job, remote_name(worker), float(score), float(max_score),
                                   report, str(graded) if graded else None)
        if not done and graded:  # lost meanwhile: the copy names no result
            (self.settings.course_storage / graded).unlink(missing_ok=True)
        return done

    def give_back(self, job_id: int, worker: str, error: str) -> None:
        job = self.store.held(job_id, remote_name(worker))
        if job is not None:
            self.store.give_back(job, remote_name(worker), error,
                                 self.settings.max_attempts)

    def give_back_worker(self, worker: str) -> dict:
        given = self.store.requeue(worker=remote_name(worker),
                                   max_attempts=self.settings.max_attempts)
        return {"queued": given.queued, "failed": given.failed}


def remote_name(worker: object) -> str:
    if not isinstance(worker, str) or not WORKER_NAME.fullmatch(worker):
        raise QueueError(400, "worker must be a name of letters, digits and . _ : -")
    return REMOTE + worker


def decode(text: object) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise QueueError(400, "graded must be base64") from None


def write_synced(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


# ---- the web side: thin handlers ----

class QueueHandler(web.RequestHandler):
    def initialize(self, queue: RemoteQueue, token: str):
        self.queue, self.token = queue, token

    def prepare(self):
        shown = self.request.headers.get("Authorization", "").removeprefix("token ").strip()
        if not hmac.compare_digest(shown.encode(), self.token.encode()):
            raise QueueError(403, "wrong or missing token: copy data_dir/secrets/"
                             "grading-queue-token from the course service's machine")

    def body(self) -> dict:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise QueueError(400, "the body must be a JSON object")
        return body

    def answer(self, value: dict | None = None, status: int = 200) -> None:
        self.set_status(status)
        if value is not None:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(value))

    def _handle_request_exception(self, error: BaseException) -> None:
        if isinstance(error, QueueError):
            self.answer({"error": str(error)}, error.status)
        else:
            super()._handle_request_exception(error)


class HelloHandler(QueueHandler):
    async def get(self):
        self.answer({"grading": self.queue.grading()})


class ClaimHandler(QueueHandler):
    async def post(self):
        job = await away(self.queue.claim, self.body().get("worker"))
        self.answer(job, 200 if job else 204)


class MasterHandler(QueueHandler):
    async def get(self, assignment: str):
        self.answer(await away(self.queue.master, assignment))


class JobHandler(QueueHandler):
    async def post(self, job_id: str, action: str):
        body = self.body()
        worker, job = body.get("worker"), int(job_id)
        if action == "renew":
            held = await away(self.queue.renew, job, worker)
        elif action == "complete":
            held = await away(self.queue.complete, job, worker, body)
        else:
            await away(self.queue.give_back, job, worker, str(body.get("error", ""))[-4000:])
            held = True
        self.answer({"held": held}, 200 if held else 409)


class WorkerGiveBackHandler(QueueHandler):
    async def post(self):
        self.answer(await away(self.queue.give_back_worker, self.body().get("worker")))


async def away(method, *args):
    """``method(*args)`` in a thread: the database and the files, away from the event loop
    the learners' API shares."""
    return await asyncio.get_running_loop().run_in_executor(None, method, *args)


def make_queue_app(queue: RemoteQueue, token: str) -> web.Application:
    args = {"queue": queue, "token": token}
    return web.Application([
        (r"/grading/hello", HelloHandler, args),
        (r"/grading/claim", ClaimHandler, args),
        (r"/grading/masters/([^/]+)", MasterHandler, args),
        (r"/grading/jobs/(\d+)/(renew|complete|give-back)", JobHandler, args),
        (r"/grading/workers/give-back", WorkerGiveBackHandler, args),
    ])


def listen(settings: PlatformSettings, store: Store):
    """Serve the queue on grading_queue_address; the server, or None when it is not set."""
    if not settings.grading_queue_address:
        return None
    if problem := settings.grading_queue_problem():
        raise ValueError(problem)
    host, _, port = settings.grading_queue_address.rpartition(":")
    token = ensure_token(settings.grading_queue_token_file)
    app = make_queue_app(RemoteQueue(settings, store), token)
    # a graded notebook is the submission and its outputs: room for twice the largest one
    return app.listen(int(port), address=host.strip("[]"),
                      max_body_size=2 * protocol.max_request_bytes(settings.max_submission_mb))
