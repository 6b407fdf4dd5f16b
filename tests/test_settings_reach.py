"""A value set only in the operator's settings file (DECODER_CONFIG) reaches every process that
uses it: the hub (and through its spawner, the learner's JupyterLab), the `decoder` command, the
course service and its grading workers. The test platform is configured that way
(conftest.settings_file): its ports, `max_submission_mb = 24` and `cell_timeout = 15` are written
nowhere else, and the tests' own environment holds no DECODER_ variable for them."""

from __future__ import annotations

import os

import nbformat
import pytest

from decoder import protocol
from tests import lab
from tests.lab import NAME, fetch_and_solve, wait_graded

pytestmark = pytest.mark.docker



def test_the_file_is_the_only_place_the_test_settings_live(platform):
    settings = set(platform.settings.traits(config=True))
    assert not [name for name in os.environ
                if name.startswith("DECODER_") and name[8:].lower() in settings]
    assert platform.settings.source("max_submission_mb") == "file"
    assert platform.settings.source("cell_timeout") == "file"


def test_the_decoder_command_reads_the_file(platform):
    shown = platform.decoder("settings")
    assert shown.returncode == 0, shown.stderr
    lines = {line.split()[0]: line.split()[1:] for line in shown.stdout.splitlines()[1:]}
    assert lines["max_submission_mb"] == ["file", "24"]
    assert lines["cell_timeout"] == ["file", "15"]
    status = platform.decoder("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"answering at http://localhost:{platform.settings.public_port}" in status.stdout
    assert "origins: one per person" in status.stdout
    assert "service: answering at http://" in status.stdout
    assert "started by the hub" in status.stdout
    assert "course:  run 'demo', day 1 was" in status.stdout  # the file's data folder's run


def test_the_hub_gives_the_learners_lab_the_files_values(platform, learner_a):
    env = dict(item.split("=", 1)
               for item in platform.container(learner_a).attrs["Config"]["Env"])
    assert env[protocol.MAX_SUBMISSION_ENV] == "24"
    assert env[protocol.COURSE_URL_ENV] == protocol.service_url(
        platform.settings.course_service_url)


def test_a_notebook_above_20_mb_goes_through_the_labs_exchange(platform):
    """The service takes it under the file's limit (24 MB), the lab's exchange sends it (its
    limit comes from the hub), and the worker grades it with the file's cell timeout (15 s)."""
    def add_22_mb_of_notes(notebook):
        notebook.cells.append(nbformat.v4.new_markdown_cell("Mes notes : " + "x" * 22 * 2**20))

    learner = platform.signed_up("gina")
    learner.start_server()
    fetch_and_solve(platform, learner, right=True, edit=add_22_mb_of_notes)
    container = platform.container(learner)
    code, size = lab.run(container, ["stat", "-c", "%s", lab.NOTEBOOK])
    assert code == 0 and int(size) > 22 * 2**20
    before = len(lab.api(container, "GET", f"submissions?assignment={NAME}")[1])
    lab.nbgrader(container, "submit", NAME)
    graded = wait_graded(container, count=before + 1)[-1]
    assert graded["state"] == "done" and graded["score"] == graded["max_score"] == 3.0
    status, feedback = lab.api(container, "GET", f"submissions/{graded['id']}/feedback")
    assert status == 200 and feedback["report"]["cell_timeout"] == 15
