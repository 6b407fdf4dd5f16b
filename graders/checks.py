"""Checks shared by the course's test cells: strict comparisons and kind messages in French.

A test cell looks like::

    from graders.checks import verifier
    verifier(saluer("Awa"), "Bonjour, Awa !", quoi='saluer("Awa")')

``verifier`` compares strictly: the value must have exactly the expected type (so an object whose
``__eq__`` always answers True does not pass), containers are compared element by element, and
floats with a small tolerance. When the value is wrong, the first matching *likely mistake*
explains what probably happened (``print`` instead of ``return``, text instead of a number, one
too many or too few…), before the generic "expected / got" message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Erreur", "meme_valeur", "verifier", "ERREURS_COURANTES", "decrire"]


@dataclass(frozen=True)
class Erreur:
    """A likely beginner mistake: when ``detecte(obtenu, attendu)`` is true, say ``message``."""

    detecte: Callable[[object, object], bool]
    message: str


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


def decrire(valeur: object) -> str:
    """Show a value as a beginner would recognise it, never calling its own __repr__."""
    if type(valeur) in (int, float, bool, str, type(None), list, tuple, dict, set):
        texte = repr(valeur)
        return texte if len(texte) <= 80 else texte[:77] + "..."
    return f"un objet de type {type(valeur).__name__}"


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
    Erreur(
        lambda obtenu, attendu: obtenu is None and attendu is not None,
        "Votre fonction ne renvoie rien (elle renvoie None). Avez-vous utilisé print au lieu de "
        "return ? print affiche à l'écran, return donne le résultat à qui a appelé la fonction.",
    ),
    Erreur(
        _texte_qui_ressemble,
        "Vous avez renvoyé du texte (entre guillemets) au lieu d'un nombre. Enlevez les "
        "guillemets, ou convertissez avec int(...) ou float(...).",
    ),
    Erreur(
        lambda obtenu, attendu: type(obtenu) is str and _est_nombre(attendu),
        "On attendait un nombre, mais vous avez renvoyé du texte.",
    ),
    Erreur(
        lambda obtenu, attendu: _est_nombre(obtenu) and type(attendu) is str,
        "On attendait du texte (entre guillemets), mais vous avez renvoyé un nombre. "
        "str(...) transforme un nombre en texte.",
    ),
    Erreur(
        _decalage_de_un,
        "Presque ! Il y a un élément de trop ou de moins : c'est souvent une borne. "
        "Rappel : range(1, n) s'arrête à n - 1, et < n'est pas <=.",
    ),
)


def verifier(
    obtenu: object,
    attendu: object,
    *,
    quoi: str,
    erreurs: Sequence[Erreur] = (),
) -> None:
    """Raise an AssertionError in French when ``obtenu`` is not ``attendu``.

    ``erreurs`` are the exercise's own likely mistakes, tried before the common ones.
    """
    if meme_valeur(obtenu, attendu):
        return
    piste = next(
        (e.message for e in (*erreurs, *ERREURS_COURANTES) if _detecte(e, obtenu, attendu)),
        None,
    )
    lignes = [f"{quoi} ne donne pas le bon résultat.",
              f"  Attendu : {decrire(attendu)}",
              f"  Obtenu  : {decrire(obtenu)}"]
    if piste:
        lignes.append(f"Piste : {piste}")
    raise AssertionError("\n".join(lignes))


def _detecte(erreur: Erreur, obtenu: object, attendu: object) -> bool:
    try:
        return bool(erreur.detecte(obtenu, attendu))
    except Exception:  # a detector must never hide the real failure
        return False
