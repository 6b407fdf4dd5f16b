"""Open Badges 3.0: a learner's badge is an ``OpenBadgeCredential`` (a W3C verifiable
credential) signed by the platform as a VC-JWT: a compact JWS, ``alg`` EdDSA (Ed25519), whose
``vc`` claim is the credential and whose ``iss``, ``jti``, ``sub`` and ``nbf`` claims repeat its
issuer, id, subject and date. The key is made on first use and kept with the platform's other
secrets; its public half is published in the issuer's profile (``issuer_profile``). A badge's
PNG image carries the JWT in an ``iTXt`` chunk named ``openbadgecredential`` (OB 3.0 baking).

Everything but reading and writing the key is pure: ``credential``, ``sign``, ``verify``,
``bake``, ``unbake``. A credential whose header, payload or signature was changed fails
``verify`` with a reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import struct
import zlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..keys import check_private, write_private
from ..messages import message, render

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"


class BadgeInvalid(ValueError):
    """The credential does not verify: why, as a message of the catalogue's ``badge`` section
    (``reason``), said in English by ``str()`` (for operators) and in a page's language by
    ``text()``."""

    def __init__(self, key: str, **params):
        self.reason = message(f"badge.{key}", **params)
        super().__init__(render(self.reason, "en"))

    def text(self, language: str) -> str:
        return render(self.reason, language)


# ---- the key ----

def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The platform's signing key (PEM, mode 0600, with the other secrets), made on first
    use."""
    if not path.exists():
        write_private(path, Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    check_private(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def public_jwk(key: Ed25519PublicKey) -> dict:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}


def key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise BadgeInvalid("not_ed25519")
    return Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"]))


# ---- the credential (pure) ----

def issuer_profile(issuer_id: str, name: str, key: Ed25519PublicKey) -> dict:
    """The issuer's Profile, published at ``issuer_id``, with the key that verifies its badges."""
    return {"@context": CONTEXTS, "id": issuer_id, "type": ["Profile"], "name": name,
            "publicKey": public_jwk(key)}


def credential(*, badge_id: str, issuer_id: str, issuer_name: str, achievement_id: str,
               name: str, description: str, criteria: str, subject_id: str,
               issued: dt.datetime, image: str, language: str = "fr") -> dict:
    when = issued.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "@context": CONTEXTS,
        "id": badge_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "description": description,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": when,  # VC 2.0
        "issuanceDate": when,  # OB 3.0's JSON Schema (VC 1.1)
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": achievement_id, "type": ["Achievement"], "achievementType": "Badge",
                "name": name, "description": description, "criteria": {"narrative": criteria},
                "image": {"id": image, "type": "Image"}, "inLanguage": language,
            },
        },
    }


def sign(vc: dict, key: Ed25519PrivateKey, kid: str) -> str:
    """``vc`` as a VC-JWT (compact JWS, EdDSA)."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    issued = dt.datetime.fromisoformat(vc["issuanceDate"].replace("Z", "+00:00"))
    payload = {"iss": vc["issuer"]["id"], "jti": vc["id"],
               "sub": vc["credentialSubject"]["id"], "nbf": int(issued.timestamp()), "vc": vc}
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}".encode()
    return signing_input.decode() + "." + _b64(key.sign(signing_input))


def verify(token: str, key: Ed25519PublicKey) -> dict:
    """The credential inside ``token``, if ``key`` signed exactly it; else BadgeInvalid."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise BadgeInvalid("not_jws")
    try:
        header, payload = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, TypeError) as error:
        raise BadgeInvalid("unreadable", error=str(error)[:200]) from None
    if header.get("alg") != "EdDSA":
        raise BadgeInvalid("algorithm", alg=str(header.get("alg"))[:40])
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        raise BadgeInvalid("signature") from None
    vc = payload.get("vc")
    if not isinstance(vc, dict) or "OpenBadgeCredential" not in vc.get("type", []):
        raise BadgeInvalid("no_credential")
    if (payload.get("iss"), payload.get("jti"), payload.get("sub")) != (
            vc["issuer"]["id"], vc["id"], vc["credentialSubject"]["id"]):
        raise BadgeInvalid("claims")
    return vc


# ---- PNG baking (pure) ----

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bake(png: bytes, token: str) -> bytes:
    """The PNG with the credential in an ``iTXt`` chunk before ``IEND``."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    end = png.rindex(b"IEND") - 4
    text = PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + token.encode()
    return png[:end] + _chunk(b"iTXt", text) + png[end:]


def unbake(png: bytes) -> str:
    """The credential baked into a PNG (BadgeInvalid if there is none, or more than one: an
    image carrying a genuine credential and another one would show one and verify the other)."""
    if not png.startswith(PNG_SIGNATURE):
        raise BadgeInvalid("not_png")
    found = []
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        if kind in (b"iTXt", b"tEXt", b"zTXt") and data.startswith(PNG_KEYWORD + b"\x00"):
            found.append((kind, data))  # any text chunk of that keyword counts
        position += 12 + length
    if len(found) > 1:
        raise BadgeInvalid("two_credentials", count=len(found))
    if not found or found[0][0] != b"iTXt":
        raise BadgeInvalid("not_baked")
    return found[0][1][len(PNG_KEYWORD) + 5:].decode()


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
