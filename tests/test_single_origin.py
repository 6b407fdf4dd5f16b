"""A platform whose operator has no wildcard DNS name (per_user_origins = False): everything on
one origin, so it stays safe rather than convenient. A review shows the outputs of the grading
sandbox and opens no room, an instructor cannot open a learner's JupyterLab (and is told why, in
French), learners cannot share their servers, and ``decoder status`` says which mode runs. A
small platform of its own (instance 'decoder-shared')."""

from __future__ import annotations

import html
import subprocess
import sys
import time

import pytest
import requests

from decoder import protocol
from tests.conftest import TEST_SETTINGS
from tests.hubclient import Learner, demo_account
from tests.pages import Pages, api_token
from tests.test_limits import small_platform

pytestmark = pytest.mark.docker

PEER = "s1-algorithme-du-quotidien"
SHARED = {**TEST_SETTINGS, "instance": "decoder-shared", "public_port": 19200,
          "hub_port": 19281, "proxy_api_port": 19201, "course_service_port": 19282,
          "learner_network": "decoder-shared-learners", "learner_subnet": "172.29.13.0/24",
          "learner_bridge": "decoder-shr0", "grading_workers": 1, "sandboxes_ahead": 0,
          "formgrader": False, "per_user_origins": False}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    yield from small_platform(tmp_path_factory, SHARED)


def submit(settings, learner: Learner) -> int:
    master = settings.masters_dir / PEER / f"{PEER}.ipynb"
    answer = requests.post(protocol.service_url(settings.course_service_url)
                           + protocol.route("submit", assignment=PEER),
                           json=protocol.encode_files({f"{PEER}.ipynb": master.read_bytes()}),
                           headers={"Authorization": f"token {api_token(learner)}"},
                           timeout=60)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_review_shows_the_sandboxs_outputs_and_opens_no_room(shared):
    assert shared.public_url == f"http://127.0.0.1:{shared.public_port}"
    author, reviewer = demo_account(shared, "alice"), demo_account(shared, "bruno")
    submit(shared, author)
    submit(shared, reviewer)  # (a reviewer who handed in their own work)
    pages = Pages(reviewer)
    deadline = time.monotonic() + 120
    while True:
        pages.get(f"/peer/{PEER}")
        asked = pages.post(f"/peer/{PEER}/ask")
        review = asked.url.rsplit("/", 1)[-1]
        page = pages.text(f"/peer/review/{review}")
        if "Remplir la bouilloire" in page.split("Affiché par la copie")[-1]:
            break  # graded: its outputs are there
        assert time.monotonic() < deadline, "no outputs shown"
        time.sleep(1)
    assert "Ouvrir la copie" not in page and "Vous n'avez rien à exécuter" in page
    assert author.name not in page
    refused = pages.post(f"/peer/review/{review}/room")
    assert refused.status_code == 404
    assert "n'ouvre pas de salle de relecture" in html.unescape(refused.text)


def test_an_instructor_cannot_open_a_learners_lab_and_is_told_why(shared):
    learner = demo_account(shared, "chloe")
    learner.start_server()
    instructor = demo_account(shared, "formatrice")
    page = instructor.http.get(f"{shared.public_url}/user/chloe/lab", timeout=60)
    page.encoding = "utf-8"
    said = " ".join(page.text.split())
    assert page.status_code == 403, page.status_code
    assert "personne n'ouvre l'espace de travail d'une autre personne" in said
    assert "You do not have permission" not in said  # JupyterHub's English, not after French
    learner.stop_server()


def test_learners_cannot_share_their_server_and_status_says_the_mode(shared):
    learner = demo_account(shared, "alice")
    assert learner.api("POST", "/share-codes/alice/").status_code == 403
    env = {"PATH": "/usr/bin:/bin", "DECODER_CONFIG": shared.config_file}
    status = subprocess.run(
        [sys.executable, "-m", "decoder.ops.cli", "status"], env=env,
        capture_output=True, text=True, timeout=120)
    assert "origins: one shared origin" in status.stdout, status.stdout
