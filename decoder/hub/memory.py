"""How many learners one machine admits: on their measured use, with a guard.

An idle learner's server uses about a tenth of its memory limit (100-120 MiB of 1 GiB,
bench/spawn.py), so the hub's server limit counts each at its limit divided by
``memory_overcommit``. Overcommitting is only safe with a guard: before each start, the machine's
memory is read (the kernel's MemAvailable, and the memory pressure of the cgroups, PSI's
``some avg10``: the share of time tasks stalled waiting for memory); when what is available
falls under ``memory_reserve_mb`` or the pressure passes ``memory_pressure_percent``, the new
start is refused with the waiting page, before the machine swaps or the OOM killer picks a
kernel (each server's own memory limit still stops the greedy one first). Pure functions, and
the two reads at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MEMINFO = Path("/proc/meminfo")
PRESSURE = (Path("/sys/fs/cgroup/memory.pressure"), Path("/proc/pressure/memory"))


@dataclass(frozen=True)
class Memory:
    available: int  # bytes
    pressure: float | None  # percent of the last 10 s some task stalled on memory; None: unknown


def available_bytes(meminfo: str) -> int:
    """MemAvailable from /proc/meminfo's text (pure)."""
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise ValueError("no MemAvailable in /proc/meminfo")


def some_avg10(pressure: str) -> float:
    """PSI's ``some avg10`` from a memory.pressure file's text (pure)."""
    for line in pressure.splitlines():
        if line.startswith("some "):
            return float(dict(f.split("=") for f in line.split()[1:])["avg10"])
    raise ValueError("no 'some' line in the memory pressure")


def read_memory() -> Memory:
    pressure = None
    for path in PRESSURE:
        try:
            pressure = some_avg10(path.read_text())
            break
        except (OSError, ValueError):
            continue
    return Memory(available_bytes(MEMINFO.read_text()), pressure)


def refusal(memory: Memory, reserve: int, pressure_limit: float) -> str | None:
    """Why a new server may not start now, or None (pure)."""
    if memory.available < reserve:
        return "available"
    if memory.pressure is not None and memory.pressure >= pressure_limit:
        return "pressure"
    return None
