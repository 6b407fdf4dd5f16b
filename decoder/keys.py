"""Secrets the platform keeps between runs: written once, owner-only, reused afterwards.

A hub restart must keep everyone logged in (same cookie secret) and keep the proxy and services
working (same tokens), so every secret is generated on first use and read back later.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

DEMO_INSTRUCTOR = "formatrice"
DEMO_LEARNERS = ("alice", "bruno", "chloe")


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def check_private(path: Path) -> None:
    """Refuse a secret that other users of the machine could read."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(
            f"{path} is readable by other users (mode {oct(mode)}); run: chmod 600 {path}"
        )


def ensure_token(path: Path, nbytes: int = 32) -> str:
    """Return the hex token stored at ``path``, creating it on first use."""
    if not path.exists():
        write_private(path, secrets.token_hex(nbytes).encode())
    check_private(path)
    return path.read_text().strip()


def new_password() -> str:
    """A password that is easy to type from a printed sheet: four groups of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def ensure_demo_accounts(path: Path) -> dict[str, dict[str, str]]:
    """Demo accounts (one instructor, three learners) with passwords kept in ``path``."""
    if path.exists():
        check_private(path)
        return json.loads(path.read_text())
    accounts = {DEMO_INSTRUCTOR: {"role": "instructor", "password": new_password()}}
    for name in DEMO_LEARNERS:
        accounts[name] = {"role": "learner", "password": new_password()}
    write_private(path, json.dumps(accounts, indent=2).encode())
    return accounts
