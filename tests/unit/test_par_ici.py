"""The « Par ici » page (images/lab/decoder_par_ici.py): written from the home's lessons and
the course service's answers (a stand-in here; the real one in tests/test_journeys.py), whole,
and written even when the service does not answer."""

from __future__ import annotations

import http.server
import json
import shutil
import sys
import threading

import pytest

from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
import decoder_par_ici as par_ici  # noqa: E402

LESSONS = PROJECT_ROOT / "course" / "lessons"
OPEN = [{"assignment_id": "s1-bonjour", "title": "Dire bonjour", "week": 1, "points": 3,
         "minutes": 10, "due_text": "dimanche 13 décembre 2026 à 23 h 59", "late": False,
         "kind": "autograded"},
        {"assignment_id": "s1-calculs", "title": "Le prix d'un panier", "week": 1, "points": 3,
         "minutes": 10, "due_text": "dimanche 13 décembre 2026 à 23 h 59", "late": False,
         "kind": "autograded"},
        {"assignment_id": "s1-initiales", "title": "Les initiales", "week": 1, "points": 4,
         "minutes": 15, "due_text": "dimanche 13 décembre 2026 à 23 h 59", "late": False,
         "kind": "autograded"}]
MINE = [{"assignment_id": "s1-bonjour", "score": 1.0, "max_score": 3.0, "state": "done"},
        {"assignment_id": "s1-bonjour", "score": 3.0, "max_score": 3.0, "state": "done"},
        {"assignment_id": "s1-calculs", "score": None, "max_score": None, "state": "queued"}]


@pytest.fixture
def home(tmp_path):
    for week in ("semaine-1", "semaine-2"):
        shutil.copytree(LESSONS / week, tmp_path / "cours" / week)
    return tmp_path


def test_this_weeks_lessons_in_order_the_exercises_and_where_the_learner_stands(home):
    text = par_ici.page(par_ici.lessons_of(home, ["semaine-1", "semaine-2"]), OPEN, MINE,
                        "", "fr")
    assert text.startswith("# Par ici !")
    this_week = text.index("## Les leçons de la semaine 2")
    earlier = text.index("## Les semaines précédentes")
    assert this_week < earlier < text.index("### Semaine 1") < text.index("## Vos exercices")
    lessons = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert [line for line in lessons if "(semaine-2/" in line] == lessons[:3]  # first
    assert "1. [Qu'est-ce que le code ?](semaine-1/01-qu-est-ce-que-le-code.ipynb)" in \
        text[earlier:]
    rows = {line.split(" (")[0].strip("| "): line for line in text.splitlines()
            if line.startswith("| ") and "minutes" in line}
    assert "rendu : 3 / 3" in rows["Dire bonjour"]  # the newest submission
    assert "en cours de correction" in rows["Le prix d'un panier"]
    assert "pas encore rendu" in rows["Les initiales"] and "15 minutes" in rows["Les initiales"]
    assert "dimanche 13 décembre 2026 à 23 h 59" in rows["Les initiales"]
    assert "## Besoin d'aide ?" in text and "formatrice" in text
    assert "[glossaire](glossaire.md)" in text


def test_week_one_lists_its_three_lessons_by_their_titles(home):
    text = par_ici.page(par_ici.lessons_of(home, ["semaine-1"]), [], [], "Salle 3, le mardi.",
                        "fr")
    assert "1. [Qu'est-ce que le code ?](semaine-1/01-qu-est-ce-que-le-code.ipynb)" in text
    assert "3. [Vos premières fonctions](semaine-1/03-les-fonctions.ipynb)" in text
    assert "Aucun exercice n'est ouvert" in text
    assert "Salle 3, le mardi." in text and "formatrice" not in text  # the operator's words


def test_without_the_service_the_page_says_where_the_exercises_are(home, monkeypatch):
    monkeypatch.setenv("DECODER_COURSE_URL", "http://127.0.0.1:9/services/course/")  # nothing
    monkeypatch.setenv("DECODER_LESSONS", "semaine-1")
    monkeypatch.setenv("DECODER_UI_LANGUAGE", "en")
    assert par_ici.main([str(home)]) == 0
    text = (home / "cours" / "par-ici.md").read_text(encoding="utf-8")
    assert text.startswith("# Start here!") and "Assignment List" in text
    assert [p.name for p in (home / "cours").iterdir() if p.name.startswith(".")] == []


def test_the_service_is_asked_with_the_servers_token(home, monkeypatch):
    asked = []

    class Service(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append((self.path, self.headers["Authorization"]))
            body = json.dumps(OPEN if self.path.endswith("/assignments") else MINE).encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DECODER_COURSE_URL",
                           f"http://127.0.0.1:{server.server_port}/services/course/")
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "le-jeton")
        monkeypatch.delenv("DECODER_LESSONS", raising=False)  # every week in the home
        par_ici.main([str(home)])
    finally:
        server.shutdown()
    assert [path.rsplit("/", 1)[-1] for path, _ in asked] == ["assignments", "submissions"]
    assert {token for _, token in asked} == {"token le-jeton"}
    text = (home / "cours" / "par-ici.md").read_text(encoding="utf-8")
    assert "rendu : 3 / 3" in text and "## Les leçons de la semaine 2" in text
