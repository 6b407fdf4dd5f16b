"""Grade one submitted notebook exactly as the platform does: nbgrader's autograde pipeline
(test cells and points restored from the master by checksum, hidden tests added, executed,
scored) with the kernel in a grading sandbox (graders/sandbox.py).

``prepare_assignment`` runs ``nbgrader generate_assignment`` once per version of a master and
keeps the resulting gradebook as a template; ``grade`` copies that template into a throwaway
folder, adds the submission, runs ``nbgrader autograde`` there, and reads the result back as a
:class:`GradeReport` (plain data). The learner-facing report never contains hidden tests'
text: only how many there are, and whether the cells holding them passed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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

from .sandbox import (
    KERNEL_DIED_OUTPUT,
    KERNEL_STUCK_OUTPUT,
    docker_client_env,
    remove_job_sandboxes,
)

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILING_LINE = re.compile(r"^-+>\s*\d+\s?")  # IPython marks the line that raised: "----> 6 ..."
STUDENT = "learner"
TIMED_OUT = "CellTimeoutError"  # nbgrader's name for a cell interrupted at the time limit
TIMEOUT_WORDS = ("Cette cellule a duré plus de {} s : elle a été interrompue. Une boucle sans "
                 "fin ? Vérifiez qu'elle s'arrête.")
TIMEOUT_TEXT = re.compile(re.escape(TIMEOUT_WORDS).replace(r"\{\}", r"\d+"))
NOT_ANSWERED = ("Cette réponse n'est pas encore écrite : remplacez « raise NotImplementedError() "
                "» par votre code, exécutez la cellule, puis soumettez à nouveau.")

GRADER_CONFIG = '''\
from graders.sandbox import SandboxExecute
from nbgrader.preprocessors import (IgnorePattern, LimitOutput, SaveAutoGrades,
                                    AssignLatePenalties, CheckCellMetadata)
from nbconvert.preprocessors import ClearMetadataPreprocessor

c = get_config()  # noqa: F821
load_subconfig("course_config.py")  # noqa: F821
c.Autograde.autograde_preprocessors = [SandboxExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
c.SandboxExecute.timeout = {cell_timeout}
c.SandboxExecute.error_on_timeout = {error_on_timeout!r}
c.SandboxKernelManager.image = {image!r}
c.SandboxKernelManager.job = {job!r}
c.SandboxKernelManager.max_lifetime = {max_lifetime}
c.SandboxKernelManager.sandboxes_ahead = {sandboxes_ahead}
'''


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    hidden_tests: int
    message: str = ""  # the failure, in the learner's words; empty when passed or hidden
    detail: str = ""  # the failure in full, hidden tests included: only after their release
    hidden_source: str = ""  # the hidden tests' code: only after their release


@dataclass
class GradeReport:
    assignment: str
    score: float
    max_score: float
    tests: list[TestResult] = field(default_factory=list)
    error: str = ""  # what went wrong with grading itself (never the learner's fault)
    interrupted_cells: list[str] = field(default_factory=list)  # stopped at the time limit
    cell_timeout: int = 0  # that limit, in seconds

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


def run_nbgrader(root: Path, *args: str, timeout: float) -> None:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root,
                            env=nbgrader_env(), capture_output=True, text=True, timeout=timeout)
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
          job_timeout: int = 300, label: str = "",
          graded_copy: Path | None = None, sandboxes_ahead: int = 0) -> GradeReport:
    """Grade ``submission`` against the master in ``master_dir``, in the sandbox.

    ``label`` names the job's sandboxes (to remove them if the job is stopped from outside);
    ``graded_copy``, when given, receives the graded notebook (hidden tests included: keep it
    on the service's side). nbgrader runs in this process: a long-lived worker imports it
    once, not once per submission (about 3 s saved per job). ``sandboxes_ahead`` (workers)
    keeps that many sandboxes started ahead for the next jobs (graders/warm.py)."""
    cache.mkdir(parents=True, exist_ok=True)
    name = master_dir.name
    notebook_name = f"{name}.ipynb"
    template = prepare_assignment(master_dir, course_config, cache)
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as tmp:
        job = Path(tmp)
        shutil.copy(template / "gradebook.db", job / "gradebook.db")
        shutil.copytree(template / "source", job / "source")
        shutil.copy(template / "course_config.py", job / "course_config.py")
        job_id = label or job.name.rsplit("-", 1)[-1]
        (job / "nbgrader_config.py").write_text(
            GRADER_CONFIG.format(cell_timeout=cell_timeout, image=image, job=job_id,
                                 error_on_timeout=timeout_error(cell_timeout),
                                 max_lifetime=job_timeout + 60, sandboxes_ahead=sandboxes_ahead))
        folder = job / "submitted" / STUDENT / name
        shutil.copytree(master_dir, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.toml"))
        try:
            notebook = nbformat.read(submission, 4)
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same answer
            return GradeReport(name, 0.0, max_score_of(master_dir / notebook_name),
                               error=f"notebook illisible : {error}")
        nbformat.write(notebook, folder / notebook_name)
        try:
            autograde_in_process(job, name, timeout=job_timeout, label=job_id)
        except JobTimedOut:  # its sandboxes were removed when the time ran out
            return GradeReport(name, 0.0, max_score_of(master_dir / notebook_name),
                               error=f"temps dépassé : la correction a duré plus de "
                               f"{job_timeout} s")
        graded_path = job / "autograded" / STUDENT / name / notebook_name
        graded = nbformat.read(graded_path, 4)
        if graded_copy is not None:
            graded_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(graded_path, graded_copy)
        result = report(name, job / "gradebook.db",
                        nbformat.read(master_dir / notebook_name, 4), graded)
        result.interrupted_cells = interrupted_cells(graded)
        result.cell_timeout = cell_timeout
        return result


def timeout_error(cell_timeout: int) -> dict:
    """The error a cell stopped at the time limit shows, in the learner's words."""
    return {"ename": TIMED_OUT, "traceback": [], "evalue": TIMEOUT_WORDS.format(cell_timeout)}


def interrupted_cells(graded) -> list[str]:
    """The cells stopped at the time limit: their nbgrader name, else « #n » (n-th cell). A
    kernel that could not be interrupted fails every cell after it: only the first counts."""
    found = []
    for number, cell in enumerate(graded.cells, start=1):
        stopped = [e for e in errors_in(cell.get("outputs", [])) if stopped_at_the_limit(e)]
        if stopped:
            found.append(cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{number}")
        if any(e["evalue"] == KERNEL_STUCK_OUTPUT.evalue for e in stopped):
            break
    return found


def errors_in(outputs: list) -> list:
    return [o for o in outputs if o.get("output_type") == "error"]


def max_score_of(master_path: Path) -> float:
    master = nbformat.read(master_path, 4)
    return float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in master.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


def report(name: str, gradebook: Path, master, graded) -> GradeReport:
    """Scores from the gradebook, messages from the graded notebook, hidden tests kept hidden."""
    hidden = {c.metadata["nbgrader"]["grade_id"]: HIDDEN.findall(c.source)
              for c in master.cells if c.metadata.get("nbgrader", {}).get("grade")}
    outputs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("outputs", [])
               for c in graded.cells}
    with Gradebook(f"sqlite:///{gradebook}") as gb:
        submission = gb.find_submission(name, STUDENT)
        tests = []
        for notebook in submission.notebooks:
            for grade_row in notebook.grades:
                if grade_row.cell_type != "code" or grade_row.name not in hidden:
                    continue
                blocks = hidden[grade_row.name]
                count = sum(len([ln for ln in b.splitlines() if ln.strip()]) for b in blocks)
                tests.append(TestResult(
                    grade_id=grade_row.name, points=float(grade_row.score or 0),
                    max_points=float(grade_row.max_score),
                    hidden_tests=count,
                    message=failure_message(outputs.get(grade_row.name, []), blocks),
                    detail=failure_detail(outputs.get(grade_row.name, [])),
                    hidden_source="".join(blocks).strip(),
                ))
        return GradeReport(name, float(submission.score), float(submission.max_score), tests)


def failure_detail(outputs: list) -> str:
    """The whole error of a test cell, for instructors and for learners after release."""
    errors = errors_in(outputs)
    if not errors:
        return ""
    return ANSI.sub("", "\n".join(errors[-1].get("traceback", []))
                    or f"{errors[-1].get('ename')}: {errors[-1].get('evalue')}")[-4000:]


def said_by_the_grader(error: dict) -> bool:
    """An error the grader wrote (dead kernel, stuck kernel, cell stopped at the limit), shown
    as it is. Known by its exact words, not its name: the code graded can raise an exception
    of any name, or publish any message on its kernel, with a hidden test's text in it."""
    return error.get("evalue") == KERNEL_DIED_OUTPUT.evalue or stopped_at_the_limit(error)


def stopped_at_the_limit(error: dict) -> bool:
    """The grader's words for a cell interrupted at the time limit, or left stuck past it."""
    text = error.get("evalue", "")
    return text == KERNEL_STUCK_OUTPUT.evalue or TIMEOUT_TEXT.fullmatch(text) is not None


def failure_message(outputs: list, hidden_blocks: list[str]) -> str:
    """The error a learner may read: kept only if it says nothing of the hidden tests."""
    errors = errors_in(outputs)
    if not errors:
        return ""
    error = errors[-1]
    if said_by_the_grader(error):
        return error["evalue"]
    if error.get("ename") == "NotImplementedError":  # the stub nbgrader leaves in the answer
        return NOT_ANSWERED
    text = ANSI.sub("", "\n".join(error.get("traceback", [])))
    hidden_lines = {ln.strip() for b in hidden_blocks for ln in b.splitlines() if ln.strip()}
    failing = [FAILING_LINE.sub("", ln).strip() for ln in text.splitlines()
               if FAILING_LINE.match(ln)]
    if any(line in hidden_lines for line in failing) or (hidden_lines and not failing):
        return "Un test caché n'est pas passé : vérifiez les cas particuliers."
    return f"{error.get('ename', 'Erreur')}: {error.get('evalue', '')}".strip()
