"""Whole or not at all: a file written beside its target, synced, then renamed over it, and the
folder synced so that the rename survives a crash too. A failure leaves the target as it was
and no temporary file behind. Used by the notebook saves (decoder_home.py), the widgets' memory
(decoder_widgets/saved.py) and « Par ici » (decoder_par_ici.py); standard library only, so
that it loads in the lab and grader images alike."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


@contextmanager
def replaced(path: str | os.PathLike, *, text: bool = True, encoding: str = "utf-8",
             mode: int | None = None, **open_args) -> Iterator[IO]:
    """A file to write ``path``'s new content into; ``path`` is replaced when the block ends
    without an error. ``mode``: the new file's permissions (by default, mkstemp's 0o600)."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or os.getcwd()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".~", suffix=".partial")
    try:
        if text:
            open_args.setdefault("newline", "\n")
            file = os.fdopen(handle, "w", encoding=encoding, **open_args)
        else:
            file = os.fdopen(handle, "wb", **open_args)
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
