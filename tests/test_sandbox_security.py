"""Hostile code inside a learner container, run as the learner (docker exec as the container's
own user).

Each test names the defence it checks; docs/security.md lists them and records that each test
failed once with its defence removed. No traffic leaves this machine: the only addresses tried
are the learner bridge's (the hub's side and learner B's container) and none outside.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker


def run_python(container, code: str, timeout: int = 60) -> tuple[int, str]:
    """Run Python as the learner inside their container; return (exit code, output)."""
    wrapped = f"timeout -s KILL {timeout} python3 -c {quote(code)}"
    result = container.exec_run(["sh", "-c", wrapped])  # as the container's own user
    return result.exit_code, result.output.decode(errors="replace")


def quote(code: str) -> str:
    return "'" + code.replace("'", "'\"'\"'") + "'"


def connect_from(container, host: str, port: int) -> str:
    code = (
        "import socket\n"
        "s = socket.socket(); s.settimeout(3)\n"
        f"try:\n    s.connect(({host!r}, {port})); print('CONNECTED')\n"
        "except OSError as e:\n    print('FAILED', type(e).__name__)\n"
    )
    return run_python(container, code)[1]


# ---- limits ----

def oom_kills(container) -> int:
    """How many times the kernel's OOM killer struck in this container's memory cgroup."""
    candidates = [Path(f"/sys/fs/cgroup/memory/docker/{container.id}/memory.oom_control"),
                  Path(f"/sys/fs/cgroup/system.slice/docker-{container.id}.scope/memory.events")]
    for path in candidates:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    raise AssertionError(f"no memory cgroup found for {container.name}")


def test_memory_over_the_limit_is_killed(platform, learner_a):
    """Defence: mem_limit = memswap_limit = 1G. The kill must be the OOM killer's, told from
    the test's own time limit (which here sends SIGTERM, exit 124, not SIGKILL)."""
    container = platform.container(learner_a)
    before = oom_kills(container)
    code = "b = b'x' * (1536 * 1024 * 1024); print('ALLOCATED', len(b))"
    result = container.exec_run(["sh", "-c", f"timeout -s TERM 60 python3 -c {quote(code)}"])
    exit_code, output = result.exit_code, result.output.decode(errors="replace")
    assert "ALLOCATED" not in output
    assert exit_code == 137  # SIGKILL: not the time limit's SIGTERM (124)
    assert oom_kills(container) > before, "the kill was not the memory limit's"


def test_fork_bomb_stops_at_the_process_limit(platform, learner_a):
    """Defence: pids_limit = 256. Bounded: tries 400 children, which is harmless without it."""
    code = (
        "import os, signal, time\n"
        "children = []\n"
        "for _ in range(400):\n"
        "    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(20); os._exit(0)\n"
        "    children.append(pid)\n"
        "print('FORKED', len(children))\n"
        "for pid in children:\n    os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)\n"
    )
    exit_code, output = run_python(platform.container(learner_a), code)
    forked = int(output.split("FORKED")[1].split()[0])
    assert forked < 256


def throttled(container) -> int:
    """How many times the kernel held this container's processes back for its CPU quota."""
    for path in (Path(f"/sys/fs/cgroup/cpu/docker/{container.id}/cpu.stat"),
                 Path(f"/sys/fs/cgroup/cpu,cpuacct/docker/{container.id}/cpu.stat"),
                 Path(f"/sys/fs/cgroup/system.slice/docker-{container.id}.scope/cpu.stat")):
        if path.exists():
            for line in path.read_text().splitlines():
                if line.startswith("nr_throttled "):
                    return int(line.split()[1])
    raise AssertionError(f"no cpu cgroup found for {container.name}")


def test_cpu_is_limited_to_one_core(platform, learner_a):
    """Defence: cpu_limit = 1.0 (a CFS quota). Measured, not read back: two processes spinning
    for 3 s are held back by the kernel (the cgroup's throttle count rises; it never does
    without a quota, however busy the machine) and get at most one core's worth of CPU time
    between them (about two without the quota on this idle 2-core machine)."""
    container = platform.container(learner_a)
    before = throttled(container)
    code = (
        "import os, time\n"
        "start = time.monotonic()\n"
        "for _ in range(2):\n"
        "    if os.fork() == 0:\n"
        "        while time.monotonic() - start < 3: pass\n"
        "        os._exit(0)\n"
        "for _ in range(2): os.wait()\n"
        "wall = time.monotonic() - start\n"
        "used = os.times().children_user + os.times().children_system\n"
        "print('CORES', used / wall)\n"
    )
    exit_code, output = run_python(container, code)
    cores = float(output.split("CORES")[1].split()[0])
    print(f"{cores:.2f} cores' worth")
    assert throttled(container) > before, "the kernel never held the spinning processes back"
    assert cores < 1.25, f"{cores:.2f} cores' worth of CPU"


# ---- privileges ----

def test_mount_fails(platform, learner_a):
    """Defence: non-root user, no capabilities. The mount(2) call itself must be refused for
    lack of privilege (EPERM), the target existing: util-linux's `mount` refuses any non-root
    user before asking the kernel, so its failure would prove nothing."""
    code = (
        "import ctypes, os\n"
        "os.makedirs('/tmp/m', exist_ok=True)\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "done = libc.mount(b'none', b'/tmp/m', b'tmpfs', 0, None)\n"
        "print('MOUNT', done, ctypes.get_errno())\n"
    )
    exit_code, output = run_python(platform.container(learner_a), code)
    assert output.split("MOUNT")[1].split() == ["-1", str(errno.EPERM)], output


def test_no_capabilities_and_no_new_privileges(platform, learner_a):
    """Defences: cap_drop ALL, security_opt no-new-privileges, USER 1000."""
    status = run_python(platform.container(learner_a),
                        "print(open('/proc/self/status').read())")[1]
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert int(fields["CapBnd"].strip(), 16) == 0
    assert int(fields["CapEff"].strip(), 16) == 0
    assert fields["NoNewPrivs"].strip() == "1"
    assert fields["Uid"].split()[0] == "1000"


def test_root_filesystem_is_read_only(platform, learner_a):
    """Defence: read_only root. /var/tmp is writable by anyone on a normal root filesystem,
    so only a read-only mount refuses it, with EROFS."""
    code = (
        "import errno\n"
        "try:\n    open('/var/tmp/forged', 'w').write('x'); print('WROTE')\n"
        "except OSError as e:\n    print('ERRNO', errno.errorcode[e.errno])\n"
    )
    assert run_python(platform.container(learner_a), code)[1].strip() == "ERRNO EROFS"
    assert run_python(platform.container(learner_a),
                      "open('/tmp/ok', 'w').write('x'); print('TMP OK')")[1].strip() == "TMP OK"


# ---- network ----

def test_no_default_route(platform, learner_a):
    """Defence: the learner network is internal (allow_egress = False)."""
    routes = run_python(platform.container(learner_a), "print(open('/proc/net/route').read())")[1]
    destinations = [line.split()[1] for line in routes.splitlines()[1:] if line.strip()]
    assert destinations, "the container should have its subnet's route"
    assert "00000000" not in destinations


def test_other_learners_container_is_unreachable(platform, learner_a, learner_b):
    """Defence: enable_icc = false on the learner bridge."""
    b_ip = platform.container(learner_b).attrs["NetworkSettings"]["Networks"][
        platform.settings.learner_network]["IPAddress"]
    assert connect_from(platform.container(learner_a), b_ip, 8888).startswith("FAILED")


def test_hub_is_reachable_but_no_other_host_port(platform, learner_a):
    """Defence: the host firewall chain on the learner bridge. The server below runs on this
    machine, on all addresses, on a port that is not the hub's."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(5)
    port = server.getsockname()[1]
    gateway = platform.settings.gateway_ip
    container = platform.container(learner_a)
    try:
        assert connect_from(container, gateway, platform.settings.hub_port) == "CONNECTED\n"
        assert connect_from(container, gateway, port).startswith("FAILED")
        assert connect_from(container, gateway, platform.settings.public_port).startswith("FAILED")
        assert not queued_connections(server)
    finally:
        server.close()


def queued_connections(server: socket.socket) -> list:
    """Connections the kernel completed on a listening socket (nothing if none got through)."""
    server.setblocking(False)
    queued = []
    while True:
        try:
            connection, address = server.accept()
        except BlockingIOError:
            return queued
        connection.close()
        queued.append(address)
