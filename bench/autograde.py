"""Autograde benchmark: our sandboxed grading workers against plain `nbgrader autograde`, same
submissions, same run.

The submissions are week 1's autograded exercises, in four kinds: correct (the master's answers
typed into the student version), partial (the first answer only), blank, and 10% hostile. Ours:
the course service's queue and worker pool (one worker per core, each kernel in a locked-down
container). Stock: one `nbgrader autograde` per assignment over the same submissions, on the
host, no sandbox. The hostile submissions are only those that are safe to run unsandboxed on
this machine (an endless loop, os._exit, an always-equal object, a patched showtraceback): fork
bombs and memory floods are measured by the security tests, never outside a sandbox.

Prints throughput (submissions per minute) for both, the ratio, one submission's time to
feedback (ours, queue empty), and checks that both agree on every non-hostile submission.
Stock runs twice: at its own cell timeout (30 s) and at ours (``cell_timeout``, 10 s by
default), since each endless loop costs a side one cell timeout: the second ratio shows what
does not come from the shorter timeout.

``--hosts 2`` grades the same submissions on one host (this machine's workers) and on two: half
the workers here, half behind `decoder worker` on a second Docker engine in a network namespace
of its own (tests/secondhost.py), taking jobs over the queue's HTTP API, the service's store on
PostgreSQL. Same cores: no gain is expected; the ratio is the remote path's overhead.

``--baseline PATH`` also grades the same submissions with the code of another checkout of this
project (an older commit: ``git worktree add PATH <commit>``), in the same run, with the same
settings and images: a change's cost is read against it, not against a number from another day.

    .venv/bin/python bench/autograde.py [--submissions 120] [--baseline ../main-before]
    .venv/bin/python bench/autograde.py --hosts 2 [--submissions 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute

# the code measured: this checkout, or the one named by BENCH_CODE (--baseline runs this script
# again in a subprocess against an older checkout)
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parent.parent))
from decoder.course import load_course  # noqa: E402
from decoder.service.files import write_submission  # noqa: E402
from decoder.service.pool import WorkerPool  # noqa: E402
from decoder.service.store import Store  # noqa: E402
from decoder.settings import PROJECT_ROOT, PlatformSettings  # noqa: E402
from graders.runner import nbgrader_env, prepare_assignment  # noqa: E402
from tests.lab import solved  # noqa: E402

HOSTILE = {
    "boucle-infinie": "while True:\n    pass",
    "os-exit": "import os\nos._exit(1)",
    "toujours-egal": "class Toujours:\n    def __eq__(self, other):\n        return True\n"
                     "import builtins\nbuiltins.Toujours = Toujours",
    "showtraceback": "get_ipython().showtraceback = lambda *a, **k: None\n"
                     "get_ipython()._showtraceback = lambda *a, **k: None",
}


def submissions_for(names: list[str], count: int, cache: Path) -> list[tuple[str, str, dict]]:
    """(learner, assignment, notebook) for ``count`` submissions spread over ``names``."""
    made = []
    hostile_every = 10
    for index in range(count):
        name = names[index % len(names)]
        template = prepare_assignment(PROJECT_ROOT / "course" / "source" / name,
                                      PROJECT_ROOT / "course" / "nbgrader_config.py", cache)
        student = nbformat.read(template / "release" / name / f"{name}.ipynb", 4)
        master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
        kind = ("hostile" if index % hostile_every == hostile_every - 1
                else ("correct", "partial", "blank")[index % 3])
        notebook = solved(student, master) if kind in ("correct", "partial") else student
        if kind == "partial":
            answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
            for cell in answers[1:] or answers:
                cell.source = "raise NotImplementedError()"
        if kind == "hostile":
            code = list(HOSTILE.values())[(index // hostile_every) % len(HOSTILE)]
            notebook = solved(student, master)
            notebook.cells.insert(0, nbformat.v4.new_code_cell(code))
        made.append((f"{kind}-{index:03d}", name, notebook))
    return made


def worker_pool(settings: PlatformSettings, store: Store, workers: int) -> WorkerPool:
    """The service's pool, as this checkout's code makes it (an older one took no env: its
    workers read the settings from this process's environment)."""
    if "env" in inspect.signature(WorkerPool).parameters:
        return WorkerPool(store, workers, settings.path("logs"),
                          env=settings.child_environment(), max_attempts=settings.max_attempts)
    return WorkerPool(store, workers, settings.path("logs"))


def loaded_settings(data_dir: Path, workers: int) -> PlatformSettings:
    """The platform's settings (DECODER_CONFIG, environment) with a data folder of the bench's
    own; the workers get every value from them, as under the service."""
    if hasattr(PlatformSettings, "load"):
        settings = PlatformSettings.load()
        settings.data_dir, settings.grading_workers = str(data_dir), workers
        return settings
    os.environ.update(DECODER_DATA_DIR=str(data_dir), DECODER_GRADING_WORKERS=str(workers))
    return PlatformSettings()


def run_ours(settings: PlatformSettings, work: list, workers: int) -> tuple[float, dict]:
    store = Store(settings.course_db_url)
    settings.course_storage.mkdir(parents=True, exist_ok=True)
    store.migrate()
    ids = {}
    for learner, name, notebook in work:
        folder, size, digest = write_submission(
            settings.course_storage, learner, name,
            {f"{name}.ipynb": nbformat.writes(notebook).encode()})
        ids[(learner, name)] = (folder, size, digest)
    pool = worker_pool(settings, store, workers)
    # queue everything at once, then time until the last result
    started = time.monotonic()
    for (learner, name), (folder, size, digest) in ids.items():
        store.add_submission(learner, name, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             folder, size, digest, run="bench")
    pool.start()
    try:
        while True:
            pool.check()
            done = sum(1 for learner, name, _ in work
                       if store.submissions_of(learner, name, run=None)[-1]["state"]
                       in ("done", "failed"))
            if done == len(work):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        scores = {}
        for learner, name, _ in work:
            row = store.submissions_of(learner, name, run=None)[-1]
            scores[(learner, name)] = row["result"]["score"] if row["result"] else None
        # one submission alone, queue empty: time to feedback
        learner, name, notebook = work[0]
        folder, size, digest = write_submission(
            settings.course_storage, "seul", name,
            {f"{name}.ipynb": nbformat.writes(notebook).encode()})
        alone = time.monotonic()
        store.add_submission("seul", name, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             folder, size, digest, run="bench")
        while store.submissions_of("seul", name, run=None)[-1]["state"] \
                not in ("done", "failed"):
            time.sleep(0.1)
        scores["feedback_seconds"] = time.monotonic() - alone
    finally:
        pool.stop()
    return elapsed, scores


STOCK_CELL_TIMEOUT = Execute.class_traits()["timeout"].default_value  # nbgrader's own: 30 s


def run_stock(root: Path, work: list, cell_timeout: int | None = None) -> tuple[float, dict]:
    """Plain ``nbgrader autograde``: its own cell timeout unless ``cell_timeout``."""
    shutil.copytree(PROJECT_ROOT / "course" / "source", root / "source")
    shutil.copy(PROJECT_ROOT / "course" / "nbgrader_config.py", root / "nbgrader_config.py")
    names = sorted({name for _, name, _ in work})
    env = nbgrader_env()
    for name in names:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name,
                        "--force"], cwd=root, env=env, check=True, capture_output=True)
    for learner, name, notebook in work:
        folder = root / "submitted" / learner / name
        folder.mkdir(parents=True, exist_ok=True)
        for extra in (root / "source" / name).iterdir():
            if extra.suffix not in (".ipynb", ".toml"):
                shutil.copy(extra, folder / extra.name)
        nbformat.write(notebook, folder / f"{name}.ipynb")
    started = time.monotonic()
    for name in names:
        timeout = [] if cell_timeout is None else [
            f"--Execute.timeout={cell_timeout}"]
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", name, *timeout],
                       cwd=root, env=env, capture_output=True)
    elapsed = time.monotonic() - started
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for learner, name, _ in work:
            try:
                scores[(learner, name)] = float(gradebook.find_submission(name, learner).score)
            except Exception:  # noqa: BLE001 - a submission nbgrader could not grade
                scores[(learner, name)] = None
    return elapsed, scores


def run_two_hosts(work: list, workers: int, tmp: Path) -> tuple[float, dict]:
    """``run_ours`` with half the workers on a second host (its engine, its `decoder worker`)."""
    from decoder.keys import ensure_token
    from tests.pgserver import PostgresServer
    from tests.secondhost import HostPlan, SecondHost, serve_queue

    plan, port = HostPlan(), 19990
    postgres, second = PostgresServer(), SecondHost(plan)
    settings = loaded_settings(tmp / "two-hosts-data", max(1, workers // 2))
    settings.course_db_url = postgres.start()
    settings.grading_queue_address = f"{plan.here}:{port}"
    stop_queue = None
    try:
        second.connect()
        second.start_engine()
        second.load(settings.grader_image)
        store = Store(settings.course_db_url)
        store.migrate()
        # as for one host (submissions_for): each host's assignments prepared before the clock
        for name in sorted({name for _, name, _ in work}):
            for cache in (settings.course_storage / "templates",
                          plan.root / "worker" / "templates"):
                prepare_assignment(PROJECT_ROOT / "course" / "source" / name,
                                   PROJECT_ROOT / "course" / "nbgrader_config.py", cache)
        token = ensure_token(settings.grading_queue_token_file)
        stop_queue = serve_queue(settings, store, token, plan.here, port)
        second.start_worker(f"http://{plan.here}:{port}", token,
                            processes=workers - settings.grading_workers,
                            sandboxes_ahead=settings.sandboxes_ahead)
        second.wait_worker()
        return run_ours(settings, work, settings.grading_workers)
    finally:
        if stop_queue:
            stop_queue()
        second.remove()
        postgres.stop()


def run_baseline(checkout: Path, work: list, settings: PlatformSettings,
                 tmp: Path) -> tuple[float, dict]:
    """This bench's ``ours`` with another checkout's code, in a subprocess, same settings."""
    work_file = tmp / "work.json"
    work_file.write_text(json.dumps([[learner, name, notebook] for learner, name, notebook
                                     in work]))
    env = {**os.environ, **settings.environment(), "BENCH_CODE": str(checkout),
           "PYTHONPATH": str(checkout)}
    env.pop("DECODER_CONFIG", None)
    done = subprocess.run([sys.executable, __file__, "--ours-only", str(work_file),
                           "--workers", str(settings.worker_count), "--data",
                           str(tmp / "baseline-data")], env=env, capture_output=True,
                          text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    scores = {(learner, name): score for learner, name, score in result["scores"]}
    scores["feedback_seconds"] = result["feedback_seconds"]
    return result["seconds"], scores


def ours_only(work_file: Path, workers: int, data_dir: Path) -> int:
    """Grade the submissions of ``work_file`` with this checkout's workers; print the result
    as one JSON line (the subprocess of ``run_baseline``)."""
    work = [(learner, name, nbformat.from_dict(notebook)) for learner, name, notebook
            in json.loads(work_file.read_text())]
    settings = loaded_settings(data_dir, workers)
    for name in sorted({name for _, name, _ in work}):  # as for ours: before the clock starts
        prepare_assignment(PROJECT_ROOT / "course" / "source" / name,
                           PROJECT_ROOT / "course" / "nbgrader_config.py",
                           settings.course_storage / "templates")
    seconds, scores = run_ours(settings, work, settings.worker_count)
    print(json.dumps({"seconds": seconds, "feedback_seconds": scores.pop("feedback_seconds"),
                      "scores": [[learner, name, score] for (learner, name), score
                                 in scores.items()]}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=120)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--baseline", type=Path, help="another checkout of this project "
                        "(git worktree add PATH COMMIT) graded in the same run")
    parser.add_argument("--hosts", type=int, choices=(1, 2), default=1,
                        help="2: one host against two, same workers in all (no stock run)")
    parser.add_argument("--ours-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours_only:
        return ours_only(args.ours_only, args.workers, args.data)
    course = load_course()
    names = [a.name for a in course.assignments_of(1) if not a.peer_reviewed]
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        settings = loaded_settings(tmp / "data", args.workers)
        work = submissions_for(names, args.submissions, settings.course_storage / "templates")
        print(f"{len(work)} submissions over {', '.join(names)}; "
              f"{settings.worker_count} worker(s) for ours", flush=True)
        ours_seconds, ours = run_ours(settings, work, settings.worker_count)
        print(f"ours:  {ours_seconds:.1f} s", flush=True)
        if args.hosts == 2:
            return compare_hosts(work, settings.worker_count, ours_seconds, ours, tmp)
        baseline = None
        if args.baseline:
            baseline = run_baseline(args.baseline.resolve(), work, settings, tmp)
            print(f"ours, with the code of {args.baseline}: {baseline[0]:.1f} s", flush=True)
        stock_seconds, stock = run_stock(tmp / "stock", work)
        print(f"stock: {stock_seconds:.1f} s", flush=True)
        # the endless loops cost each side its cell timeout: compare at equal timeouts too
        same_seconds, _ = run_stock(tmp / "stock-same-timeout", work, settings.cell_timeout)
        print(f"stock, cell timeout {settings.cell_timeout} s: {same_seconds:.1f} s", flush=True)
    n = len(work)
    disagree = [(learner, name, ours[(learner, name)], stock[(learner, name)])
                for learner, name, _ in work if not learner.startswith("hostile")
                and ours[(learner, name)] != stock[(learner, name)]]
    ours_rate, stock_rate = 60 * n / ours_seconds, 60 * n / stock_seconds
    figures = {
        "submissions": n,
        "ours_per_minute": round(ours_rate, 1), "stock_per_minute": round(stock_rate, 1),
        "throughput_ratio": round(ours_rate / stock_rate, 2),
        "cell_timeouts": {"ours": settings.cell_timeout, "stock": STOCK_CELL_TIMEOUT},
        "throughput_ratio_same_cell_timeout": round(same_seconds / ours_seconds, 2),
        "ours_seconds_per_submission": round(ours_seconds / n, 3),
        "stock_seconds_per_submission": round(stock_seconds / n, 2),
        "one_submission_feedback_seconds": round(ours["feedback_seconds"], 2),
        "non_hostile_disagreements": disagree,
    }
    if baseline:
        figures |= {
            "baseline_seconds_per_submission": round(baseline[0] / n, 3),
            "ours_over_baseline": round(ours_seconds / baseline[0], 3),
            "baseline_one_submission_feedback_seconds": round(baseline[1]["feedback_seconds"],
                                                              2),
            "scores_differing_from_baseline": [
                (learner, name, ours[(learner, name)], baseline[1][(learner, name)])
                for learner, name, _ in work
                if ours[(learner, name)] != baseline[1][(learner, name)]],
        }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 1 if disagree else 0


def compare_hosts(work: list, workers: int, one_seconds: float, one: dict, tmp: Path) -> int:
    two_seconds, two = run_two_hosts(work, workers, tmp)
    n = len(work)
    differing = [(learner, name, one[(learner, name)], two[(learner, name)])
                 for learner, name, _ in work if one[(learner, name)] != two[(learner, name)]]
    print(json.dumps({
        "submissions": n, "workers": workers,
        "one_host_seconds_per_submission": round(one_seconds / n, 3),
        "two_hosts_seconds_per_submission": round(two_seconds / n, 3),
        "two_hosts_over_one": round(two_seconds / one_seconds, 3),
        "one_submission_feedback_seconds": {"one_host": round(one["feedback_seconds"], 2),
                                            "two_hosts": round(two["feedback_seconds"], 2)},
        "scores_differing": differing,
    }, indent=2, ensure_ascii=False))
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
