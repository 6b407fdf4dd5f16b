"""The message catalogues (decoder/messages/): every language says everything, with the same
parameters, and a message kept as data renders in its reader's language."""

from __future__ import annotations

import string

import pytest

from decoder.messages import LANGUAGES, catalogue, message, render, say


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_message_with_the_same_parameters():
    french = catalogue("fr")
    for language in LANGUAGES:
        other = catalogue(language)
        assert set(other) == set(french), language
        for key, text in other.items():
            assert placeholders(text) == placeholders(french[key]), (language, key)
            assert text.strip(), (language, key)


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
