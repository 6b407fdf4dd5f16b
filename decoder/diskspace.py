"""The free space the platform writes to: below the operator's threshold, new sign-ups and
submissions are refused with a message, before anything is written (so nothing stored is
damaged by a disk that fills up halfway through a write)."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterable
from pathlib import Path

MB = 1024 * 1024


def short_of_space(folders: Iterable[str | Path], min_free_mb: int) -> tuple[str, int] | None:
    """The first folder whose filesystem has less than ``min_free_mb`` free, with its free MB;
    None when all have enough (or the watch is off, 0). A folder not there yet is skipped."""
    if min_free_mb <= 0:
        return None
    for folder in folders:
        try:
            free = shutil.disk_usage(folder).free // MB
        except FileNotFoundError:
            continue
        if free < min_free_mb:
            return str(folder), free
    return None


@functools.cache
def docker_root() -> str:
    """Where the engine keeps images and the learners' home volumes (asked once)."""
    try:
        import docker

        return docker.from_env().info().get("DockerRootDir") or "/var/lib/docker"
    except Exception:  # noqa: BLE001 - no engine answering: watch the usual place
        return "/var/lib/docker"
