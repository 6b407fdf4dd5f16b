"""Hostile submissions, each graded in the sandbox exactly as a learner's would be (the path
of `decoder grade` and of the service's workers).

Every case is contained, scores what it deserves and leaves the host and the course untouched.
docs/security.md lists the defence behind each case and records that the case failed once with
that defence removed. No traffic leaves this machine: the network case aims at a server this
test runs on the Docker bridge's host address.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys

import docker
import nbformat
import pytest

from decoder.messages import render
from decoder.service.feedback import feedback_html, learner_view
from decoder.settings import PROJECT_ROOT, gateway_of
from graders.runner import grade, prepare_assignment
from graders.sandbox import sandbox_run_args
from tests import hostile

pytestmark = pytest.mark.docker

NAME = "s1-calculs"  # prix_total(prix_unitaire, quantite), 3 points
MASTER = PROJECT_ROOT / "course" / "source" / NAME
CONFIG = PROJECT_ROOT / "course" / "nbgrader_config.py"
GOOD = "def prix_total(prix_unitaire, quantite):\n    return prix_unitaire * quantite\n"
WRONG = "def prix_total(prix_unitaire, quantite):\n    return prix_unitaire + quantite\n"


@pytest.fixture(scope="module")
def student_version(tmp_path_factory):
    from tests.course.nbgrader_course import CourseDir

    return CourseDir(tmp_path_factory.mktemp("release"), NAME).generate()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("grading-cache")


def submission(student_version, tmp_path, answer: str, edit=None):
    notebook = nbformat.from_dict(student_version)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "reponse":
            cell.source = answer
    if edit:
        edit(notebook)
    path = tmp_path / f"{NAME}.ipynb"
    nbformat.write(notebook, path)
    return path


def graded(student_version, tmp_path, cache, answer, edit=None, **options):
    path = submission(student_version, tmp_path, answer, edit)
    # as a grading worker does: each job takes the sandbox the previous one started ahead
    return grade(path, MASTER, CONFIG, cache=cache, cell_timeout=options.get("cell_timeout", 10),
                 job_timeout=120, sandboxes_ahead=1)


def test_a_correct_answer_scores_full_marks(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD)
    assert (result.score, result.max_score) == (3.0, 3.0)
    assert result.hidden_tests >= 2


def test_the_exercises_widget_cells_run_in_the_sandbox(student_version, tmp_path, cache):
    """The hints, the « appel / attendu / obtenu » table and the extension's own table are
    ordinary cells of the exercise: graded in the sandbox, they run without an error (the
    grader image has what they import), so the graded notebook the instructors open shows
    none."""
    copy = tmp_path / "graded.ipynb"
    grade(submission(student_version, tmp_path, GOOD), MASTER, CONFIG, cache=cache,
          job_timeout=120, graded_copy=copy)
    cells = [c for c in nbformat.read(copy, 4).cells if "decoder_widgets" in c.source]
    assert len(cells) == 3
    errors = [o for c in cells for o in c.outputs if o.get("output_type") == "error"]
    assert errors == []


def test_a_wrong_answer_gets_its_visible_message_and_no_hidden_test_text(
        student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, WRONG)
    assert result.score == 0.0
    visible = next(t for t in result.tests if t.grade_id == "test-exemple")
    assert "il faut les multiplier" in render(visible.message)
    hidden_only = next(t for t in result.tests if t.grade_id == "test-cas-limites")
    assert hidden_only.secret and "prix_total(7, 0)" not in learner_reads(result)


def learner_reads(result) -> str:
    """Everything a learner can read of a report before the hidden tests' release: the
    service's JSON view and the feedback page."""
    view = learner_view(json.loads(result.to_json()), hidden_released=False)
    return json.dumps(view, ensure_ascii=False) + feedback_html(
        view, title="t", submitted_at="maintenant", hidden_released=False)


@pytest.mark.parametrize("name", ["KernelDied", "KernelStuck", "CellTimeoutError"])
def test_an_error_dressed_as_the_graders_own_does_not_carry_hidden_tests_out(
        student_version, tmp_path, cache, name):
    """The grader shows its own messages (dead kernel, cell stopped at the limit) as they are.
    Code that reads the hidden test calling it and raises an error under one of those names
    must not get that text shown: only the grader's exact words pass as the grader's."""
    spy = ("import inspect\n"
           "def prix_total(prix_unitaire, quantite):\n"
           "    caller = ''.join(inspect.stack()[1].code_context or [])\n"
           "    if quantite == 0:\n"
           f"        raise type({name!r}, (Exception,), {{}})('VOLE ' + caller)\n"
           "    return prix_unitaire * quantite\n")
    result = graded(student_version, tmp_path, cache, spy)
    hidden_only = next(t for t in result.tests if t.grade_id == "test-cas-limites")
    assert hidden_only.points == 0
    assert "VOLE" not in learner_reads(result) and "7, 0" not in learner_reads(result)


# ---- the notebook lies ----

def test_edited_test_cells_are_restored_from_the_master(student_version, tmp_path, cache):
    def neuter_tests(notebook):
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.source = "pass"

    assert graded(student_version, tmp_path, cache, WRONG, neuter_tests).score == 0.0


def test_changed_points_are_restored_from_the_master(student_version, tmp_path, cache):
    def inflate(notebook):
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.metadata["nbgrader"]["points"] = 100

    result = graded(student_version, tmp_path, cache, GOOD, inflate)
    assert (result.score, result.max_score) == (3.0, 3.0)


def test_patched_showtraceback_does_not_hide_failures(student_version, tmp_path, cache):
    answer = WRONG + (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = get_ipython()\n"
        "for name in ('showtraceback', '_showtraceback'):\n"
        "    setattr(InteractiveShell, name, lambda *a, **k: None)\n"
        "    setattr(type(ip), name, lambda *a, **k: None)\n"
    )
    assert graded(student_version, tmp_path, cache, answer).score == 0.0


def test_an_object_equal_to_everything_does_not_pass(student_version, tmp_path, cache):
    answer = (
        "class Tout:\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "def prix_total(prix_unitaire, quantite):\n    return Tout()\n"
    )
    assert graded(student_version, tmp_path, cache, answer).score == 0.0


def test_grading_is_invisible_to_the_code_graded(student_version, tmp_path, cache):
    """Code that behaves differently when graded (NBGRADER_EXECUTION) gets nothing from it."""
    answer = (
        "import os\n"
        "def prix_total(prix_unitaire, quantite):\n"
        "    if os.environ.get('NBGRADER_EXECUTION'):\n        return 'vu'\n"
        "    return prix_unitaire * quantite\n"
    )
    assert graded(student_version, tmp_path, cache, answer).score == 3.0


# ---- the kernel dies or runs away ----

def test_sys_exit_is_just_an_error_in_its_cell(student_version, tmp_path, cache):
    assert graded(student_version, tmp_path, cache, GOOD + "import sys\nsys.exit(0)\n").score == 3.0


def test_os_exit_kills_only_the_sandbox(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD + "import os\nos._exit(1)\n")
    assert result.score == 0.0 and result.max_score == 3.0


def test_an_infinite_loop_is_stopped(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, "while True:\n    pass\n", cell_timeout=5)
    assert result.score == 0.0
    assert (result.interrupted_cells, result.cell_timeout) == (["reponse"], 5)  # told why


def test_a_loop_after_a_right_answer_is_told_but_costs_nothing(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD + "while True:\n    pass\n",
                    cell_timeout=3)
    assert result.score == 3.0  # interrupted, the function was defined: the tests pass
    assert result.interrupted_cells == ["reponse"]


def test_a_10_gb_allocation_is_killed(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD + "x = b'x' * (10 * 1024 ** 3)\n")
    assert result.score == 0.0  # the kernel died: nothing after it ran
    assert any("Python s'est arrêté" in render(test.message) for test in result.tests)


FLOOD = "chunk = 'x' * (1024 * 1024)\nfor _ in range({megabytes}):\n    print(chunk)\n"


def test_a_flood_of_output_is_cut(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD + FLOOD.format(megabytes=200),
                    cell_timeout=30)
    assert result.score == 3.0  # the output was cut; the answer itself is right


def test_a_gigabyte_of_output_kills_only_the_sandbox(student_version, tmp_path, cache):
    result = graded(student_version, tmp_path, cache, GOOD + FLOOD.format(megabytes=1024),
                    cell_timeout=30)
    assert (result.score, result.max_score) == (0.0, 3.0)  # its cell crashed Python


# ---- what the sandbox can reach ----

def run_in_sandbox(tmp_path, code: str, **limits) -> subprocess.CompletedProcess:
    """The sandbox's own docker run options, running a Python snippet instead of a kernel."""
    args = sandbox_run_args(name=f"decoder-test-{tmp_path.name[-12:]}", folder=tmp_path,
                            workdir=tmp_path, image="decoder/grader:latest",
                            memory=limits.get("memory", "1g"), cpus=1.0,
                            pids=limits.get("pids", 256), tmp_size="64m")
    return subprocess.run(args + ["python", "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_a_fork_bomb_stops_at_the_process_limit(tmp_path):
    code = (
        "import os, time\nn = 0\n"
        "for _ in range(400):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(5); os._exit(0)\n"
        "    n += 1\nprint(n)\n"
    )
    assert int(run_in_sandbox(tmp_path, code).stdout.split()[0]) < 256


def test_no_network_at_all(student_version, tmp_path, cache):
    """The target is a server this test runs on the Docker bridge's address, on this machine."""
    ipam = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]
    host = ipam.get("Gateway") or gateway_of(ipam["Subnet"])
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(5)
    port = server.getsockname()[1]
    try:
        answer = (
            "import socket\n"
            "def prix_total(prix_unitaire, quantite):\n"
            "    try:\n"
            f"        socket.create_connection(({host!r}, {port}), timeout=3)\n"
            "        return 0\n"
            "    except OSError:\n"
            "        return prix_unitaire * quantite\n"
        )
        assert graded(student_version, tmp_path, cache, answer).score == 3.0
    finally:
        server.close()


def test_files_outside_its_own_are_out_of_reach(student_version, tmp_path, cache):
    answer = (
        "import glob, os\n"
        f"MASTER = {str(MASTER / (NAME + '.ipynb'))!r}\n"
        "def prix_total(prix_unitaire, quantite):\n"
        "    visible = os.path.exists(MASTER) or glob.glob('/work/**/*.ipynb', recursive=True) \\\n"
        "        or glob.glob('/root/*') or glob.glob('/var/lib/docker/*')\n"
        "    return 0 if visible else prix_unitaire * quantite\n"
    )
    assert graded(student_version, tmp_path, cache, answer).score == 3.0


FORGER = """
import os
for top in ["/tmp", os.getcwd(), os.path.dirname(os.getcwd()), "/"]:
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = [d for d in subfolders if d not in ("proc", "sys", "dev", "usr", "lib")]
        for name in files:
            if name.endswith((".db", ".json", ".ipynb")):
                try:
                    with open(os.path.join(folder, name), "a") as forged:
                        forged.write("forged")
                except OSError:
                    pass
        try:
            open(os.path.join(folder, "forged-by-learner"), "w").close()
        except OSError:
            pass
"""


def test_a_forged_result_file_changes_nothing(student_version, tmp_path, cache):
    """The code graded tries to write into every gradebook, report and notebook it can reach,
    and to leave a file in every folder: the grading's own files and the template gradebook
    that the next jobs copy are out of its reach (it works in a private copy)."""
    templates = [prepare_assignment(MASTER, CONFIG, cache) / "gradebook.db"]
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in templates}
    result = graded(student_version, tmp_path, cache, WRONG + FORGER)
    assert result.score == 0.0 and not result.error
    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in templates}
    assert after == before
    assert not list(cache.rglob("forged-by-learner")) and \
        not list(tmp_path.rglob("forged-by-learner"))
    (tmp_path / "again").mkdir()
    assert graded(student_version, tmp_path / "again", cache, GOOD).score == 3.0


FILLS_ITS_FOLDER = """
import errno
try:
    with open("plein.bin", "wb") as plein:
        for _ in range(400):
            plein.write(b"0" * 2**20)
    arrete = False
except OSError as error:
    arrete = error.errno == errno.ENOSPC
def prix_total(prix_unitaire, quantite):
    return prix_unitaire * quantite if arrete else 0
"""


def test_a_loop_of_writes_stops_at_the_sandboxs_folder_size(student_version, tmp_path, cache):
    """400 MB written into its folder: the sandbox's folder (256 MB) is full, not the host's
    disk. The answer is right only if its write was stopped by a full folder."""
    assert graded(student_version, tmp_path, cache, FILLS_ITS_FOLDER).score == 3.0


# ---- kernel takeovers: the test cells run outside the learner's kernel ----

@pytest.fixture(scope="module")
def bonjour_student(tmp_path_factory):
    from tests.course.nbgrader_course import CourseDir

    return CourseDir(tmp_path_factory.mktemp("bonjour"), hostile.NAME).generate()


def graded_bonjour(bonjour_student, tmp_path, cache, answer, edit=None):
    path = tmp_path / f"{hostile.NAME}.ipynb"
    nbformat.write(hostile.with_answer(bonjour_student, answer, edit), path)
    return grade(path, PROJECT_ROOT / "course" / "source" / hostile.NAME, CONFIG, cache=cache,
                 cell_timeout=10, job_timeout=120, sandboxes_ahead=1)


@pytest.mark.parametrize("case", sorted(hostile.TAKEOVERS))
def test_a_kernel_takeover_scores_zero_and_shows_nothing_hidden(bonjour_student, tmp_path,
                                                                 cache, case):
    result = graded_bonjour(bonjour_student, tmp_path, cache, hostile.answer_of(case))
    assert (result.score, result.max_score) == (0.0, 3.0)
    assert hostile.leaks(learner_reads(result)) == []


def test_the_right_answer_still_scores_full_marks(bonjour_student, tmp_path, cache):
    result = graded_bonjour(bonjour_student, tmp_path, cache, hostile.RIGHT)
    assert (result.score, result.max_score) == (3.0, 3.0)


def test_hidden_arguments_never_reach_a_visible_message(bonjour_student, tmp_path, cache):
    """The learner moves the hidden-only test cell first and records every argument its
    function gets, then raises them all in the visible test's error: every visible test runs
    before any hidden one, so the visible message holds nothing hidden."""
    result = graded_bonjour(bonjour_student, tmp_path, cache, hostile.RECORDS_ARGUMENTS,
                            hostile.hidden_first)
    assert result.score == 0.0
    reads = learner_reads(result)
    assert "VU Awa" in reads  # the visible test's own message is shown, as it should be
    assert hostile.leaks(reads) == []


def test_decoder_grade_judges_a_takeover_the_same_way(bonjour_student, tmp_path):
    notebook = tmp_path / f"{hostile.NAME}.ipynb"
    nbformat.write(hostile.with_answer(
        bonjour_student, hostile.answer_of("execute-handler-replaced")), notebook)
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "DECODER_DATA_DIR": str(tmp_path / "data")}
    shown = subprocess.run([sys.executable, "-m", "decoder.ops.cli", "grade", str(notebook),
                            "--assignment", hostile.NAME, "--json"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert (report["score"], report["max_score"]) == (0.0, 3.0)


def test_a_sandbox_never_outlives_its_lifetime(tmp_path):
    """Whatever happens to the grading process, the kernel is killed from inside the sandbox
    at its lifetime (here 3 s) and the container goes with it."""
    import asyncio
    import time

    from graders.sandbox import SandboxKernelManager, wait_for_removals

    label = f"lifetime-{tmp_path.name}"

    async def started_then_left_alone() -> bool:
        manager = SandboxKernelManager(kernel_name="python3", max_lifetime=3, job=label)
        await manager.start_kernel(cwd=str(tmp_path))
        try:
            alive_at_start = await manager.is_alive()
            deadline = time.monotonic() + 30
            while await manager.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            return alive_at_start and not await manager.is_alive()
        finally:
            await manager.shutdown_kernel(now=True)

    assert asyncio.run(started_then_left_alone())
    wait_for_removals()
    left = docker.from_env().containers.list(all=True, filters={"label": f"decoder.job={label}"})
    assert left == []


def test_a_sandbox_started_ahead_answers_on_the_connection_file_it_was_given(tmp_path):
    """The kernel of a sandbox started ahead reads its connection file while it boots, maybe
    after a job has taken it. jupyter_client rewrites that file before a launch (deleted, then
    written again by root, mode 0600): a kernel booting just then would not find it, listen
    elsewhere and never answer (seen: a job stalled 60 s, twice in about 460 jobs). The file
    must be the one the sandbox was started with, and the kernel must answer on it. Once
    the job is over, its sandbox is gone."""
    import asyncio
    import os
    import time

    from graders.sandbox import WARM, SandboxKernelManager, start_warm, wait_for_removals

    async def take_the_waiting_sandbox():
        manager = SandboxKernelManager(kernel_name="python3", sandboxes_ahead=1,
                                       job=f"ahead-{tmp_path.name}")
        WARM.prepare(manager.spec(), start_warm, 1)
        deadline = time.monotonic() + 30
        while not WARM._ready.get(manager.spec()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        waiting = WARM._ready[manager.spec()][0]
        before = os.stat(waiting.connection_file)
        await manager.start_kernel(cwd=str(tmp_path))
        client = manager.client()
        try:
            after = os.stat(manager.connection_file)
            assert manager.warm is waiting
            assert (after.st_ino, after.st_uid, after.st_mode) == (
                before.st_ino, before.st_uid, before.st_mode)
            client.start_channels()
            await client.wait_for_ready(timeout=30)
            reply = await client.execute_interactive("print(6 * 7)", timeout=30,
                                                     output_hook=lambda msg: None)
            assert reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
            WARM.remove_all()  # the one it started ahead for a next job
        return waiting.container

    container = asyncio.run(take_the_waiting_sandbox())
    wait_for_removals()
    assert docker.from_env().containers.list(all=True, filters={"name": container}) == []
