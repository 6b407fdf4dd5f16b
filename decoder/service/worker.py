"""A grading worker: takes jobs from the service's queue and grades each in the sandbox.

Run by the pool (decoder/service/pool.py) as ``python -m decoder.service.worker``, with the
settings of :class:`PlatformSettings` in its environment (a worker of another machine:
remote_worker.py). While it grades, a thread renews the
job's lease; if the worker dies, the pool (or the lease running out) gives the job back to the
queue, and the result of a job the worker no longer holds is never recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import threading
import time
import traceback
from pathlib import Path

from graders.runner import GradeReport, grade

from ..engine import engine_answers
from ..settings import PlatformSettings
from .pool import sandbox_label
from .store import Job, Store

POLL_SECONDS = 0.3  # how often an idle worker looks at the queue
JOBS_PER_WORKER = 200  # then the worker exits and the pool starts a fresh one (no slow leaks)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class EngineGone(RuntimeError):
    """The Docker engine stopped answering while a job ran: not the learner's doing."""


class Worker:
    """Takes jobs from a queue (the store, or queue_api over HTTP for another machine) and
    grades each; ``_grade`` says where the files are."""

    def __init__(self, store, name: str | None = None):
        self.store = store
        self.name = name or worker_name()
        self.stopping = False
        self.engine_lost = False

    max_attempts = 0  # the queue's own setting decides (Store: given by LocalWorker)

    def lease_of(self, job: Job) -> float:
        raise NotImplementedError

    def _grade(self, job: Job) -> None:
        raise NotImplementedError

    def run_forever(self) -> None:
        parent = os.getppid()
        graded = 0
        while not self.stopping and os.getppid() == parent:  # the service is gone: so are we
            if self.run_once():
                graded += 1
                if graded >= JOBS_PER_WORKER:
                    return
            else:
                time.sleep(POLL_SECONDS)

    def run_once(self) -> bool:
        """Grade one job if there is one; False when the queue was empty, or when the engine
        went away during the last job and does not answer yet (no job is taken to fail)."""
        if self.engine_lost:
            if not engine_answers():
                return False
            self.engine_lost = False
        job = self.store.claim(self.name, self.lease_of(None))
        if job is None:
            return False
        renewing = threading.Event()
        threading.Thread(target=self._renew, args=(job, renewing), daemon=True).start()
        try:
            self._grade(job)
        except Exception:  # noqa: BLE001 - the grader failed, not the learner: try again later
            self.engine_lost = not engine_answers()
            self.store.give_back(job, self.name, traceback.format_exc(), self.max_attempts)
        finally:
            renewing.set()
        return True

    def _renew(self, job: Job, done: threading.Event) -> None:
        while not done.wait(self.lease_of(job) / 3):
            if not self.store.renew(job.id, self.name, self.lease_of(job)):
                return


def grading_options(settings: PlatformSettings) -> dict:
    """How a job is graded (grade()'s keywords), from the course service's settings: the same
    for its own workers, for other machines' (queue_api.py) and for `decoder grade`."""
    return {"image": settings.grader_image, "cell_timeout": settings.cell_timeout,
            "job_timeout": settings.job_timeout, "language": settings.ui_language}


def kernel_lost(report: GradeReport) -> bool:
    """Whether the learner's kernel stopped under the job (died, stuck, or the job stopped):
    what an engine going away looks like from the grading side."""
    stopped = {"grader.kernel_died", "grader.kernel_stuck"}
    return report.error is not None or any(
        (test.message or {}).get("key") in stopped for test in report.tests)


def check_engine(report: GradeReport) -> None:
    """A kernel lost while the engine does not answer is the machine's failure: the job goes
    back to the queue instead of giving the learner the score of what ran."""
    if kernel_lost(report) and not engine_answers():
        raise EngineGone("the Docker engine stopped answering during the job")


class LocalWorker(Worker):
    """A worker of the course service's own machine: files in its folders, jobs in its
    database."""

    def __init__(self, settings: PlatformSettings, store: Store, name: str | None = None):
        super().__init__(store, name)
        self.settings = settings
        self.max_attempts = settings.max_attempts

    def lease_of(self, job: Job | None) -> float:
        return self.settings.lease_seconds

    def _grade(self, job: Job) -> None:
        storage = self.settings.course_storage
        folder = storage / job.folder
        graded = Path("graded") / f"job-{job.id}-{job.attempts}" / f"{job.assignment}.ipynb"
        report = grade(folder / f"{job.assignment}.ipynb",
                       self.settings.masters_dir / job.assignment,
                       self.settings.course_config, cache=storage / "templates",
                       label=sandbox_label(job.id, job.attempts), graded_copy=storage / graded,
                       sandboxes_ahead=self.settings.sandboxes_ahead,
                       **grading_options(self.settings))
        check_engine(report)
        self.store.complete(job, self.name, report.score, report.max_score,
                            json.loads(report.to_json()),
                            str(graded) if (storage / graded).exists() else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A grading worker of the course service.")
    parser.add_argument("--once", action="store_true", help="grade at most one job, then stop")
    args = parser.parse_args(argv)
    settings = PlatformSettings.load()
    store = Store(settings.course_db_url)
    worker = LocalWorker(settings, store)

    def stop(*_):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    if args.once:
        worker.run_once()
    else:
        worker.run_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
