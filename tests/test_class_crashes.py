"""Crash safety at class scale: twenty learners save notebooks through the contents API, as
JupyterLab's autosave does, while the hub is killed with SIGKILL and brought back (`decoder up`)
again and again, on SQLite and on PostgreSQL: after each restart every running server still
answers and nobody logs in again, and at the end every notebook on disk holds its last
acknowledged save (its cells' hash). A learner's container killed mid-save keeps its last
acknowledged save once started again (or the save under way when it died, written whole: its
answer died with the container).

Two kills per database here (CI's time); ``DECODER_FULL_CRASHES=1`` runs the issue's ten. Each
platform is a small one of its own (instances 'decoder-crash' and 'decoder-crashpg')."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import docker
import pytest
import requests

from decoder.hub import homes
from decoder.ops import hubprocess
from tests.conftest import TEST_SETTINGS
from tests.hubclient import Learner
from tests.pgserver import PostgresServer
from tests.test_limits import small_platform

pytestmark = pytest.mark.docker

LEARNERS = 20
KILLS = 10 if os.environ.get("DECODER_FULL_CRASHES") == "1" else 2
PASSWORD = "mot-de-passe-solide"
NOTEBOOK = "carnet.ipynb"
PLATFORMS = {
    "sqlite": {"instance": "decoder-crash", "public_port": 19500, "hub_port": 19581,
               "proxy_api_port": 19501, "course_service_port": 19582,
               "learner_network": "decoder-crash-learners", "learner_subnet": "172.29.17.0/24",
               "learner_bridge": "decoder-crs0"},
    "postgresql": {"instance": "decoder-crashpg", "public_port": 19600, "hub_port": 19681,
                   "proxy_api_port": 19601, "course_service_port": 19682,
                   "learner_network": "decoder-crashpg-learners",
                   "learner_subnet": "172.29.18.0/24", "learner_bridge": "decoder-crp0"},
}


@pytest.fixture(scope="module", params=list(PLATFORMS))
def classroom(request, tmp_path_factory):
    """A platform of its own on this database, with twenty learners in their JupyterLab."""
    values = {**TEST_SETTINGS, **PLATFORMS[request.param], "grading_workers": 1,
              "sandboxes_ahead": 0, "formgrader": False}
    postgres = PostgresServer() if request.param == "postgresql" else None
    if postgres:
        values["db_url"] = postgres.start()
    platform = small_platform(tmp_path_factory, values)
    settings = next(platform)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:  # under the start limit (8)
            learners = list(pool.map(lambda n: in_the_lab(settings, f"eleve{n:02d}"),
                                     range(LEARNERS)))
        yield settings, learners
    finally:
        next(platform, None)
        if postgres:
            postgres.stop()


def in_the_lab(settings, name: str) -> Learner:
    learner = Learner(settings.public_url, name, PASSWORD)
    learner.signup()
    learner.login()
    learner.start_server()
    learner.open_lab()
    return learner


def notebook(number: int) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": None,
         "outputs": [], "source": f"print('version {number}')"}]}


def saving(learner: Learner, stop: threading.Event, acknowledged: dict) -> None:
    """Save the notebook every 50 ms; keep what the server last acknowledged (200/201)."""
    number = 0
    while not stop.is_set():
        number += 1
        content = notebook(number)
        try:
            answer = learner.server_api("PUT", f"/contents/{NOTEBOOK}",
                                        json={"type": "notebook", "content": content})
            if answer.status_code in (200, 201):
                acknowledged[learner.name] = content
            else:
                acknowledged.setdefault("refused", []).append((learner.name, answer.status_code))
        except requests.RequestException as error:
            acknowledged.setdefault("refused", []).append((learner.name, type(error).__name__))
        time.sleep(0.05)


def on_disk(settings, learner: Learner) -> dict:
    return json.loads((homes.home_path(settings.homes_root, learner.name) / NOTEBOOK)
                      .read_text(encoding="utf-8"))


def digest(content: dict) -> str:
    """The hash of the notebook's cells' sources, as nbformat means them (a text, or its lines
    as written on disk); what the server adds when it reads one (trust marks) is left out."""
    sources = ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
               for cell in content["cells"]]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def version_of(content: dict) -> int:
    source = content["cells"][0]["source"]
    return int(re.search(r"version (\d+)", "".join(source)).group(1))


def decoder(settings, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "DECODER_CONFIG": settings.config_file}
    return subprocess.run([sys.executable, "-m", "decoder.ops.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_class_saving_through_hub_kills_loses_nothing(classroom):
    settings, learners = classroom
    stop, acknowledged = threading.Event(), {}
    savers = [threading.Thread(target=saving, args=(learner, stop, acknowledged))
              for learner in learners]
    for saver in savers:
        saver.start()
    try:
        for kill in range(KILLS):
            time.sleep(2)
            os.kill(hubprocess.hub_pid(settings), signal.SIGKILL)
            time.sleep(1)
            up = decoder(settings, "up", "--no-build")
            assert up.returncode == 0, f"kill {kill + 1}: {up.stdout}{up.stderr}"
            for learner in learners:  # every server answers, nobody logs in again
                assert learner.api("GET", "/user").status_code == 200, learner.name
                assert learner.server_api("GET", "/status").status_code == 200, learner.name
        time.sleep(2)
    finally:
        stop.set()
        for saver in savers:
            saver.join()
    assert not acknowledged.get("refused"), acknowledged.get("refused")[:10]
    for learner in learners:
        stored, last = on_disk(settings, learner), acknowledged[learner.name]
        assert digest(stored) == digest(last), (learner.name, stored["cells"], last["cells"])


def test_a_container_killed_mid_save_keeps_the_last_acknowledged_save(classroom):
    settings, learners = classroom
    if settings.instance == PLATFORMS["postgresql"]["instance"]:
        pytest.skip("the save and the home are the same on both databases: run on one "
                    "(a minute of CI's time)")
    learner = learners[0]
    stop, acknowledged = threading.Event(), {}
    saver = threading.Thread(target=saving, args=(learner, stop, acknowledged))
    saver.start()
    time.sleep(1.5)
    docker.from_env().containers.get(f"{settings.instance}-lab-{learner.name}").kill()
    time.sleep(0.5)
    stop.set()
    saver.join()
    last = acknowledged[learner.name]
    learner.start_server()  # the hub sees the dead server and starts a new one
    learner.open_lab()
    stored = on_disk(settings, learner)  # whole JSON: never half-written
    # the last acknowledged save, or the one under way when the container died (written, its
    # answer lost with the container): never an older one
    assert version_of(stored) in (version_of(last), version_of(last) + 1), \
        (version_of(stored), version_of(last))
    shown = learner.server_api("GET", f"/contents/{NOTEBOOK}").json()["content"]
    assert digest(shown) == digest(stored)
