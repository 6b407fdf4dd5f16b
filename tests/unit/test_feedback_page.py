"""The feedback page tells a learner which cell was stopped at the time limit, in their
language, and never renders what a notebook's metadata says as HTML."""

from __future__ import annotations

from decoder.service.feedback import feedback_html

REPORT = {"assignment": "s1-calculs", "score": 0.0, "max_score": 3.0, "error": "",
          "tests": [{"grade_id": "test-exemple", "points": 0.0, "max_points": 3.0,
                     "hidden_tests": 0, "message": "NameError: name 'prix_total' is not defined"}]}


def page(view: dict, language: str = "fr") -> str:
    return feedback_html(view, title="Le prix d'un panier", submitted_at="2026-11-25 10:00",
                         hidden_released=False, language=language)


def test_a_stopped_cell_is_named_with_the_time_limit():
    view = REPORT | {"interrupted_cells": ["reponse"], "cell_timeout": 10}
    assert ("Cellule arrêtée au bout de 10 s : reponse. Une boucle sans fin ?"
            in page(view))
    assert "Cell stopped after 10 s: reponse. An endless loop?" in page(view, "en")


def test_nothing_is_said_when_no_cell_was_stopped():
    assert "id='interrupted'" not in page(REPORT | {"interrupted_cells": [], "cell_timeout": 10})
    assert "id='interrupted'" not in page(REPORT)  # reports stored before this field existed


def test_a_cell_name_from_the_notebook_is_not_html():
    html = page(REPORT | {"interrupted_cells": ["<script>alert(1)</script>"], "cell_timeout": 10})
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_peer_exercise_says_what_comes_next_instead_of_a_zero():
    """Its tests count for nothing: « Note : 0 / 6 » made a beginner think they failed."""
    view = {"assignment": "s1-algo", "score": 0.0, "max_score": 6.0, "error": "",
            "tests": [{"grade_id": "test-etapes", "points": 0.0, "max_points": 0.0,
                       "hidden_tests": 0, "message": ""}]}
    shown = feedback_html(view, title="Un algorithme", submitted_at="lundi", language="fr",
                          hidden_released=False, peer={"opens": "mardi 8 décembre",
                                                       "closes": "jeudi 10 décembre",
                                                       "reviewers": 3, "points": 6})
    assert "Note :" not in shown and "0 / 6" not in shown and "caché" not in shown
    assert "3 personnes du cours liront votre travail" in shown
    assert "du mardi 8 décembre au jeudi 10 décembre" in shown and "sur 6" in shown
    assert "Note : <strong>0 / 3</strong>" in page(REPORT)  # an autograded one keeps its score


def test_no_word_of_hidden_tests_when_there_are_none():
    assert "caché" not in page(REPORT)
    hidden = REPORT | {"tests": [REPORT["tests"][0] | {"hidden_tests": 1}]}
    assert "1 test caché compte aussi dans la note" in page(hidden)
