"""What a learner did in the widgets, kept in their home (``~/.decoder/widgets.json``): it
survives a kernel restart, closing and reopening the notebook, and the container's death (the
home is the learner's volume). Written whole then renamed, synced: never half-written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from decoder_atomic import replaced

FILE_ENV = "DECODER_WIDGETS_FILE"


def where() -> Path:
    return Path(os.environ.get(FILE_ENV) or Path.home() / ".decoder" / "widgets.json")


def load(path: Path | None = None) -> dict:
    """Everything saved, by widget id ({} if nothing, or if the file is unreadable)."""
    try:
        data = json.loads((path or where()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(key: str, value, path: Path | None = None) -> bool:
    """Keep ``value`` under ``key``; False when it could not be written (a full home: the
    widget keeps working, only the memory of it is lost)."""
    path = path or where()
    data = load(path)
    data[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replaced(path) as file:
            json.dump(data, file, ensure_ascii=False)
    except OSError:
        return False
    return True
