import pytest

from graders.checks import Erreur, decrire, meme_valeur, verifier


class ToujoursEgal:
    """A hostile answer: claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __repr__(self):
        raise RuntimeError("repr called")


class EntierMenteur(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("attendu", [12, "Bonjour", [1, 2], {"a": 1}, (2, 1), 12.5, True, None])
def test_a_value_whose_eq_always_answers_true_does_not_pass(attendu):
    assert not meme_valeur(ToujoursEgal(), attendu)
    with pytest.raises(AssertionError, match="un objet de type ToujoursEgal"):
        verifier(ToujoursEgal(), attendu, quoi="x")


def test_subclasses_of_builtins_do_not_pass_either():
    assert not meme_valeur(EntierMenteur(3), 12)
    assert not meme_valeur([EntierMenteur(3)], [12])
    assert not meme_valeur({"a": ToujoursEgal()}, {"a": 1})


def test_strict_types_but_tolerant_floats():
    assert meme_valeur(0.1 + 0.2, 0.3)
    assert meme_valeur(10, 10.0)  # an int where a float is expected is fine
    assert not meme_valeur(True, 1)
    assert not meme_valeur("12", 12)
    assert not meme_valeur([2, 1], (2, 1))
    assert meme_valeur({"le": 2, "chat": 1}, {"chat": 1, "le": 2})


def test_likely_mistakes_are_explained_in_french():
    with pytest.raises(AssertionError, match="print au lieu de return"):
        verifier(None, "Bonjour", quoi="saluer()")
    with pytest.raises(AssertionError, match="texte .entre guillemets. au lieu d'un nombre"):
        verifier("12", 12, quoi="prix_total(4, 3)")
    with pytest.raises(AssertionError, match="range"):
        verifier(9, 10, quoi="somme_jusqua(4)")


def test_exercise_mistakes_come_first_and_a_broken_detector_is_ignored():
    propre = Erreur(lambda o, a: o == 7, "il faut multiplier")
    casse = Erreur(lambda o, a: 1 / 0, "jamais")
    with pytest.raises(AssertionError) as error:
        verifier(7, 12, quoi="prix_total(4, 3)", erreurs=[casse, propre])
    assert "il faut multiplier" in str(error.value) and "jamais" not in str(error.value)
    assert "Attendu : 12" in str(error.value) and "Obtenu  : 7" in str(error.value)


def test_descriptions_never_call_the_learners_repr():
    assert decrire(ToujoursEgal()) == "un objet de type ToujoursEgal"
    assert decrire("x" * 200).endswith("...")
