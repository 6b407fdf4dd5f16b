"""The message catalogues (decoder/messages/): every language says everything, with the same
parameters, and a message kept as data renders in its reader's language."""

from __future__ import annotations

import string

import pytest

from decoder.messages import LANGUAGES, catalogue, message, render, say


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(text) -> list[str]:
    """A message's wordings: one, or one per plural form."""
    return list(text.values()) if isinstance(text, dict) else [text]


def test_every_language_has_every_message_with_the_same_parameters():
    french = catalogue("fr")
    for language in LANGUAGES:
        other = catalogue(language)
        assert set(other) == set(french), language
        for key, text in other.items():
            wanted = set().union(*(placeholders(form) for form in forms(french[key])))
            for form in forms(text):
                assert placeholders(form) == wanted, (language, key)
                assert form.strip(), (language, key)
            if isinstance(text, dict):  # plural forms: chosen by n, « other » always there
                assert set(text) <= {"one", "other"} and "other" in text and "n" in wanted, key


@pytest.mark.parametrize(("language", "n", "said"), [
    ("fr", 0, "0 personne inscrite"), ("fr", 1, "1 personne inscrite"),
    ("fr", 2, "2 personnes inscrites"), ("fr", 1.5, "1.5 personne inscrite"),
    ("en", 0, "0 learners"), ("en", 1, "1 learner"), ("en", 2, "2 learners"),
])
def test_plural_forms_follow_each_languages_rule(language, n, said):
    assert say("dashboard.learners", language, n=n) == said


def test_the_dashboard_never_says_one_ont():
    """« 1 ont tout réussi » was the dashboard's French."""
    assert say("dashboard.counts_passed", "fr", n=1) == "1 a tout réussi"
    assert say("dashboard.counts_passed", "fr", n=3) == "3 ont tout réussi"
    assert say("feedback.hidden_note", "fr", n=1).startswith("1 test caché compte")


def test_a_message_kept_as_data_renders_late_in_each_language():
    kept = message("checks.mismatch", quoi="f(2)", attendu="4",
                   obtenu=message("checks.object", type="Tout"))
    assert "un objet de type Tout" in render(kept, "fr") and "Attendu : 4" in render(kept, "fr")
    assert "an object of type Tout" in render(kept, "en") and "Expected: 4" in render(kept, "en")
    assert render(kept, "de") == render(kept, "fr")  # an unknown language falls back
    assert render("an old report's sentence") == "an old report's sentence"


def test_an_unknown_key_fails_where_it_is_written():
    with pytest.raises(KeyError):
        message("grader.nothing_like_this")


def test_parameters_are_text_never_format_instructions():
    shown = say("grader.raised", "fr", call="f(1)", type="ValueError", text="{0.__class__}")
    assert shown.endswith("{0.__class__}")
