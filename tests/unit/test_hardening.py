"""The hardening is defined once (decoder/hub/hardening.py) and said by both engines: every rule
has a Docker fragment and a Kubernetes one, and a check on what each engine really got. Each
check is tried on an object built with the rule and without it: it must pass on the first and
fail on the second (a check that cannot fail would let a rule vanish silently)."""

from __future__ import annotations

import copy

import pytest

from decoder.hub.hardening import (
    DOCKER_CHECKS,
    POD_CHECKS,
    RULES,
    Hardening,
    container_problems,
    docker_create_options,
    docker_host_config,
    docker_rules,
    kubernetes_rules,
)
from decoder.ops.kubecluster import CLUSTER_CHECKS

H = Hardening()


def test_every_rule_is_said_and_checked_by_both_engines():
    assert set(docker_rules(H)) == set(kubernetes_rules(H, 0)) == set(RULES)
    assert set(DOCKER_CHECKS) == set(RULES)
    # a rule no pod can say (the process limit) is the cluster's: checked there
    assert set(POD_CHECKS) | set(CLUSTER_CHECKS) == set(RULES)
    for name, part in kubernetes_rules(H, 0).items():
        assert part.spawner or part.cluster, f"{name} says nothing on Kubernetes"
        if not part.spawner:
            assert name in CLUSTER_CHECKS, f"{name} is checked nowhere on Kubernetes"


def inspected(h: Hardening) -> dict:
    """A container as `docker inspect` shows one DecoderSpawner created with ``h``."""
    host = docker_host_config(h)
    return {"Config": {"User": docker_create_options(h)["user"]},
            "HostConfig": {
                "SecurityOpt": host["security_opt"], "CapDrop": host["cap_drop"],
                "ReadonlyRootfs": host["read_only"], "Tmpfs": host["tmpfs"],
                "Memory": host["mem_limit"], "MemorySwap": host["memswap_limit"],
                "CpuPeriod": host["cpu_period"], "CpuQuota": host["cpu_quota"],
                "PidsLimit": host["pids_limit"], "IpcMode": host["ipc_mode"],
                "Init": host["init"], "Sysctls": host["sysctls"],
                "NetworkMode": "decoder-learners", "Binds": ["/srv/homes/alice:/home/jovyan"]}}


# what each rule's absence looks like in `docker inspect`
DOCKER_UNDONE = {
    "non_root": lambda c: c["Config"].update(User="0:0"),
    "no_privilege_escalation": lambda c: c["HostConfig"].update(SecurityOpt=[]),
    "no_capabilities": lambda c: c["HostConfig"].update(CapAdd=["SYS_ADMIN"]),
    "read_only_root": lambda c: c["HostConfig"].update(ReadonlyRootfs=False),
    "tmp_in_memory": lambda c: c["HostConfig"].update(Tmpfs={}),
    "memory_limit": lambda c: c["HostConfig"].update(MemorySwap=-1),
    "cpu_limit": lambda c: c["HostConfig"].update(CpuQuota=0),
    "process_limit": lambda c: c["HostConfig"].update(PidsLimit=0),
    "seccomp": lambda c: c["HostConfig"]["SecurityOpt"].append("seccomp=unconfined"),
    "own_namespaces": lambda c: c["HostConfig"]["Binds"].append(
        "/var/run/docker.sock:/var/run/docker.sock"),
    "init": lambda c: c["HostConfig"].update(Init=False),
    "network": lambda c: c["HostConfig"].update(NetworkMode="host"),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_docker_check_fails_without_its_rule(rule):
    assert container_problems(inspected(H), H) == []
    container = copy.deepcopy(inspected(H))
    DOCKER_UNDONE[rule](container)
    assert [p.split(":")[0] for p in container_problems(container, H)] == [rule]


def test_a_stricter_container_keeps_the_rules():
    stricter = inspected(Hardening(mem_limit=2 ** 29, cpu_limit=0.5, pids_limit=100))
    assert container_problems(stricter, H) == []
    looser = inspected(Hardening(mem_limit=2 ** 31, cpu_limit=2, pids_limit=1000))
    assert {p.split(":")[0] for p in container_problems(looser, H)} == {
        "memory_limit", "cpu_limit", "process_limit"}
