"""What happens to a submission after the service answered 201, in the order it happens.

1. ``start()``: nothing of a previous run is still ours. Its sandboxes are removed (when this
   machine grades: ``grade_here``), the jobs it left running go back to the queue (or are
   given up after ``max_attempts``: a submission that keeps killing its worker must not loop
   forever), and the pool starts the grading workers (none when this machine does not grade).
   Each worker takes the oldest queued job under a lease and grades it in a sandbox; only the
   worker still holding a job records its result (exactly once: store.py). The release of each
   open assignment is prepared meanwhile, ahead of the first fetch.
2. ``tick()``, every second: dead workers are replaced and their jobs given back, jobs whose
   lease ran out are given back (pool.py); then finished results are written into nbgrader's
   gradebook by a single writer, newest submission only, so that the formgrader shows the score
   that counts (``CourseService.record_results``).
3. ``stop()``: the workers stop first; the service's web API stops after.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from ..settings import PlatformSettings
from .pool import WorkerPool, remove_sandboxes_of
from .service import CourseService, Identity
from .store import Store

log = logging.getLogger("decoder.course.pipeline")


class GradingPipeline:
    def __init__(self, settings: PlatformSettings, store: Store, service: CourseService):
        self.settings, self.store, self.service = settings, store, service
        self.pool = WorkerPool(store, settings.worker_count, settings.path("logs"),
                               env=settings.child_environment(),
                               max_attempts=settings.max_attempts)
        self._supervising = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
        self._recording = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradebook")
        self._writing: Future | None = None

    def start(self) -> None:
        if self.settings.grade_here:  # else no engine here: other hosts' sandboxes are theirs
            remove_sandboxes_of(self.store)
        given_up = self.store.requeue(everything=True, max_attempts=self.settings.max_attempts)
        if given_up.failed:
            log.warning("%d job(s) given up at start: their grading stopped %d times",
                        given_up.failed, self.settings.max_attempts)
        self.pool.start()
        for assignment in self.service.open_assignments(Identity("service", "service")):
            self._supervising.submit(self.service.release_folder, assignment["assignment_id"])

    def tick(self) -> None:
        self._supervising.submit(self.pool.check)
        if self._writing is None or self._writing.done():  # one batch at a time
            self._writing = self._recording.submit(self.service.record_results)
            self._writing.add_done_callback(_log_failure)

    def stop(self) -> None:
        self.pool.stop()
        self._supervising.shutdown(wait=False, cancel_futures=True)
        self._recording.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future) -> None:
    if not future.cancelled() and future.exception():
        log.error("writing to the gradebook failed: %s", future.exception())
