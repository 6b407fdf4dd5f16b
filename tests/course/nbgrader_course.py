"""A throwaway nbgrader course directory for one assignment: generate, submit, autograde.

Runs the real nbgrader command line in subprocesses (its own environment, no global state
swapped here), with the platform's grading pipeline: test cells judged in the grading process,
through the same channel as a learner's submission (graders/execute.py), so that every check
and likely-mistake message is tried the way it runs for learners. Course content is ours and
trusted, so its cells run in a kernel on this machine (LocalSplitExecute); learners'
submissions run in the sandbox instead.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from decoder.settings import PROJECT_ROOT
from graders.runner import grader_config, nbgrader_env, run_nbgrader

SOURCE = PROJECT_ROOT / "course" / "source"


def kernel_env() -> dict[str, str]:
    """nbgrader's environment, with the learning widgets on the path (/opt/decoder in the lab
    and grader images, as images/lab/Dockerfile puts them)."""
    env = nbgrader_env()
    env["PYTHONPATH"] += os.pathsep + str(PROJECT_ROOT / "images" / "lab")
    return env


@dataclass
class Mistake:
    description: str
    cell: str
    code: str
    message: str


def mistakes_of(assignment: str) -> list[Mistake]:
    path = SOURCE / assignment / "erreurs.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Mistake(m["description"], m["cellule"], m["code"], m["message"])
            for m in data.get("erreur", [])]


@dataclass
class Levels:
    """niveaux.toml: the guided level's blanks, in order, and the extension's solution."""
    blanks: list[str]
    extension_solution: str


def levels_of(assignment: str) -> Levels:
    data = tomllib.loads((SOURCE / assignment / "niveaux.toml").read_text(encoding="utf-8"))
    return Levels(list(data["guide"]["trous"]), data["extension"]["solution"])


BLANK = "___"


def tagged(notebook: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cells = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"no single cell tagged {tag!r} in the notebook")
    return cells[0]


def skeleton_of(notebook: nbformat.NotebookNode) -> str:
    """The code the guided level (the cell tagged niveau-guide) gives to copy."""
    source = tagged(notebook, "niveau-guide").source
    return source.split("```python\n", 1)[1].split("\n```", 1)[0]


def filled(skeleton: str, blanks: list[str]) -> str:
    if skeleton.count(BLANK) != len(blanks):
        raise ValueError(f"{skeleton.count(BLANK)} blanks in the skeleton, {len(blanks)} given")
    for blank in blanks:
        skeleton = skeleton.replace(BLANK, blank, 1)
    return skeleton


def with_cell_replaced(notebook: nbformat.NotebookNode, grade_id: str, source: str):
    copy = nbformat.from_dict(notebook)
    cells = [c for c in copy.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    if len(cells) != 1:
        raise ValueError(f"no single cell {grade_id!r} in the notebook")
    cells[0].source = source
    return copy


class CourseDir:
    def __init__(self, root: Path, assignment: str):
        self.root, self.assignment = root, assignment
        shutil.copytree(SOURCE / assignment, root / "source" / assignment)
        shutil.copy(PROJECT_ROOT / "course" / "nbgrader_config.py", root / "course_config.py")
        (root / "nbgrader_config.py").write_text(
            grader_config(executor="LocalSplitExecute", cell_timeout=30))

    def nbgrader(self, *args: str) -> None:
        run_nbgrader(self.root, *args, timeout=600, env=kernel_env())

    @property
    def notebook_name(self) -> str:
        return f"{self.assignment}.ipynb"

    def generate(self) -> nbformat.NotebookNode:
        self.nbgrader("generate_assignment", self.assignment, "--force")
        return nbformat.read(self.root / "release" / self.assignment / self.notebook_name, 4)

    def submit(self, student: str, notebook: nbformat.NotebookNode) -> None:
        folder = self.root / "submitted" / student / self.assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / self.notebook_name)

    def autograde(self) -> None:
        self.nbgrader("autograde", self.assignment, "--create", "--force")

    def score(self, student: str) -> tuple[float, float]:
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(self.assignment, student)
            return submission.score, submission.max_score

    def graded(self, student: str) -> nbformat.NotebookNode:
        path = self.root / "autograded" / student / self.assignment / self.notebook_name
        return nbformat.read(path, 4)


def error_texts(notebook: nbformat.NotebookNode) -> str:
    """Everything the graded test cells said when they failed."""
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                texts.append(output.get("evalue", ""))
                texts.extend(output.get("traceback", []))
    return "\n".join(texts)
