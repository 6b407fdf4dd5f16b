"""Grade one submitted notebook exactly as the platform does: nbgrader's autograde pipeline
(test cells and points restored from the master by checksum, hidden tests added, executed,
scored), with the learner's cells in a grading sandbox (graders/sandbox.py) and the test cells
judged in this process, outside the learner's kernel (graders/execute.py, graders/trusted.py).

``prepare_assignment`` runs ``nbgrader generate_assignment`` once per version of a master and
keeps the resulting gradebook as a template; ``grade`` copies that template into a throwaway
folder, adds the submission, runs nbgrader's Autograde there, and reads the result back as a
:class:`GradeReport` (plain data): scores from the gradebook, and what each test cell did from
the trusted side's own record (never from the graded notebook, which the learner's cells wrote
into). Messages are kept as keys of the catalogue (decoder/messages); a hidden test's failure is
marked ``secret``: learners read only a generic message until its release.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from decoder.messages import message, render

from .sandbox import docker_client_env, remove_job_sandboxes
from .structure import repaired
from .trusted import split_hidden

STUDENT = "learner"

GRADER_CONFIG = '''\
from graders.execute import LocalSplitExecute
from graders.sandbox import SandboxExecute
from nbgrader.preprocessors import (IgnorePattern, LimitOutput, SaveAutoGrades,
                                    AssignLatePenalties, CheckCellMetadata)
from nbconvert.preprocessors import ClearMetadataPreprocessor

c = get_config()  # noqa: F821
load_subconfig("course_config.py")  # noqa: F821
c.Autograde.autograde_preprocessors = [{executor}, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
c.OverwriteCells.add_missing_cells = True  # a test cell deleted is put back, and judged
c.{executor}.timeout = {cell_timeout}
c.{executor}.error_on_timeout = {error_on_timeout!r}
c.{executor}.kernel_folder = {kernel_folder!r}
c.{executor}.outcomes_file = {outcomes_file!r}
c.{executor}.language = {language!r}
c.SandboxKernelManager.image = {image!r}
c.SandboxKernelManager.job = {job!r}
c.SandboxKernelManager.max_lifetime = {max_lifetime}
c.SandboxKernelManager.sandboxes_ahead = {sandboxes_ahead}
'''


def grader_config(*, executor: str = "SandboxExecute", cell_timeout: int = 10,
                  language: str = "fr", kernel_folder: str = "", outcomes_file: str = "",
                  image: str = "decoder/grader:latest", job: str = "", max_lifetime: int = 600,
                  sandboxes_ahead: int = 0) -> str:
    """nbgrader_config.py of a grading job (pure): the course's config, then our pipeline.
    ``executor`` is SandboxExecute for submissions, LocalSplitExecute for the course's own
    (trusted) notebooks in the content tests."""
    return GRADER_CONFIG.format(
        executor=executor, cell_timeout=cell_timeout, language=language,
        error_on_timeout=timeout_error(cell_timeout, language), kernel_folder=kernel_folder,
        outcomes_file=outcomes_file, image=image, job=job, max_lifetime=max_lifetime,
        sandboxes_ahead=sandboxes_ahead)


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    hidden_tests: int
    message: dict | None = None  # the failure, a message of the catalogue; None when passed
    secret: bool = False  # failed in its hidden part: learners read a generic message until release
    detail: str = ""  # the failure in full: instructors, and learners after the release
    hidden_source: str = ""  # the hidden tests' code: only after their release


@dataclass
class GradeReport:
    assignment: str
    score: float
    max_score: float
    tests: list[TestResult] = field(default_factory=list)
    error: dict | None = None  # what went wrong with grading itself (never the learner's fault)
    interrupted_cells: list[str] = field(default_factory=list)  # stopped at the time limit
    cell_timeout: int = 0  # that limit, in seconds
    repairs: list[dict] = field(default_factory=list)  # cells put right before grading (messages)

    @property
    def hidden_tests(self) -> int:
        return sum(t.hidden_tests for t in self.tests)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "hidden_tests": self.hidden_tests},
                          ensure_ascii=False, indent=2)


class JobTimedOut(Exception):
    """The grading job ran past its time limit."""


def autograde_in_process(job: Path, name: str, *, timeout: float, label: str) -> None:
    """nbgrader's Autograde on ``job``, in this process. At the job timeout the job's
    sandboxes are removed: the kernel dies, the cells left fail, and the grading ends."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(job)).load_config()
    config.CourseDirectory.root = str(job)
    config.CourseDirectory.assignment_id = name
    autograde = Autograde(coursedir=CourseDirectory(config=config), config=config)
    autograde.force = True
    autograde.create_student = True
    fired = threading.Event()

    def stop_the_job() -> None:
        fired.set()
        remove_job_sandboxes(label)

    watchdog = threading.Timer(timeout, stop_the_job)
    watchdog.daemon = True
    watchdog.start()
    try:
        with warnings.catch_warnings():
            # nbgrader 0.9 with SQLAlchemy 2 warns on every submission it adds (rows are written)
            warnings.filterwarnings("ignore", message=".*not in session.*")
            autograde.start()
    finally:
        watchdog.cancel()
    if fired.is_set():
        raise JobTimedOut(timeout)


def nbgrader_env() -> dict[str, str]:
    here = Path(__file__).resolve().parent.parent
    return {**docker_client_env(),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONPATH": str(here), "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8"}


def run_nbgrader(root: Path, *args: str, timeout: float,
                 env: dict[str, str] | None = None) -> None:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root,
                            env=env or nbgrader_env(), capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{result.stderr[-2000:]}")


def master_hash(master_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in master_dir.rglob("*") if p.is_file()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_assignment(master_dir: Path, course_config: Path, cache: Path) -> Path:
    """A course folder holding the generated assignment and its gradebook, once per master."""
    name = master_dir.name
    cache.mkdir(parents=True, exist_ok=True)
    template = cache / f"{name}-{master_hash(master_dir)}"
    if (template / "gradebook.db").exists():
        return template
    building = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=cache))
    shutil.copytree(master_dir, building / "source" / name)
    shutil.copy(course_config, building / "nbgrader_config.py")
    run_nbgrader(building, "generate_assignment", name, "--force", timeout=300)
    shutil.copy(course_config, building / "course_config.py")
    try:
        building.rename(template)
    except OSError:  # another worker prepared it first
        shutil.rmtree(building, ignore_errors=True)
    return template


def grade(submission: Path, master_dir: Path, course_config: Path, *, cache: Path,
          image: str = "decoder/grader:latest", cell_timeout: int = 10,
          job_timeout: int = 300, label: str = "", language: str = "fr",
          graded_copy: Path | None = None, sandboxes_ahead: int = 0) -> GradeReport:
    """Grade ``submission`` against the master in ``master_dir``: its cells in the sandbox,
    the master's tests in this process.

    ``label`` names the job's sandboxes (to remove them if the job is stopped from outside);
    ``graded_copy``, when given, receives the graded notebook (hidden tests included: keep it
    on the service's side). nbgrader runs in this process: a long-lived worker imports it
    once, not once per submission (about 3 s saved per job). ``sandboxes_ahead`` (workers)
    keeps that many sandboxes started ahead for the next jobs (graders/warm.py)."""
    cache.mkdir(parents=True, exist_ok=True)
    name = master_dir.name
    notebook_name = f"{name}.ipynb"
    template = prepare_assignment(master_dir, course_config, cache)
    max_score = max_score_of(master_dir / notebook_name)
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as tmp:
        job = Path(tmp)
        shutil.copy(template / "gradebook.db", job / "gradebook.db")
        shutil.copytree(template / "source", job / "source")
        shutil.copy(template / "course_config.py", job / "course_config.py")
        job_id = label or job.name.rsplit("-", 1)[-1]
        folder = job / "submitted" / STUDENT / name  # the learner's own files, and the data
        outcomes = job / "outcomes.json"
        (job / "nbgrader_config.py").write_text(grader_config(
            cell_timeout=cell_timeout, language=language, kernel_folder=str(folder),
            outcomes_file=str(outcomes), image=image, job=job_id,
            max_lifetime=job_timeout + 60, sandboxes_ahead=sandboxes_ahead))
        shutil.copytree(master_dir, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.toml"))
        try:
            notebook = nbformat.read(submission, 4)
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same answer
            return GradeReport(name, 0.0, max_score, error=message(
                "grader.unreadable", error=str(error)[:300]))
        master = nbformat.read(master_dir / notebook_name, 4)
        notebook, repairs = repaired(notebook, master)  # else nbgrader fails on every try
        nbformat.write(notebook, folder / notebook_name)
        try:
            autograde_in_process(job, name, timeout=job_timeout, label=job_id)
        except JobTimedOut:  # its sandboxes were removed when the time ran out
            return GradeReport(name, 0.0, max_score,
                               error=message("grader.job_timeout", seconds=job_timeout))
        graded_path = job / "autograded" / STUDENT / name / notebook_name
        if graded_copy is not None:
            graded_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(graded_path, graded_copy)
        graded = report(name, job / "gradebook.db", master,
                        json.loads(outcomes.read_text(encoding="utf-8")))
        graded.repairs = [repair.as_message() for repair in repairs]
        return graded


def timeout_error(cell_timeout: int, language: str = "fr") -> dict:
    """The error a cell stopped at the time limit shows in the graded notebook."""
    return {"ename": "CellTimeoutError", "traceback": [], "evalue": render(
        message("grader.stopped_at_limit", seconds=cell_timeout), language)}


def max_score_of(master_path: Path) -> float:
    master = nbformat.read(master_path, 4)
    return float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in master.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


def report(name: str, gradebook: Path, master, outcomes: dict) -> GradeReport:
    """Scores from the gradebook; what each test cell did from the trusted side's record."""
    tests_code = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
                  if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                  and not c.metadata["nbgrader"].get("solution")}
    done = outcomes.get("tests", {})
    with Gradebook(f"sqlite:///{gradebook}") as gb:
        submission = gb.find_submission(name, STUDENT)
        tests = []
        for notebook in submission.notebooks:
            for row in notebook.grades:
                if row.name not in tests_code:
                    continue
                outcome = done.get(row.name) or {
                    "failed": "visible", "message": message("grader.test_missing")}
                hidden = split_hidden(tests_code[row.name])[1]
                tests.append(TestResult(
                    grade_id=row.name, points=float(row.score or 0),
                    max_points=float(row.max_score),
                    hidden_tests=sum(1 for line in hidden.splitlines() if line.strip()),
                    message=outcome.get("message"),
                    secret=outcome.get("failed") == "hidden"
                    and not outcome.get("said_by_grader"),
                    detail=outcome.get("detail", ""),
                    hidden_source="\n".join(ln for ln in hidden.splitlines() if ln.strip()),
                ))
        return GradeReport(name, float(submission.score), float(submission.max_score), tests,
                           interrupted_cells=outcomes.get("interrupted_cells", []),
                           cell_timeout=int(outcomes.get("cell_timeout") or 0))
