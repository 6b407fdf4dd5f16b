"""Page benchmark: our dashboard, course page and export beside nbgrader's formgrader, on the
same class of 1,000 learners × 20 exercises, in the same run.

The platform is started for real (hub, course service, formgrader container) on a class seeded
straight into its stores: every learner fetched, submitted and was graded on every exercise of
the course (20,000 graded submissions in the course service's database, and the same ones in
nbgrader's gradebook, which the formgrader reads). Then 20 clients at once ask each page
through the hub's proxy on loopback, with an instructor's (or a learner's) hub token; p50 and
p95 per page are printed, ours beside the formgrader's gradebook (its pages are filled by
these API calls: nbgrader #785 and #929 report 10-30 s around 1,000 submissions).

    .venv/bin/python bench/pages.py [--learners 1000] [--clients 20] [--requests 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from decoder import origins  # noqa: E402
from decoder.course import load_course  # noqa: E402
from decoder.hub import homes  # noqa: E402
from decoder.ops import hubprocess  # noqa: E402
from decoder.service import store as tables  # noqa: E402
from decoder.service.gradebook import CourseGradebook  # noqa: E402
from decoder.service.store import Store  # noqa: E402
from decoder.settings import PlatformSettings  # noqa: E402
from tests.course_copy import ALL_OPEN, course_copy  # noqa: E402
from tests.localhost import session  # noqa: E402

PORT = 29000
TARGET_P95_MS = 300


def settings_for(data_dir: Path) -> PlatformSettings:
    course_file = course_copy(data_dir / "course", ALL_OPEN)
    settings = PlatformSettings.load()  # the operator's settings, then the bench's own
    for name, value in {
        "instance": "decoder-benchpages", "data_dir": str(data_dir), "public_port": PORT,
        "hub_port": PORT + 81, "proxy_api_port": PORT + 1, "course_service_port": PORT + 82,
        "learner_network": "decoder-benchpages", "learner_subnet": "172.29.7.0/24",
        "learner_bridge": "decoder-bpages0", "course_file": str(course_file),
        "grading_workers": 1,
    }.items():
        setattr(settings, name, value)
    return settings


def learner_names(count: int) -> list[str]:
    return [f"apprenant{i:04d}" for i in range(count)]


def seed_store(settings: PlatformSettings, learners: list[str]) -> int:
    """Every learner fetched, submitted and was graded on every exercise (bulk inserts)."""
    course = load_course(Path(settings.course_file))
    settings.course_storage.mkdir(parents=True, exist_ok=True)
    store = Store(settings.course_db_url)
    store.migrate()
    hubprocess.ensure_course_run(settings)  # the work belongs to the run the platform teaches
    run = hubprocess.course_runs(settings).current().name
    rng = random.Random(7)
    start = dt.datetime(2026, 1, 6, 9)
    rows = {"fetches": [], "submissions": [], "jobs": [], "results": []}
    next_id = 1
    for learner in learners:
        for assignment in course.assignments:
            when = start + dt.timedelta(days=7 * (assignment.week - 1),
                                        minutes=rng.randrange(6 * 24 * 60))
            points = float(assignment.points)
            score = points if rng.random() < 0.6 else float(rng.randrange(int(points) + 1))
            report = {"assignment": assignment.name, "score": score, "max_score": points,
                      "tests": [{"grade_id": "tests", "points": score, "max_points": points,
                                 "message": None if score == points else "grader.assertion_plain",
                                 "hidden_tests": 1}]}
            rows["fetches"].append({"run": run, "username": learner,
                                    "assignment": assignment.name,
                                    "first_at": when, "last_at": when})
            rows["submissions"].append({
                "id": next_id, "run": run, "username": learner, "assignment": assignment.name,
                "submitted_at": when, "folder": f"submissions/{learner}/{assignment.name}/x",
                "size_bytes": 4000, "sha256": "0" * 64})
            rows["jobs"].append({"id": next_id, "submission_id": next_id, "state": "done",
                                 "attempts": 1, "created_at": when, "finished_at": when})
            rows["results"].append({
                "id": next_id, "job_id": next_id, "submission_id": next_id, "score": score,
                "max_score": points, "report": json.dumps(report), "graded_notebook": None,
                "in_gradebook": True, "created_at": when})
            next_id += 1
    with store.engine.begin() as db:
        for name in ("fetches", "submissions", "jobs", "results"):
            db.execute(sa.insert(getattr(tables, name)), rows[name])
    return next_id - 1


def seed_gradebook(settings: PlatformSettings, learners: list[str]) -> None:
    """The same submissions in nbgrader's gradebook: assignments made by nbgrader itself
    (generate_assignment), the learners' rows written in bulk."""
    course = load_course(Path(settings.course_file))
    gradebook = CourseGradebook(settings.course_storage / "nbgrader", settings.masters_dir,
                                settings.course_config)
    for assignment in course.assignments:
        gradebook.ensure_assignment(assignment.name)
    rng = random.Random(11)
    db = sqlite3.connect(gradebook.root / "gradebook.db")
    notebooks = db.execute("SELECT n.id, a.id, a.name FROM notebook n "
                           "JOIN assignment a ON a.id = n.assignment_id").fetchall()
    graded = {nb: db.execute("SELECT g.id, g.max_score FROM grade_cells g JOIN base_cell b "
                             "ON b.id = g.id WHERE b.notebook_id = ?", (nb,)).fetchall()
              for nb, _, _ in notebooks}
    commented = {nb: [row[0] for row in db.execute(
        "SELECT b.id FROM base_cell b WHERE b.notebook_id = ? AND b.type IN "
        "('SolutionCell', 'TaskCell')", (nb,))] for nb, _, _ in notebooks}
    students, assignments, submitted, grades, comments = [], [], [], [], []
    for learner in learners:
        students.append((learner, None, None, None, None))
        for notebook, assignment, _ in notebooks:
            sa_id, sn_id = uuid.uuid4().hex, uuid.uuid4().hex
            assignments.append((sa_id, assignment, learner, "2026-01-08 10:00:00.000000", None))
            submitted.append((sn_id, sa_id, notebook, False, 0.0))
            for cell, max_score in graded[notebook]:
                grades.append((uuid.uuid4().hex, sn_id, cell, float(rng.randrange(
                    int(max_score) + 1)), None, None, False))
            for cell in commented[notebook]:
                comments.append((uuid.uuid4().hex, sn_id, cell, None, None))
    with db:
        db.executemany("INSERT INTO student VALUES (?, ?, ?, ?, ?)", students)
        db.executemany("INSERT INTO submitted_assignment VALUES (?, ?, ?, ?, ?)", assignments)
        db.executemany("INSERT INTO submitted_notebook VALUES (?, ?, ?, ?, ?)", submitted)
        db.executemany("INSERT INTO grade VALUES (?, ?, ?, ?, ?, ?, ?)", grades)
        db.executemany("INSERT INTO comment VALUES (?, ?, ?, ?, ?)", comments)
    db.close()


class Client:
    def __init__(self, url: str, token: str):
        self.url = url
        self.http = session()  # each service on its own origin (*.localhost)
        self.http.headers["Authorization"] = f"token {token}"

    def address(self, path: str) -> str:
        """A service's path at its own origin (per-user origins), else at the hub's."""
        service = re.match(r"^/services/([^/]+)/", path)
        return (origins.origin_of(self.url, service.group(1), "service") if service
                else self.url) + path

    def time(self, path: str) -> float:
        started = time.perf_counter()
        response = self.http.get(self.address(path), timeout=600, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return elapsed


def hub_token(settings: PlatformSettings, user: str, create: bool = False) -> str:
    operator = session()
    operator.headers["Authorization"] = "token " + settings.path(
        "secrets", "cli_token").read_text().strip()
    api = f"{settings.public_url}/hub/api"
    if create:
        operator.post(f"{api}/users/{user}", timeout=60)
    response = operator.post(f"{api}/users/{user}/tokens", json={"note": "bench"}, timeout=60)
    response.raise_for_status()
    return response.json()["token"]


def measure(url: str, token: str, path: str, clients: int, each: int) -> list[float]:
    """``clients`` at once, ``each`` requests apiece (after one warm-up request)."""
    Client(url, token).time(path)
    times: list[float] = []
    lock = threading.Lock()

    def run():
        client = Client(url, token)
        mine = [client.time(path) for _ in range(each)]
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000)


def wait_for_formgrader(url: str, token: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            Client(url, token).time("/services/formgrader/formgrader/api/status")
            return
        except (RuntimeError, requests.RequestException):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="per client and page")
    parser.add_argument("--formgrader-requests", type=int, default=1,
                        help="per client and formgrader page (each takes seconds)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the platform on the way out
    with tempfile.TemporaryDirectory(prefix="decoder-bench-pages-") as folder:
        settings = settings_for(Path(folder))
        hubprocess.prepare(settings)
        learners = learner_names(args.learners)
        began = time.monotonic()
        count = seed_store(settings, learners)
        seed_gradebook(settings, learners)
        print(f"seeded {count} graded submissions ({args.learners} learners) in "
              f"{time.monotonic() - began:.0f} s")
        hubprocess.start_hub(settings)
        try:
            url = settings.public_url
            staff = hub_token(settings, "formatrice")
            learner = hub_token(settings, learners[0], create=True)
            wait_for_formgrader(url, staff)
            first = load_course(Path(settings.course_file)).assignments[0].name
            pages = [
                ("ours", "dashboard (all weeks)", staff, "/services/course/staff/"),
                ("ours", "dashboard (week 2)", staff, "/services/course/staff/?week=2"),
                ("ours", "learner's course page", learner, "/services/course/course"),
                ("ours", "export (whole course)", staff, "/services/course/staff/export.csv"),
                ("ours", "export (week 1)", staff, "/services/course/staff/export.csv?week=1"),
                ("formgrader", "assignments", staff,
                 "/services/formgrader/formgrader/api/assignments"),
                ("formgrader", "students", staff, "/services/formgrader/formgrader/api/students"),
                ("formgrader", "one exercise's submissions", staff,
                 f"/services/formgrader/formgrader/api/submitted_notebooks/{first}/{first}"),
            ]
            print(f"{args.clients} clients at once, {args.requests} requests each per page of "
                  f"ours, {args.formgrader_requests} per formgrader page")
            print(f"{'':11}{'page':30}{'p50 ms':>10}{'p95 ms':>10}")
            found = {}
            for side, name, token, path in pages:
                each = args.requests if side == "ours" else args.formgrader_requests
                p50, p95 = percentiles(measure(url, token, path, args.clients, each))
                found[(side, name)] = (p50, p95)
                print(f"{side:11}{name:30}{p50:10.0f}{p95:10.0f}", flush=True)
            ours = max(p95 for (side, _), (_, p95) in found.items() if side == "ours")
            theirs = [p95 for (side, _), (_, p95) in found.items() if side == "formgrader"]
            print(f"slowest p95 of ours: {ours:.0f} ms (target {TARGET_P95_MS} ms: "
                  f"{'met' if ours < TARGET_P95_MS else 'NOT met'}); formgrader's gradebook "
                  f"p95 {min(theirs):.0f}-{max(theirs):.0f} ms; ratio of the slowest: "
                  f"{max(theirs) / ours:.1f}x")
        finally:
            hubprocess.stop_platform(settings)
            homes.release_filesystem(settings.homes_root, settings.homes_image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
