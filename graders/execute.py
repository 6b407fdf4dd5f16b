"""nbgrader's Execute, with test cells judged outside the learner's kernel.

``SplitExecute`` takes nbgrader's place in the autograde pipeline (graders/runner.py). It sends
each learner cell to the learner's kernel, as nbgrader does, and runs each test cell in this
process (graders/trusted.py): the test code is the master's, read from nbgrader's gradebook by
the cell's grade id, never the submitted notebook's text, and the learner's kernel only ever
gets questions (call this function with these arguments) whose answers are plain data.

Order: the notebook's cells run top to bottom with the *visible* part of each test cell; then
the *hidden* part of each test cell runs, in order, once the learner's code has run everything
else. The learner's kernel thus sees no argument of a hidden test until every message a learner
may read before release has been written.

The graded notebook gets what nbgrader expects: each test cell's output, and an error output
when it failed (so SaveAutoGrades scores it 0). What each test cell did is also written, as
messages of the catalogue, to ``outcomes_file`` for the grading report; nothing of it is read
back from the notebook, where the learner's own cells may have written anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import time

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from decoder.messages import message, render

from .kernel_side import MIME
from .trusted import (
    Conversation,
    KernelStopped,
    PartResult,
    hidden_line_count,
    remaining_seconds,
    run_part,
    split_hidden,
)

MAX_ANSWER = 10_000_000  # characters of one answer from the kernel: beyond, it is not read
ASK = "__import__('graders.kernel_side', fromlist=['answer']).answer(globals(), {request!r})"


TESTS_QUERY = """
SELECT cell.name, source.source
FROM base_cell cell JOIN grade_cells grade ON grade.id = cell.id
JOIN notebook ON notebook.id = cell.notebook_id
JOIN assignment ON assignment.id = notebook.assignment_id
JOIN source_cell source ON source.notebook_id = notebook.id AND source.name = cell.name
WHERE assignment.name = ? AND notebook.name = ? AND grade.cell_type = 'code'
AND cell.name NOT IN (SELECT answer.name FROM base_cell answer
                      JOIN solution_cells ON solution_cells.id = answer.id
                      WHERE answer.notebook_id = notebook.id)
"""


def trusted_tests(resources: dict) -> dict[str, str]:
    """The master's code of each test cell of the notebook being graded, by grade id: code
    cells that carry points and are not an answer, from nbgrader's gradebook (written from the
    master by generate_assignment; read with sqlite, nbgrader's ORM costs 8 ms a job).
    Never empty silently: a notebook the gradebook does not know is an error, not a notebook
    whose tests would then run in the learner's kernel."""
    info = (resources or {}).get("nbgrader")
    if not info or not str(info.get("db_url", "")).startswith("sqlite:///"):
        raise ValueError("SplitExecute grades within nbgrader's Autograde (an SQLite gradebook)")
    path = info["db_url"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as gradebook:
        known = gradebook.execute(
            "SELECT count(*) FROM notebook JOIN assignment ON assignment.id = "
            "notebook.assignment_id WHERE assignment.name = ? AND notebook.name = ?",
            (info["assignment"], info["notebook"])).fetchone()[0]
        if not known:
            raise ValueError(f"notebook {info['notebook']!r} of {info['assignment']!r} is not "
                             "in the gradebook")
        return dict(gradebook.execute(TESTS_QUERY, (info["assignment"], info["notebook"])))


class SplitExecute(Execute):
    """nbgrader's Execute: learner cells in the learner's kernel, test cells in this process.

    Overrides ``preprocess`` (the loop over cells, as nbconvert's, with test cells taken out
    and their hidden parts run last), ``_get_timeout`` (a question to the kernel gets what is
    left of its test cell's time) and ``_async_handle_timeout`` (to know, from this side, that
    a cell ran out of time)."""

    max_output_chars = Integer(
        200_000, help="Most characters of output kept per cell while executing; the rest is "
        "dropped, not stored in the graded notebook. Example: 200000.",
    ).tag(config=True)

    kernel_folder = Unicode(
        "", help="Folder whose files the learner's kernel works with (the submission's own "
        "files and the exercise's data). Default: the graded notebook's folder. Example: "
        "'/tmp/job/submitted/learner/s1-bonjour'.",
    ).tag(config=True)

    outcomes_file = Unicode(
        "", help="Where to write what each test cell did (JSON: its failure as a message of "
        "the catalogue, in the visible or the hidden part) for the grading report. Empty: not "
        "written. Example: '/tmp/job/outcomes.json'.",
    ).tag(config=True)

    language = Unicode(
        "fr", help="Language of the messages written into the graded notebook (the report "
        "keeps message keys). Example: 'en'.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("shutdown_kernel", "immediate")  # a throwaway kernel: just remove it
        super().__init__(*args, **kwargs)
        self._output_budget: dict[int, int] = {}
        self._question_timeout: int | None = None
        self._ran_out_of_time = False

    # ---- the loop over cells ----

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._output_budget = {}
        self._stopped: KernelStopped | None = None
        self.outcomes: dict[str, dict] = {}
        self.interrupted: list[str] = []
        tests = trusted_tests(resources)
        cwd = self.kernel_folder or (resources or {}).get("metadata", {}).get("path")
        with self.setup_kernel(**({"cwd": cwd} if cwd else {})):
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            conversation = Conversation(self._ask)
            namespace: dict = {}
            hidden_parts = []
            for index, cell in enumerate(self.nb.cells):
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if cell.cell_type == "code" and grade_id in tests and grade_id not in \
                        self.outcomes:
                    hidden = self._visible_part(index, cell, grade_id, tests[grade_id],
                                                namespace, conversation)
                    if hidden is not None:
                        hidden_parts.append(hidden)
                else:
                    self._learner_cell(index, cell)
            for index, cell, grade_id, code, snapshot in hidden_parts:
                self._hidden_part(index, cell, grade_id, code, snapshot, conversation)
        self.set_widgets_metadata()
        self._write_outcomes()
        return self.nb, self.resources

    def _learner_cell(self, index: int, cell) -> None:
        """A cell of the learner's, in their kernel. A kernel that died (os._exit, out of
        memory) or stays stuck past the time limit fails every cell from there on, and the
        grading goes on: the learner gets the score of what ran."""
        if self._stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = [self._error_output("KernelStopped", self._stopped.message())]
            return
        self._ran_out_of_time = False
        try:
            self.preprocess_cell(cell, self.resources, index)
        except (DeadKernelError, CellTimeoutError) as error:
            stopped = self._stop(error)
            cell.outputs.append(self._error_output("KernelStopped", stopped.message()))
        if self._ran_out_of_time:  # interrupted at the limit (or stuck past it)
            self._note_interrupted(cell, index)

    def _note_interrupted(self, cell, index: int) -> None:
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index + 1}"
        if name not in self.interrupted:
            self.interrupted.append(name)

    def _visible_part(self, index, cell, grade_id, source, namespace, conversation):
        visible, hidden = split_hidden(source)
        outcome = {"failed": None, "message": None, "detail": "",
                   "hidden_tests": hidden_line_count(source)}
        self.outcomes[grade_id] = outcome
        cell.outputs = []
        result = self._run(index, cell, grade_id, visible, namespace, conversation)
        self._record(cell, outcome, result, "visible")
        if result.passed and outcome["hidden_tests"]:
            return index, cell, grade_id, hidden, dict(namespace)
        return None

    def _hidden_part(self, index, cell, grade_id, code, namespace, conversation):
        result = self._run(index, cell, grade_id, code, namespace, conversation)
        self._record(cell, self.outcomes[grade_id], result, "hidden")

    def _run(self, index, cell, grade_id, code, namespace, conversation) -> PartResult:
        if self._stopped is not None:
            return PartResult(failure=self._stopped.message(), error_name="KernelStopped")
        self._question = {"index": index, "deadline": time.monotonic() + (self.timeout or 1e9),
                          "cell": cell}
        result = run_part(code, grade_id, namespace, conversation)
        if result.stopped is not None and result.stopped.key == "grader.stopped_at_limit":
            self._note_interrupted(cell, index)
        return result

    def _record(self, cell, outcome: dict, result: PartResult, part: str) -> None:
        if result.printed:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                       text=result.printed))
        if result.passed:
            return
        outcome.update(failed=part, message=result.failure, detail=result.detail,
                       said_by_grader=result.stopped is not None
                       and result.stopped.key != "grader.stopped_at_limit")
        cell.outputs.append(self._error_output(result.error_name, result.failure,
                                               result.detail))

    def _error_output(self, name: str, failure: dict, detail: str = "") -> NotebookNode:
        text = render(failure, self.language)
        return nbformat.v4.new_output("error", ename=name, evalue=text,
                                      traceback=[detail or f"{name}: {text}"])

    # ---- questions to the learner's kernel ----

    def _ask(self, request: dict) -> object:
        """Send one question to the learner's kernel; its answer, as JSON data (None when it
        gave none: its code changed how the kernel runs). Raises KernelStopped when the kernel
        died, is stuck, or the test's time is over."""
        if self._stopped is not None:
            raise self._stopped
        question = self._question
        left = question["deadline"] - time.monotonic()
        if left <= 0:
            raise KernelStopped("grader.stopped_at_limit", seconds=self.timeout)
        probe = nbformat.v4.new_code_cell(ASK.format(request=json.dumps(request)))
        self._question_timeout = remaining_seconds(question["deadline"], time.monotonic())
        self._ran_out_of_time = False
        cell = self.nb.cells[question["index"]]
        try:
            self.execute_cell(probe, question["index"], store_history=False)
        except (DeadKernelError, CellTimeoutError) as error:
            raise self._stop(error) from None
        finally:
            self._question_timeout = None
            self.nb.cells[question["index"]] = cell  # nbclient puts the cell it ran there
        if self._ran_out_of_time:
            raise KernelStopped("grader.stopped_at_limit", seconds=self.timeout)
        answers = [output.get("data", {}).get(MIME) for output in probe.outputs
                   if output.get("output_type") == "display_data"]
        answers = [a for a in answers if isinstance(a, str)]
        if not answers or len(answers[-1]) > MAX_ANSWER:
            return None
        try:
            return json.loads(answers[-1])
        except (ValueError, RecursionError):
            return None

    def _stop(self, error: Exception) -> KernelStopped:
        died = isinstance(error, DeadKernelError)
        self._stopped = KernelStopped("grader.kernel_died" if died else "grader.kernel_stuck")
        return self._stopped

    def _get_timeout(self, cell):
        if self._question_timeout is not None:
            return self._question_timeout
        return super()._get_timeout(cell)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._ran_out_of_time = True
        return await super()._async_handle_timeout(timeout, cell)

    # ---- output ----

    def output(self, outs, msg, display_id, cell_index):
        used = self._output_budget.get(cell_index, 0)
        size = len(str(msg.get("content", "")))
        self._output_budget[cell_index] = used + size
        if used + size > self.max_output_chars:
            if used <= self.max_output_chars:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text="\n" + render(message("grader.output_cut"), self.language) + "\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _write_outcomes(self) -> None:
        if not self.outcomes_file:
            return
        stopped = self._stopped.key if self._stopped is not None else None
        with open(self.outcomes_file, "w", encoding="utf-8") as file:
            json.dump({"tests": self.outcomes, "interrupted_cells": self.interrupted,
                       "stopped": stopped, "cell_timeout": self.timeout}, file,
                      ensure_ascii=False)


class LocalSocketKernelManager(AsyncKernelManager):
    """A kernel on this machine that talks over Unix sockets in a private folder. With TCP,
    jupyter_client picks free ports, closes them, and the kernel binds them later: two
    nbgrader processes starting kernels at once can pick the same port, and the kernel then
    dies before answering (jupyter_client #487; it failed CI once). The grading sandbox
    talks over Unix sockets for the same reason."""

    socket_folder: str = ""

    async def _async_pre_start_kernel(self, **kw):
        self.socket_folder = tempfile.mkdtemp(prefix="decoder-kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self.socket_folder, "kernel")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if self.socket_folder and not restart:
            shutil.rmtree(self.socket_folder, ignore_errors=True)


class LocalSplitExecute(SplitExecute):
    """SplitExecute with a kernel on this machine: for the course's own content, which is
    trusted (tests/course). Learners' submissions are graded with SandboxExecute."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LocalSocketKernelManager)
        super().__init__(*args, **kwargs)
