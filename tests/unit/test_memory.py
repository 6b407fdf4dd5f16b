"""The memory guard's reading and rule (decoder/hub/memory.py): what the kernel says is available,
the cgroups' memory pressure, and when a new server is refused. This machine's own files are
read once too."""

from __future__ import annotations

import pytest

from decoder.hub.memory import Memory, available_bytes, read_memory, refusal, some_avg10

MEMINFO = "MemTotal:       24576000 kB\nMemFree:          102400 kB\nMemAvailable:    2097152 kB\n"
PRESSURE = ("some avg10=12.50 avg60=3.10 avg300=0.80 total=123456\n"
            "full avg10=4.00 avg60=1.00 avg300=0.20 total=65432\n")
GIB = 2 ** 30


def test_the_kernels_figures_are_read():
    assert available_bytes(MEMINFO) == 2 * GIB
    assert some_avg10(PRESSURE) == 12.5
    with pytest.raises(ValueError):
        available_bytes("MemTotal: 1 kB\n")


def test_this_machines_memory_is_read():
    memory = read_memory()
    assert memory.available > 0
    assert memory.pressure is None or 0 <= memory.pressure <= 100


@pytest.mark.parametrize(("memory", "why"), [
    (Memory(8 * GIB, 0.0), None),
    (Memory(8 * GIB, None), None),  # no pressure file: the available memory alone decides
    (Memory(GIB, 0.0), "available"),  # under the reserve of 2 GiB
    (Memory(8 * GIB, 10.0), "pressure"),  # reclaiming hard although memory looks free
])
def test_a_new_server_is_refused_short_of_memory_or_under_pressure(memory, why):
    assert refusal(memory, reserve=2 * GIB, pressure_limit=10.0) == why
