"""« Appel / attendu / obtenu » (images/lab/decoder_widgets/try_tests.py): a real exercise's
visible tests run against a learner's function in a real IPython shell, every check on a row
through the graders' own ``verifier``, an error or an endless call a row too, hidden tests
never run; nothing shown where there is no notebook (the grading sandbox)."""

from __future__ import annotations

import html
import sys

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from decoder.settings import PROJECT_ROOT
from graders import checks

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import essayer, try_tests  # noqa: E402

TARIF = PROJECT_ROOT / "course" / "source" / "s2-tarif" / "s2-tarif.ipynb"


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def rows_of(widget) -> list[str]:
    text = html.unescape(widget.value)
    return [row for row in text.split("<tr>")[2:]]


def test_every_visible_check_is_a_row_and_hidden_tests_never_run(shell, monkeypatch):
    shell.run_cell("def prix_billet(age):\n    if age < 12:\n        return 5\n"
                   "    elif age <= 12:\n        return 5\n    return 9")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    widget = essayer(language="fr", notebook=str(TARIF))
    rows = rows_of(widget)
    assert len(rows) == 5  # the five visible checks; the hidden cell is not visible
    assert "prix_billet(8)" in rows[0] and "✔ juste" in rows[0]
    assert "prix_billet(12)" in rows[3] and "✘ à revoir" in rows[3]
    assert "À 12 ans pile, on paie 9 €" in rows[3]  # the exercise's own likely mistake
    assert "prix_billet(70)" in rows[2] and "<code>6</code>" in rows[2] and \
        "<code>9</code>" in rows[2]
    assert "2 sur 5 vérifications réussies." in html.unescape(widget.value)
    assert checks.releve is None  # given back after the table


def test_a_call_that_raises_or_never_ends_is_a_row(shell, monkeypatch):
    monkeypatch.setattr(try_tests, "SECONDS_PER_CHECK", 0.3)
    shell.run_cell("def prix_billet(age):\n    while age > 60:\n        pass\n"
                   "    raise NotImplementedError()")
    rows = rows_of(essayer(language="en", notebook=str(TARIF)))
    assert "NotImplementedError" in rows[0] and "prix_billet(8)" in rows[0]
    assert "endless loop" in rows[2] and "prix_billet(70)" in rows[2]


def test_nothing_without_a_notebook_and_a_word_without_tests(shell, tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert essayer() is None  # as in the grading sandbox: no session, no table
    empty = tmp_path / "vide.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), empty)
    monkeypatch.setenv("JPY_SESSION_NAME", str(empty))
    assert "Pas de test visible" in essayer(language="fr").value


def test_an_extensions_examples_are_a_table_of_their_own(shell, monkeypatch):
    """« Pour aller plus loin »: the author's (call, expected) pairs, tried like the tests, with
    no notebook to read (the table shows in the grading sandbox too, harmlessly)."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shell.run_cell("def prix_famille(ages):\n    return 5 * len(ages)")
    widget = essayer([("prix_famille([8, 9])", 10), ("prix_famille([40])", 9),
                      ("pas_ecrite()", 0)], language="fr")
    rows = rows_of(widget)
    assert len(rows) == 3
    assert "✔ juste" in rows[0] and "✘ à revoir" in rows[1] and "<code>5</code>" in rows[1]
    assert "NameError" in rows[2]
    text = html.unescape(widget.value)
    assert "Pour aller plus loin" in text and "sans note" in text
    assert "1 sur 3" in text


@pytest.mark.parametrize("examples", [[], [("f(", 1)], [("f()", object())], ["f()"]])
def test_an_authors_wrong_example_says_which(examples):
    with pytest.raises(ValueError):
        try_tests.examples_source(examples)
