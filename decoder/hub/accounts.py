"""Who teaches: instructor accounts are made by the operator, never by sign-up.

A name in the `instructors` group gets the instructors' hub roles at every start. With open
sign-up, whoever signed up first under such a name would get them, so the names are *reserved*:
sign-up refuses them (decoder/hub/authenticator.py), and `decoder instructor add NAME` creates the
account with a password printed once to the operator. The names are the `instructors` setting,
the demo instructor, and those added by the command (kept with the other secrets).
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import bcrypt
import sqlalchemy as sa
from nativeauthenticator.orm import UserInfo

from ..keys import DEMO_INSTRUCTOR, check_private, new_password, write_private
from ..settings import PlatformSettings

# names that look like the staff's or the platform's own, never given to a learner
STAFF_LOOKALIKES = frozenset({
    "admin", "administrateur", "administratrice", "root", "hub", "service", "services",
    "formgrader", "instructor", "instructors", "formateur", "formatrice", "formateurs",
    "operator", "decoder", "course", "cours", "staff", "support",
})
VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


class AccountError(ValueError):
    """A name or account the operator must change (said in plain words)."""


def added_instructors_file(settings: PlatformSettings) -> Path:
    return settings.path("secrets", "instructors.json")


def added_instructors(settings: PlatformSettings) -> list[str]:
    path = added_instructors_file(settings)
    if not path.exists():
        return []
    check_private(path)
    return json.loads(path.read_text())


def instructor_names(settings: PlatformSettings) -> list[str]:
    """Everyone in the `instructors` group: configured, demo, and added by the operator."""
    return sorted({DEMO_INSTRUCTOR, *settings.instructors, *added_instructors(settings)})


def reserved_names(settings: PlatformSettings) -> set[str]:
    """Names sign-up refuses: the instructors' and the staff look-alikes."""
    return {name.lower() for name in instructor_names(settings)} | STAFF_LOOKALIKES


def check_name(name: str) -> str:
    """The name as the hub stores it, or AccountError saying what is wrong."""
    normalized = name.strip().lower()
    if not VALID_NAME.match(normalized):
        raise AccountError(
            f"{name!r} is not a valid username: 2 to 32 lowercase letters, digits, '.', '_' or "
            "'-', starting with a letter or digit")
    return normalized


def signed_up(settings: PlatformSettings, names: list[str]) -> set[str]:
    """Which of ``names`` have an account of the sign-up form (maybe never logged in yet, so
    not yet a user of the hub)."""
    engine = sa.create_engine(settings.db_url)
    try:
        if not sa.inspect(engine).has_table(UserInfo.__tablename__):
            return set()
        table = UserInfo.__table__
        with engine.connect() as db:
            return set(db.execute(sa.select(table.c.username)
                                  .where(table.c.username.in_(names))).scalars())
    finally:
        engine.dispose()


def add_instructor(settings: PlatformSettings, name: str, *, reset: bool = False) -> str:
    """Create (or with ``reset``, give a new password to) an instructor's account in the hub's
    database, add the name to the instructors kept with the secrets, and return the password.
    An existing account is never silently taken over: a learner who already signed up under
    this name is refused unless ``reset`` says the operator means it."""
    name = check_name(name)
    engine = sa.create_engine(settings.db_url)
    UserInfo.__table__.create(engine, checkfirst=True)
    password = new_password()
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
    with engine.begin() as db:
        table = UserInfo.__table__
        exists = db.execute(sa.select(table.c.id).where(table.c.username == name)).first()
        if exists and not reset:
            raise AccountError(
                f"an account named {name!r} already exists (signed up before the name was "
                "reserved?). Check who it belongs to; to make it an instructor's with a new "
                f"password, run: decoder instructor add {name} --reset")
        if exists:
            db.execute(table.update().where(table.c.username == name).values(
                password=hashed, is_authorized=True))
        else:
            db.execute(table.insert().values(
                username=name, password=hashed, is_authorized=True,
                otp_secret=base64.b32encode(os.urandom(10)).decode()))
    engine.dispose()
    names = added_instructors(settings)
    if name not in names:
        write_private(added_instructors_file(settings), json.dumps(sorted([*names, name]),
                                                                   indent=2).encode())
    return password
