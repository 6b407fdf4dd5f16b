import json
import os
import stat

import pytest

from decoder.hub.roles import class_sessions_role, culler_role, instructor_role, operator_role
from decoder.hub.spawner import hardened_host_config
from decoder.keys import DEMO_INSTRUCTOR, ensure_demo_accounts, ensure_token


def test_tokens_are_private_and_reused(tmp_path):
    path = tmp_path / "secrets" / "token"
    first = ensure_token(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ensure_token(path) == first


def test_a_secret_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "token"
    ensure_token(path)
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        ensure_token(path)


def test_demo_accounts_are_one_instructor_three_learners_kept_between_runs(tmp_path):
    path = tmp_path / "demo.json"
    accounts = ensure_demo_accounts(path)
    roles = sorted(a["role"] for a in accounts.values())
    assert roles == ["instructor", "learner", "learner", "learner"]
    assert accounts[DEMO_INSTRUCTOR]["role"] == "instructor"
    assert len({a["password"] for a in accounts.values()}) == 4
    assert ensure_demo_accounts(path) == accounts == json.loads(path.read_text())


def test_culler_stops_servers_but_cannot_delete_users():
    scopes = culler_role()["scopes"]
    assert "delete:servers" in scopes
    assert not any(s.startswith("admin:") for s in scopes)


def test_the_class_sessions_service_starts_servers_and_little_else():
    """It reads groups and starts servers (JupyterHub's ``servers`` also allows a stop, which
    it never asks); it cannot delete anyone, open a learner's server, or change a group (who is
    an instructor is a group)."""
    scopes = class_sessions_role()["scopes"]
    assert set(scopes) == {"read:groups", "read:users:name", "read:servers", "servers"}
    assert not any(s.startswith(("admin:", "delete:", "access:", "groups")) for s in scopes)


def test_instructors_group_and_operator_service():
    assert instructor_role()["groups"] == ["instructors"]
    assert "access:servers" in instructor_role()["scopes"]
    assert operator_role()["services"] == ["decoder-cli"]


def test_hardened_host_config():
    config = hardened_host_config(mem_limit="1G", pids_limit=256, tmp_size="256m",
                                  read_only=True)
    assert config["memswap_limit"] == config["mem_limit"] == 2 ** 30
    assert config["pids_limit"] == 256
    assert config["cap_drop"] == ["ALL"]
    assert config["security_opt"] == ["no-new-privileges:true"]
    assert config["read_only"] is True
    assert "noexec" not in config["tmpfs"]["/tmp"] and "size=256m" in config["tmpfs"]["/tmp"]
