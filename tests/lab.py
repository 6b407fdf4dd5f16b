"""Acting from inside a learner's container, as the learner's own code would: nbgrader's commands
(with our exchange classes) and raw HTTP calls to the course service with the server's token."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
import time
from pathlib import Path

import nbformat

from decoder import protocol
from decoder.course import Course, load_course
from decoder.service.runs import RunStore
from decoder.service.store import Store

API_CALL = textwrap.dedent('''
    import json, os, sys, urllib.request, urllib.error
    method, path, body, token = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    url = os.environ["DECODER_COURSE_URL"].rstrip("/") + "/api/" + path
    token = os.environ["JUPYTERHUB_API_TOKEN"] if token == "-" else token
    if body.startswith("@"):
        body = open(body[1:]).read()
    request = urllib.request.Request(url, data=body.encode() if body else None, method=method,
        headers={"Authorization": "token " + token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            print(json.dumps({"status": r.status, "body": json.loads(r.read() or b"null")}))
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            body = json.loads(text)
        except ValueError:
            body = text.decode(errors="replace")
        print(json.dumps({"status": e.code, "body": body}))
''')


def run(container, command: list[str], workdir: str = "/home/jovyan",
        environment: dict | None = None) -> tuple[int, str]:
    result = container.exec_run(command, user="1000", workdir=workdir, demux=False,
                                environment=environment)
    return result.exit_code, result.output.decode(errors="replace")


def nbgrader(container, *args: str) -> str:
    code, output = run(container, ["nbgrader", *args])
    assert code == 0, f"nbgrader {' '.join(args)} failed ({code}):\n{output}"
    return output


def api(container, method: str, path: str, payload=None, *, token: str = "-",
        raw_body: str | None = None) -> tuple[int, object]:
    """Call the course service from the container: with its own token by default ('-'),
    another token, or none ('')."""
    body = raw_body if raw_body is not None else (json.dumps(payload) if payload is not None
                                                  else "")
    if len(body) > 2**20:  # too long for a command line: through a file
        put_file(container, "/home/jovyan/.request.json", body.encode())
        body = "@/home/jovyan/.request.json"
    code, output = run(container, ["python", "-c", API_CALL, method, path, body, token])
    assert code == 0, output
    answer = json.loads(output.strip().splitlines()[-1])
    return answer["status"], answer["body"]


def put_file(container, path: str, content: bytes) -> None:
    """Write a file into the container's home, owned by the learner (as if they saved it)."""
    folder, name = path.rsplit("/", 1)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.uid, info.gid, info.mode = len(content), 1000, 1000, 0o644
        tar.addfile(info, io.BytesIO(content))
    assert container.put_archive(folder, archive.getvalue())


def read_file(container, path: str) -> str:
    code, output = run(container, ["cat", path])
    assert code == 0, output
    return output


def solved(student_version, master):
    """The student version with the master's answers typed in, as a learner who got it right."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.from_dict(json.loads(nbformat.writes(student_version)))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


# ---- a learner at work on an exercise (the course service's tests) ----

NAME = "s1-bonjour"
NOTEBOOK = f"/home/jovyan/exercices/{NAME}/{NAME}.ipynb"


def master(platform, name: str = NAME) -> nbformat.NotebookNode:
    return nbformat.read(platform.settings.masters_dir / name / f"{name}.ipynb", 4)


def store(platform) -> Store:
    return Store(platform.settings.course_db_url)


def service_address(platform) -> str:
    """The course service as code in a container reaches it (the learner network's gateway)."""
    return protocol.service_url(platform.settings.course_service_url)


def current_run(platform) -> str:
    """The name of the run the platform teaches (the demo's, made by hubprocess.prepare)."""
    return RunStore(store(platform).engine).current().name


def served_course(platform) -> Course:
    """The course as the platform under test serves it: its own copy, in its current run."""
    run = RunStore(store(platform).engine).current()
    return load_course(Path(platform.settings.course_file)).in_run(run)


def fetch_and_solve(platform, learner, *, right: bool, edit=None) -> nbformat.NotebookNode:
    """Fetch s1-bonjour in the learner's JupyterLab and save it solved (or blank, or as
    ``edit`` changes it), as the learner would; returns the notebook saved."""
    container = platform.container(learner)
    nbgrader(container, "fetch_assignment", NAME)
    student = nbformat.reads(read_file(container, NOTEBOOK), 4)
    notebook = solved(student, master(platform)) if right else student
    if edit:
        edit(notebook)
    put_file(container, NOTEBOOK, nbformat.writes(notebook).encode())
    return notebook


def wait_graded(container, assignment: str = NAME, count: int = 1, timeout: float = 120):
    """The learner's submissions of ``assignment`` once ``count`` of them are graded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, mine = api(container, "GET", f"submissions?assignment={assignment}")
        assert status == 200, mine
        done = [s for s in mine if s["state"] in ("done", "failed")]
        if len(done) >= count:
            return mine
        time.sleep(1)
    raise AssertionError(f"not graded within {timeout} s: {mine}")
