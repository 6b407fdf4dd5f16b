"""Submitted files on disk, under the service's own folder only, durable before acknowledged.

A submission is written into a fresh folder under ``incoming/``, every file and folder is
fsync'ed, then the folder is renamed into ``submissions/<learner>/<assignment>/`` (and the
parent fsync'ed): a crash leaves either the whole submission or nothing. Names were checked by
``rules.check_file_name`` before; ``safe_join`` checks again that nothing lands outside.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from .rules import Refused


def folder_files(folder: Path) -> dict[str, bytes]:
    """The regular files under ``folder`` (no links), by their name relative to it."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


def folder_name(text: str) -> str:
    """A path part from a hub user or assignment name: never empty, '.', '..' or with '/'."""
    quoted = urllib.parse.quote(text, safe="")
    return quoted if quoted not in ("", ".", "..") else f"%{quoted}"


def safe_join(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if root.resolve() not in path.parents:
        raise Refused(400, "bad_name", name=relative[:120])
    return path


def write_submission(storage: Path, username: str, assignment: str,
                     files: dict[str, bytes]) -> tuple[str, int, str]:
    """Write the files durably; returns (folder relative to ``storage``, bytes, sha256)."""
    incoming = storage / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=incoming))
    digest = hashlib.sha256()
    try:
        for name in sorted(files):
            target = safe_join(building, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as out:
                out.write(files[name])
                out.flush()
                os.fsync(out.fileno())
            digest.update(name.encode() + b"\0" + files[name])
        for folder in sorted({p.parent for p in building.rglob("*")} | {building}):
            _fsync_dir(folder)
        parent = storage / "submissions" / folder_name(username) / folder_name(assignment)
        parent.mkdir(parents=True, exist_ok=True)
        final = parent / building.name
        building.rename(final)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return str(final.relative_to(storage)), sum(map(len, files.values())), digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
