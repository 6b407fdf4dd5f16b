"""Checks shared by the course's test cells: strict comparisons and kind messages.

A test cell looks like::

    from graders.checks import verifier
    verifier(saluer("Awa"), "Bonjour, Awa !", quoi='saluer("Awa")')

``verifier`` compares strictly: the value must have exactly the expected type (so an object whose
``__eq__`` always answers True does not pass), containers are compared element by element, and
floats with a small tolerance. When the value is wrong, the first matching *likely mistake*
explains what probably happened (``print`` instead of ``return``, text instead of a number, one
too many or too few…), before the generic "expected / got" message.

The same checks run in two places. When the platform grades, test cells run in the trusted test
process (graders/trusted.py): the learner's values reach it as plain data, an object that is not
plain data as a :class:`Decrit`, and a failure (:class:`Ecart`) is kept as a message of the
platform's catalogue (decoder/messages), rendered in its reader's language. In a learner's own
JupyterLab the same cells run in their kernel, with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from decoder.messages import language_of_environment, message, render

__all__ = ["Decrit", "Ecart", "Erreur", "meme_valeur", "verifier", "ERREURS_COURANTES",
           "decrire"]


class Decrit:
    """A value known by its description only (a message of the catalogue: ``un objet de type
    Panier``), equal to nothing, itself included: what the trusted grader gets of a learner's
    value that is not plain data."""

    __slots__ = ("cle", "params")

    def __init__(self, cle: str, **params: str):
        self.cle, self.params = cle, params

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def message(self) -> dict:
        return message(self.cle, **self.params)

    def __repr__(self) -> str:
        return render(self.message(), language_of_environment())


@dataclass(frozen=True)
class Erreur:
    """A likely beginner mistake: when ``detecte(obtenu, attendu)`` is true, say ``message``
    (the exercise's own words) or the catalogue's message ``cle`` (the common mistakes)."""

    detecte: Callable[[object, object], bool]
    message: str = ""
    cle: str = ""

    def piste(self) -> str | dict:
        return message(self.cle) if self.cle else self.message


class Ecart(AssertionError):
    """What ``verifier`` raises: what was checked, what was expected, what came, and the
    likely mistake, kept as a message (``self.message``) and said in the learner's language."""

    def __init__(self, quoi: str, attendu: object, obtenu: object, piste: str | dict | None):
        details = {"quoi": quoi, "attendu": description(attendu), "obtenu": description(obtenu)}
        self.message = (message("checks.mismatch_hint", **details, piste=piste) if piste
                        else message("checks.mismatch", **details))
        super().__init__(render(self.message, language_of_environment()))


def meme_valeur(obtenu: object, attendu: object, tolerance: float = 1e-9) -> bool:
    """True when ``obtenu`` is the same value as the trusted ``attendu``, never calling any
    method of ``obtenu``'s own class (it may be hostile)."""
    type_obtenu, type_attendu = type(obtenu), type(attendu)
    if type_attendu is float and type_obtenu in (int, float):
        return math.isclose(float(obtenu), attendu, rel_tol=tolerance, abs_tol=tolerance)
    if type_obtenu is not type_attendu:
        return False
    if type_attendu in (list, tuple):
        return len(obtenu) == len(attendu) and all(
            meme_valeur(o, a, tolerance) for o, a in zip(obtenu, attendu, strict=True)
        )
    if type_attendu is dict:
        return set(obtenu) == set(attendu) and all(
            meme_valeur(obtenu[k], attendu[k], tolerance) for k in attendu
        )
    if type_attendu in (set, frozenset):
        return len(obtenu) == len(attendu) and all(
            any(meme_valeur(o, a) for o in obtenu) for a in attendu
        )
    return attendu == obtenu  # builtin types only here: both sides are trusted


def description(valeur: object) -> str | dict:
    """A value as a beginner would recognise it, never calling its own __repr__: the text of
    a builtin value, else a message (``un objet de type X``)."""
    if type(valeur) in (int, float, bool, str, type(None), list, tuple, dict, set):
        texte = repr(valeur)
        return texte if len(texte) <= 80 else texte[:77] + "..."
    if issubclass(type(valeur), Decrit):
        return valeur.message()
    return message("checks.object", type=type(valeur).__name__)


def decrire(valeur: object) -> str:
    """``description`` said in the learner's language."""
    return render(description(valeur), language_of_environment())


def _est_nombre(valeur: object) -> bool:
    return type(valeur) in (int, float)


def _texte_qui_ressemble(obtenu: object, attendu: object) -> bool:
    return type(obtenu) is str and _est_nombre(attendu) and obtenu.strip() == str(attendu)


def _decalage_de_un(obtenu: object, attendu: object) -> bool:
    if type(obtenu) is int and type(attendu) is int:
        return abs(obtenu - attendu) == 1
    if type(obtenu) in (list, tuple, str) and type(obtenu) is type(attendu):
        return abs(len(obtenu) - len(attendu)) == 1
    return False


ERREURS_COURANTES: tuple[Erreur, ...] = (
    Erreur(lambda obtenu, attendu: obtenu is None and attendu is not None,
           cle="checks.returns_none"),
    Erreur(_texte_qui_ressemble, cle="checks.text_like_number"),
    Erreur(lambda obtenu, attendu: type(obtenu) is str and _est_nombre(attendu),
           cle="checks.text_not_number"),
    Erreur(lambda obtenu, attendu: _est_nombre(obtenu) and type(attendu) is str,
           cle="checks.number_not_text"),
    Erreur(_decalage_de_un, cle="checks.off_by_one"),
)


# Every check made, while a learner's « appel / attendu / obtenu » table is being drawn in their
# own kernel (decoder_widgets/try_tests.py sets it to a list, then back to None): (quoi,
# attendu, obtenu, juste). The trusted grader never sets it; the grade never comes from here.
releve: list | None = None


def verifier(
    obtenu: object,
    attendu: object,
    *,
    quoi: str,
    erreurs: Sequence[Erreur] = (),
) -> None:
    """Raise an :class:`Ecart` (an AssertionError) when ``obtenu`` is not ``attendu``.

    ``erreurs`` are the exercise's own likely mistakes, tried before the common ones.
    """
    juste = meme_valeur(obtenu, attendu)
    if releve is not None:
        releve.append((quoi, description(attendu), description(obtenu), juste))
    if juste:
        return
    piste = next(
        (e.piste() for e in (*erreurs, *ERREURS_COURANTES) if _detecte(e, obtenu, attendu)),
        None,
    )
    raise Ecart(quoi, attendu, obtenu, piste)


def _detecte(erreur: Erreur, obtenu: object, attendu: object) -> bool:
    try:
        return bool(erreur.detecte(obtenu, attendu))
    except Exception:  # a detector must never hide the real failure
        return False
