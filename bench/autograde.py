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

    .venv/bin/python bench/autograde.py [--submissions 120]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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
    pool = WorkerPool(store, workers, settings.path("logs"), env=settings.child_environment(),
                      max_attempts=settings.max_attempts)
    # queue everything at once, then time until the last result
    started = time.monotonic()
    for (learner, name), (folder, size, digest) in ids.items():
        store.add_submission(learner, name, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             folder, size, digest)
    pool.start()
    try:
        while True:
            pool.check()
            done = sum(1 for learner, name, _ in work
                       if store.submissions_of(learner, name)[-1]["state"] in ("done", "failed"))
            if done == len(work):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        scores = {}
        for learner, name, _ in work:
            row = store.submissions_of(learner, name)[-1]
            scores[(learner, name)] = row["result"]["score"] if row["result"] else None
        # one submission alone, queue empty: time to feedback
        learner, name, notebook = work[0]
        folder, size, digest = write_submission(
            settings.course_storage, "seul", name,
            {f"{name}.ipynb": nbformat.writes(notebook).encode()})
        alone = time.monotonic()
        store.add_submission("seul", name, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             folder, size, digest)
        while store.submissions_of("seul", name)[-1]["state"] not in ("done", "failed"):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=120)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    args = parser.parse_args()
    course = load_course()
    names = [a.name for a in course.assignments_of(1) if not a.peer_reviewed]
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        # the platform's settings (DECODER_CONFIG, environment), with a data folder of its own;
        # the workers get every value from them, as under the service
        settings = PlatformSettings.load()
        settings.data_dir = str(tmp / "data")
        settings.grading_workers = args.workers
        work = submissions_for(names, args.submissions, settings.course_storage / "templates")
        print(f"{len(work)} submissions over {', '.join(names)}; "
              f"{settings.worker_count} worker(s) for ours", flush=True)
        ours_seconds, ours = run_ours(settings, work, settings.worker_count)
        print(f"ours:  {ours_seconds:.1f} s", flush=True)
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
    print(json.dumps({
        "submissions": n,
        "ours_per_minute": round(ours_rate, 1), "stock_per_minute": round(stock_rate, 1),
        "throughput_ratio": round(ours_rate / stock_rate, 2),
        "cell_timeouts": {"ours": settings.cell_timeout, "stock": STOCK_CELL_TIMEOUT},
        "throughput_ratio_same_cell_timeout": round(same_seconds / ours_seconds, 2),
        "ours_seconds_per_submission": round(ours_seconds / n, 2),
        "stock_seconds_per_submission": round(stock_seconds / n, 2),
        "one_submission_feedback_seconds": round(ours["feedback_seconds"], 2),
        "non_hostile_disagreements": disagree,
    }, indent=2))
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
