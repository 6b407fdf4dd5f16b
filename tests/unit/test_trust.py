"""The trust defences as pure functions and local processes: hardening that cannot be undone,
the sign-up limiter, reserved instructor names, the firewall's check, the grading folders'
parent, orphans that end with the hub, zombies not taken for a running hub."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from decoder.hub import accounts
from decoder.hub.authenticator import AddressLimiter
from decoder.hub.network import rule_problems
from decoder.hub.spawner import (
    DecoderSpawner,
    HardeningUndone,
    configured_hardening,
    hardened_host_config,
    merged_host_config,
    servers_memory_holds,
    weakenings,
)
from decoder.ops import processes
from decoder.settings import PlatformSettings
from graders.folders import SandboxFolderError, private_parent

HARDENING = hardened_host_config(mem_limit="1G", pids_limit=256, tmp_size="256m", read_only=True)


@pytest.mark.parametrize("configured", [
    {"privileged": True},
    {"cap_add": ["NET_ADMIN"]},
    {"cap_drop": []},
    {"cap_drop": ["NET_RAW"]},
    {"security_opt": []},
    {"security_opt": ["no-new-privileges:true", "seccomp=unconfined"]},
    {"read_only": False},
    {"pids_limit": 100_000},
    {"pids_limit": -1},
    {"memswap_limit": -1},
    {"ipc_mode": "host"},
    {"pid_mode": "host"},
    {"network_mode": "host"},
    {"userns_mode": "host"},
    {"devices": ["/dev/sda:/dev/sda"]},
    {"binds": ["/:/host"]},
    {"init": False},
    {"sysctls": {}},
    {"sysctls": {"net.ipv6.conf.all.disable_ipv6": "0"}},
    {"tmpfs": {"/tmp": "rw,exec,size=100g"}},
])
def test_a_setting_that_weakens_the_hardening_is_refused(configured):
    assert weakenings(HARDENING, configured)
    with pytest.raises(HardeningUndone, match="extra_host_config would weaken"):
        merged_host_config(HARDENING, configured)


@pytest.mark.parametrize("configured", [
    {},
    {"dns": ["172.29.9.1"]},
    {"pids_limit": 64},
    {"cap_drop": ["ALL", "NET_RAW"]},
    {"sysctls": {**HARDENING["sysctls"], "net.ipv4.ping_group_range": "1 0"}},
    {"tmpfs": {**HARDENING["tmpfs"], "/run": "rw,size=1m"}},
    dict(HARDENING),
])
def test_adding_to_the_hardening_or_tightening_it_is_fine(configured):
    merged = merged_host_config(HARDENING, configured)
    assert merged == {**HARDENING, **configured}
    assert merged["cap_drop"][0] == "ALL" and merged["read_only"] is True


def test_the_server_limit_follows_the_memory():
    assert servers_memory_holds("1G", 24 * 1024 ** 3) == 19
    assert servers_memory_holds("2G", 24 * 1024 ** 3) == 9
    assert servers_memory_holds("4G", 2 * 1024 ** 3) == 1  # at least one
    # on measured use: an idle learner uses about a tenth of the limit
    assert servers_memory_holds("1G", 24 * 1024 ** 3, overcommit=8) == 153


def test_the_limiter_counts_per_address_in_a_sliding_hour():
    limiter = AddressLimiter(3)
    for second in range(3):
        assert limiter.allows("10.0.0.1", now=second)
        limiter.record("10.0.0.1", now=second)
    assert not limiter.allows("10.0.0.1", now=10)
    assert limiter.allows("10.0.0.2", now=10)  # another address is not held back
    assert limiter.wait_minutes("10.0.0.1", now=10) == 60
    assert limiter.allows("10.0.0.1", now=3600.5)  # the first one has left the window
    assert AddressLimiter(0).allows("x", now=0)


def settings_in(tmp_path: Path, **values) -> PlatformSettings:
    return PlatformSettings(environ={}, data_dir=str(tmp_path),
                            db_url=f"sqlite:///{tmp_path / 'hub.sqlite'}", **values)


def test_instructor_names_are_reserved_with_the_staff_lookalikes(tmp_path):
    settings = settings_in(tmp_path, instructors=["Karim"])
    assert {"karim", "formatrice", "admin"} <= accounts.reserved_names(settings)
    assert "alice" not in accounts.reserved_names(settings)


def test_an_instructor_account_is_made_once_and_never_taken_over_silently(tmp_path):
    import bcrypt
    import sqlalchemy as sa
    from nativeauthenticator.orm import UserInfo

    settings = settings_in(tmp_path)
    password = accounts.add_instructor(settings, "Marie")
    assert "marie" in accounts.instructor_names(settings)
    assert stat.S_IMODE(accounts.added_instructors_file(settings).stat().st_mode) == 0o600
    engine = sa.create_engine(settings.db_url)
    table = UserInfo.__table__

    def stored():
        with engine.connect() as db:
            return db.execute(sa.select(table).where(table.c.username == "marie")).one()

    assert stored().is_authorized and bcrypt.checkpw(password.encode(), stored().password)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add_instructor(settings, "marie")
    again = accounts.add_instructor(settings, "marie", reset=True)
    assert bcrypt.checkpw(again.encode(), stored().password)
    assert not bcrypt.checkpw(password.encode(), stored().password)
    for bad in ("", "a", "marie dupont", "../x", "x" * 40, "Élodie"):
        with pytest.raises(accounts.AccountError):
            accounts.check_name(bad)


def test_the_firewall_check_sees_a_chain_that_lets_too_much_through():
    gateway, ports = "172.29.9.1", [8081, 8082]
    good = [["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
            ["-d", "172.29.9.1/32", "-p", "tcp", "-m", "tcp", "--dport", "8081", "-j", "ACCEPT"],
            ["-d", "172.29.9.1/32", "-p", "tcp", "-m", "tcp", "--dport", "8082", "-j", "ACCEPT"],
            ["-j", "REJECT", "--reject-with", "icmp-port-unreachable"]]
    assert rule_problems(good, gateway, ports) == []
    assert rule_problems(good[:-1], gateway, ports)  # nothing refused
    assert rule_problems([["-j", "ACCEPT"], *good], gateway, ports)  # everything accepted
    assert rule_problems([["-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT"], *good],
                         gateway, ports)
    wider = [*good[:1], ["-p", "tcp", "--dport", "22", "-j", "ACCEPT"], *good[1:]]
    assert rule_problems(wider, gateway, ports)
    assert rule_problems([*good[:1], ["-j", "RETURN"], *good[1:]], gateway, ports)
    assert rule_problems([good[0], good[1], good[3]], gateway, ports)  # the service is shut


def test_the_grading_folders_parent_is_ours_alone(tmp_path):
    base = tmp_path / "tmp"
    base.mkdir(mode=0o777)
    os.chmod(base, 0o1777)
    parent = private_parent(base)
    info = parent.stat()
    assert info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o700
    os.chmod(parent, 0o755)
    assert stat.S_IMODE(private_parent(base).stat().st_mode) == 0o700  # put back
    parent.rmdir()
    parent.symlink_to(tmp_path)  # someone prepared a link in its place: refused
    with pytest.raises(SandboxFolderError, match="not a folder of this user's"):
        private_parent(base)


CHILD = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-m", "decoder.hub.childof", "tests.unit.sleeper",
                          sys.argv[1]])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_service_ends_with_the_hub_even_when_the_hub_is_killed(tmp_path):
    marker = tmp_path / "stopped"
    parent = subprocess.Popen([sys.executable, "-c", CHILD, str(marker)],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    child = int(parent.stdout.readline())
    deadline = time.monotonic() + 20
    while not (tmp_path / "stopped.ready").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while processes.process_state(child) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes.process_state(child) in (None, "Z"), "the service outlived its hub"
    assert marker.read_text() == "SIGTERM"  # its usual, clean stop


def test_a_zombie_or_a_reused_pid_is_not_a_running_hub(tmp_path):
    pid_file = tmp_path / "jupyterhub.pid"
    zombie = subprocess.Popen(["sleep", "0"])
    time.sleep(0.5)  # exited, not reaped: a zombie, as under an init that reaps nothing
    pid_file.write_text(str(zombie.pid))
    assert processes.process_state(zombie.pid) == "Z"
    assert processes.running_pid(pid_file, "sleep") is None
    zombie.wait()
    other = subprocess.Popen(["sleep", "30"])
    try:
        pid_file.write_text(str(other.pid))
        assert processes.running_pid(pid_file, "sleep") == other.pid
        assert processes.running_pid(pid_file, "jupyterhub") is None  # someone else's pid
    finally:
        other.kill()
        other.wait()


def test_the_config_check_uses_the_spawners_own_defaults_and_the_operators_settings():
    """jupyterhub_config.py refuses a weakening extra_host_config before the hub starts,
    against the hardening the operator's settings make (no second copy of the defaults)."""
    from traitlets.config import Config

    traits = DecoderSpawner.class_traits()
    default = configured_hardening(Config())
    assert default["pids_limit"] == traits["pids_limit"].default_value
    assert traits["tmp_size"].default_value in default["tmpfs"]["/tmp"]
    assert default["read_only"] is traits["read_only_root"].default_value
    assert default["memswap_limit"] == 2 ** 30  # DecoderSpawner._default_mem_limit: "1G"
    assert DecoderSpawner._default_mem_limit(None) == "1G"
    stricter = configured_hardening(Config({"pids_limit": 100, "mem_limit": "512M"}))
    assert stricter["pids_limit"] == 100 and stricter["memswap_limit"] == 512 * 2 ** 20
    with pytest.raises(HardeningUndone, match="pids_limit"):
        merged_host_config(stricter, {"pids_limit": 200})  # weaker than the operator's own
