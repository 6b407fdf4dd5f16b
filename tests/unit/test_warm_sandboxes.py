"""Sandboxes started ahead: a few per settings, each handed out once, dead ones dropped.
A process stands in for the `docker run` of a sandbox (the real one is exercised by
tests/test_grading_sandbox.py, whose jobs each take the sandbox the previous one started)."""

from __future__ import annotations

import subprocess
import time

from graders.warm import SandboxSpec, WarmSandboxes

SPEC = SandboxSpec("decoder/grader:latest", "1g", 1.0, 256, "64m", 60)


def sleeper(seconds: float):
    def start(spec, folder, connection_file, name):
        assert (folder / "kernel.json").exists()  # the kernel is told how to listen
        return subprocess.Popen(["sleep", str(seconds)])
    return start


def ready(pool: WarmSandboxes, spec: SandboxSpec = SPEC):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sandbox = pool.take(spec)
        if sandbox is not None:
            return sandbox
        time.sleep(0.05)
    return None


def waiting_count(pool: WarmSandboxes) -> int:
    return sum(len(queue) for queue in pool._ready.values())


def test_a_sandbox_started_ahead_is_handed_out_once():
    pool = WarmSandboxes()
    pool.prepare(SPEC, sleeper(30))
    sandbox = ready(pool)
    try:
        assert sandbox is not None and sandbox.alive()
        assert pool.take(SPEC) is None  # nobody else gets it
    finally:
        sandbox.remove()
    assert not sandbox.folder.exists()


def test_a_sandbox_that_died_while_waiting_is_dropped():
    pool = WarmSandboxes()
    pool.prepare(SPEC, sleeper(0))
    deadline = time.monotonic() + 10
    while not pool._ready.get(SPEC) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # its process has ended (as at the end of its lifetime)
    folder = pool._ready[SPEC][0].folder
    assert pool.take(SPEC) is None
    assert not folder.exists()


def test_other_settings_get_their_own_sandbox_and_leftovers_are_removed():
    pool = WarmSandboxes()
    other = SandboxSpec("decoder/grader:latest", "2g", 1.0, 256, "64m", 60)
    pool.prepare(SPEC, sleeper(30))
    pool.prepare(other, sleeper(30))
    deadline = time.monotonic() + 10
    while waiting_count(pool) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = [sandbox for queue in pool._ready.values() for sandbox in queue]
    pool.remove_all()
    assert all(not s.alive() and not s.folder.exists() for s in waiting)


def test_several_ahead_are_handed_out_oldest_first_and_only_the_missing_are_started():
    pool = WarmSandboxes()
    started = []

    def start(spec, folder, connection_file, name):
        started.append(name)
        return subprocess.Popen(["sleep", "30"])

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 10
        while waiting_count(pool) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    pool.prepare(SPEC, start, ahead=2)
    pool.prepare(SPEC, start, ahead=2)  # two are starting or waiting: nothing more
    wait_for(2)
    assert len(started) == 2
    in_order = [sandbox.container for sandbox in pool._ready[SPEC]]
    taken = [pool.take(SPEC)]
    try:
        assert taken[0].container == in_order[0]
        pool.prepare(SPEC, start, ahead=2)  # one was taken: one more starts
        wait_for(2)
        assert len(started) == 3
        taken += [pool.take(SPEC), pool.take(SPEC)]
        assert [sandbox.container for sandbox in taken] == [*in_order, started[2]]
        assert pool.take(SPEC) is None
    finally:
        for sandbox in taken:
            sandbox.remove()
        pool.remove_all()
