"""What the platform says to learners and instructors: one catalogue per language beside this
file (``fr.toml``, ``en.toml``), for every part that speaks: the course service's answers, the
feedback page, nbgrader's exchange in the lab, the grader and the checks of the test cells.

A message is a key (``"service.not_open"``, a section and a name) and named parameters; a message
whose wording depends on a number is a table of plural forms keyed by CLDR category
(``{ one = "{n} a tout réussi", other = "{n} ont tout réussi" }``), chosen by its ``n``
parameter with the language's rule (French: 0 and 1 are « one »; English: only 1). Parts of
the platform keep messages as data (``message(key, **params)`` gives ``{"key", "params"}``) and
render them as late as possible, in the reader's language (``render``, ``say``); a parameter may
itself be a message. Grading reports store keys, not sentences, so that nothing depends on a
sentence's wording and a learner's code can never write a message in the grader's name.

Standard library only: the lab and grader images copy this folder.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_ENV = "DECODER_UI_LANGUAGE"
HERE = Path(__file__).resolve().parent


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """Every message of ``language`` by its key (``section.name``)."""
    with open(HERE / f"{language}.toml", "rb") as file:
        sections = tomllib.load(file)
    return {f"{section}.{name}": text for section, texts in sections.items()
            for name, text in texts.items()}


def known(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def language_of_environment(environ=None) -> str:
    """The platform's language as a learner's server or a grading worker is told it."""
    return known((os.environ if environ is None else environ).get(LANGUAGE_ENV))


def plural_category(language: str, n: float) -> str:
    """CLDR's plural category of ``n`` for integers and decimals as this platform shows them:
    French says « 0 exercice, 1,5 point » (one below 2), English « 0 exercises, 1 exercise »."""
    if known(language) == "fr":
        return "one" if 0 <= abs(n) < 2 else "other"
    return "one" if n == 1 else "other"


def say(key: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    """The message ``key`` in ``language``, filled with ``params`` (messages among them are
    rendered in the same language); a message with plural forms takes the one of ``n``."""
    language = known(language)
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    if isinstance(text, dict):
        # ``n`` as shown: a number, or its text (« 0,5 » with a French decimal comma)
        count = float(str(params["n"]).replace(",", "."))
        text = text.get(plural_category(language, count)) or text["other"]
    return text.format(**{name: render(value, language) if is_message(value) else value
                          for name, value in params.items()})


def message(key: str, **params) -> dict:
    """A message kept as data, to be rendered later in its reader's language."""
    catalogue(DEFAULT_LANGUAGE)[key]  # a key that does not exist fails here, not when shown
    return {"key": key, "params": params}


def is_message(value: object) -> bool:
    return type(value) is dict and type(value.get("key")) is str and \
        type(value.get("params", {})) is dict


def render(value: object, language: str = DEFAULT_LANGUAGE) -> str:
    """A message (``message()``) in ``language``; a plain text is shown as it is (reports
    written before messages were kept as keys)."""
    if is_message(value):
        return say(value["key"], language, **value.get("params", {}))
    return "" if value is None else str(value)
