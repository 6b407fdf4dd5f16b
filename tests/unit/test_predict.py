"""« Prédisez, puis exécutez » (images/lab/decoder_widgets/predict.py): no run before a
prediction, prediction and output side by side, the notebook's variables used but not changed,
what was predicted kept in the home."""

from __future__ import annotations

import json
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import predisez, saved  # noqa: E402

CODE = "for i in range(3):\n    print(i * prix)\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv(saved.FILE_ENV, str(tmp_path / "widgets.json"))
    return tmp_path / "widgets.json"


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    shell.user_ns["prix"] = 2
    yield shell
    InteractiveShell.clear_instance()


def parts(box):
    _heading, prediction, row, result = box.children
    run, hint = row.children
    return prediction, run, hint, result


def test_the_run_waits_for_a_prediction_then_shows_both(home, shell):
    prediction, run, hint, result = parts(predisez("s2-predire", CODE, language="fr"))
    assert run.disabled and "Écrivez d'abord votre prédiction" in hint.value
    run.click()
    assert result.value == ""  # (a click on a disabled button does nothing either)
    prediction.value = "0\n2\n4"
    assert not run.disabled and hint.value == ""
    run.click()
    assert "Exactement ce que vous aviez prévu" in result.value
    assert result.value.count("<pre") == 2 and "0\n2\n4" in result.value
    assert shell.user_ns["prix"] == 2 and "i" not in shell.user_ns  # the notebook unchanged
    kept = json.loads(home.read_text())["predict:s2-predire"]
    assert kept == {"prediction": "0\n2\n4", "printed": "0\n2\n4\n"}
    again = parts(predisez("s2-predire", CODE, language="fr"))
    assert again[0].value == "0\n2\n4" and "Exactement" in again[3].value


def test_a_wrong_prediction_an_error_and_an_endless_program(home, shell):
    prediction, run, _hint, result = parts(predisez("s2-autre", CODE, language="en"))
    prediction.value = "1 2 3"
    run.click()
    assert "Not what you predicted" in result.value
    prediction, run, _hint, result = parts(predisez("s2-erreur", "print(inconnu)", language="fr"))
    prediction.value = "?"
    run.click()
    assert "NameError" in result.value
    prediction, run, _hint, result = parts(predisez("s2-sans-fin", "while True:\n    pass",
                                                    language="fr"))
    prediction.value = "rien"
    run.click()
    assert "trop de temps" in result.value


def test_a_widget_that_cannot_be_made_says_why(home):
    assert "identifiant" in predisez("Pas Bon", CODE, language="fr").value
    assert "code" in predisez("s2-vide", "  ", language="fr").value
