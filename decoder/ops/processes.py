"""Our long-running processes (hub, proxy) as the operator's command sees them: by pid file,
judged alive only when the process is really there (this machine's init reaps no orphans, so a
killed hub can stay a zombie under its pid) and is still the program we started."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def process_state(pid: int) -> str | None:
    """The process's state letter from /proc (R, S, Z...), or None when there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()[0]


def running_pid(pid_file: Path, program: str) -> int | None:
    """The pid in ``pid_file`` if that process lives (not a zombie) and its command line
    names ``program``; else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if process_state(pid) in (None, "Z", "X"):
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return pid if program in command else None


def exited(pid: int) -> bool:
    """True once ``pid`` is gone or a zombie (reaping it when it is our own child)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    return process_state(pid) in (None, "Z", "X")


def stop_pid(pid: int, wait_seconds: float) -> None:
    """SIGTERM, then SIGKILL after ``wait_seconds``; returns once the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if exited(pid):
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while not exited(pid) and time.monotonic() < deadline + 10:
        time.sleep(0.1)
