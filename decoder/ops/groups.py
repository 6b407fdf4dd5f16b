"""A class as a JupyterHub group, filled from the list an instructor has: ``decoder group add
NAME FILE`` (a CSV or plain list of usernames). Only accounts that exist join: a name nobody
signed up with yet is said, not reserved (whoever signed up first with it would otherwise get
the place, and the prestarted server). The instructors' group and the review rooms' accounts
are never touched here."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from ..hub.accounts import AccountError, check_name
from ..hubapi import HubAPI

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
PROTECTED_GROUPS = {"instructors": "decoder instructor add NAME"}
HEADERS = {"username", "user", "login", "utilisateur", "identifiant", "nom d'utilisateur"}


class GroupError(ValueError):
    """A group or list the operator must change; the text says what to write."""


def check_group(name: str) -> str:
    group = name.strip().lower()
    if group in PROTECTED_GROUPS:
        raise GroupError(f"the group {group!r} gives rights: add its people with "
                         f"{PROTECTED_GROUPS[group]}")
    if not GROUP_NAME.match(group):
        raise GroupError(f"{name!r} is not a group name: 1 to 63 lowercase letters, digits, "
                         "'.', '_' or '-' (such as 'atelier-mardi')")
    return group


@dataclass
class Roster:
    names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line 4: 'Zoé B' is not a username"


def roster_of(text: str) -> Roster:
    """The usernames of a class list (pure): the first column of each row of a CSV (comma or
    semicolon, as spreadsheets write it) or a name per line; a header row, blank lines and
    lines starting with '#' are skipped; each name once, in the order met."""
    roster = Roster()
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cell = row[0].strip() if row else ""
        if not cell or cell.startswith("#"):
            continue
        if number == 1 and cell.strip().lower() in HEADERS:
            continue
        try:
            name = check_name(cell)
        except AccountError as error:
            roster.problems.append(f"line {number}: {error}")
            continue
        if name not in roster.names:
            roster.names.append(name)
    return roster


@dataclass
class Filled:
    group: str
    created: bool
    added: list[str]
    already: list[str]
    unknown: list[str]  # no account yet
    refused: list[str]  # review rooms


def fill_group(hub: HubAPI, group: str, names: list[str], rooms: set[str],
               signed_up: set[str]) -> Filled:
    """Add ``names`` to ``group`` (made if new): those with an account, a hub user already or
    one of ``signed_up`` (the sign-up form's accounts, made hub users here)."""
    group = check_group(group)
    created = hub.create_group(group)
    members = set(hub.group_members(group) or [])
    refused = [n for n in names if n in rooms]
    already = [n for n in names if n in members]
    added, unknown = [], []
    for name in names:
        if name in rooms or name in members:
            continue
        if hub.user(name) is not None:
            added.append(name)
        elif name in signed_up:
            hub.create_user(name)
            added.append(name)
        else:
            unknown.append(name)
    if added:
        hub.add_to_group(group, added)
    return Filled(group, created, added, already, unknown, refused)
