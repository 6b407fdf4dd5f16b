"""Open Badges 3.0 credentials (decoder/dashboard/badges.py): valid against 1EdTech's JSON
Schema (tests/data/ob3/, source noted there), signed and verified, and any change to a signed
badge, or a badge signed by another key, fails verification."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from decoder.dashboard import badges
from decoder.dashboard.awards import COURSE, badge_image, earned
from tests.course_copy import taught

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "data" / "ob3" /
                     "achievementcredential.json").read_text())
ISSUER = "https://cours.example.org/services/course/badges/issuer"


def a_credential() -> dict:
    return badges.credential(
        badge_id="https://cours.example.org/services/course/badges/0a1b", issuer_id=ISSUER,
        issuer_name="Décoder le code",
        achievement_id="https://cours.example.org/services/course/badges/achievements/semaine-1",
        name="Semaine 1 réussie", description="A réussi une semaine.", criteria="60 / 100",
        subject_id="urn:uuid:7b3c7e62-5a3e-5d9f-9a47-2d2c2d0f0f0f",
        issued=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC),
        image="https://cours.example.org/services/course/badges/0a1b.png")


def test_the_credential_is_an_open_badge_3_by_1edtechs_schema():
    vc = a_credential()
    jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker()
                                    ).validate(vc)
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(vc["type"])


def test_the_schema_copy_refuses_what_it_should():
    """The copy of the schema is strict where 1EdTech's is: a credential without issuer or
    date, or with a subject carrying an unknown property, is refused."""
    validator = jsonschema.Draft201909Validator(SCHEMA)
    for broken in (lambda vc: vc.pop("issuer"), lambda vc: vc.pop("issuanceDate"),
                   lambda vc: vc["credentialSubject"].update(learner="awa"),
                   lambda vc: vc["credentialSubject"]["achievement"].pop("criteria")):
        vc = a_credential()
        broken(vc)
        assert not validator.is_valid(vc)


def test_a_signed_badge_verifies_and_names_its_achievement():
    key = Ed25519PrivateKey.generate()
    token = badges.sign(a_credential(), key, kid=f"{ISSUER}#key-1")
    vc = badges.verify(token, key.public_key())
    assert vc["name"] == "Semaine 1 réussie"
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": f"{ISSUER}#key-1"}


def tampered(token: str, part: int, change) -> str:
    parts = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(parts[part] + "=" * (-len(parts[part]) % 4)))
    change(data)
    parts[part] = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return ".".join(parts)


@pytest.mark.parametrize("change", [
    lambda t: tampered(t, 1, lambda p: p["vc"].update(name="Cours réussi")),
    lambda t: tampered(t, 1, lambda p: p["vc"]["credentialSubject"].update(id="urn:uuid:x")),
    lambda t: tampered(t, 0, lambda h: h.update(alg="none")),
    lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
    lambda t: t.rsplit(".", 1)[0] + ".",
    lambda t: "pas un badge",
], ids=["name", "subject", "alg-none", "signature", "no-signature", "garbage"])
def test_a_tampered_badge_fails_verification(change):
    key = Ed25519PrivateKey.generate()
    token = badges.sign(a_credential(), key, kid="k")
    with pytest.raises(badges.BadgeInvalid):
        badges.verify(change(token), key.public_key())


def test_a_badge_signed_by_another_key_fails():
    token = badges.sign(a_credential(), Ed25519PrivateKey.generate(), kid="k")
    with pytest.raises(badges.BadgeInvalid, match="signature"):
        badges.verify(token, Ed25519PrivateKey.generate().public_key())


def test_the_png_carries_the_badge_and_the_key_is_private(tmp_path):
    key = badges.load_or_create_key(tmp_path / "secrets" / "badge-key.pem")
    assert oct((tmp_path / "secrets" / "badge-key.pem").stat().st_mode & 0o777) == "0o600"
    assert badges.load_or_create_key(tmp_path / "secrets" / "badge-key.pem").public_key() \
        .public_bytes_raw() == key.public_key().public_bytes_raw()  # made once, then kept
    token = badges.sign(a_credential(), key, kid="k")
    png = badges.bake(badge_image("Décoder le code", "Semaine 1 réussie"), token)
    assert png.startswith(badges.PNG_SIGNATURE) and badges.unbake(png) == token
    assert badges.verify(badges.unbake(png), key.public_key())["name"] == "Semaine 1 réussie"
    profile = badges.issuer_profile(ISSUER, "Décoder le code", key.public_key())
    assert badges.verify(token, badges.key_from_jwk(profile["publicKey"]))


def test_badges_earned_from_week_grades():
    course = taught()
    assert earned(course, {1: 70.0, 2: 59.9, 3: 0.0, 4: 0.0}) == ["semaine-1"]
    assert earned(course, {1: 60.0, 2: 60.0, 3: 60.0, 4: 60.0})[-1] == COURSE
    assert COURSE not in earned(course, {1: 100.0, 2: 100.0, 3: 100.0, 4: 55.0})


def test_an_image_with_two_credentials_is_refused(tmp_path):
    """A genuine badge's image with a second credential baked in (or a text chunk of the same
    keyword) would show one badge and verify another: refused, whichever comes first."""
    key = Ed25519PrivateKey.generate()
    genuine = badges.sign(a_credential(), key, kid="k")
    other = badges.sign(a_credential() | {"name": "Cours réussi"}, key, kid="k")
    image = badge_image("Décoder le code", "Semaine 1 réussie")
    for png in (badges.bake(badges.bake(image, genuine), other),
                badges.bake(image, genuine)[:-12] + badges._chunk(
                    b"tEXt", badges.PNG_KEYWORD + b"\x00" + other.encode())
                + badges.bake(image, genuine)[-12:]):
        with pytest.raises(badges.BadgeInvalid) as refused:
            badges.unbake(png)
        assert "2 badges" in refused.value.text("fr")


def test_why_a_badge_fails_is_said_in_the_readers_language():
    token = badges.sign(a_credential(), Ed25519PrivateKey.generate(), kid="k")
    with pytest.raises(badges.BadgeInvalid) as refused:
        badges.verify(token, Ed25519PrivateKey.generate().public_key())
    assert refused.value.text("fr").startswith("la signature ne correspond pas")
    assert str(refused.value).startswith("the signature does not match")  # operators: English
