"""The learner network: reach the hub, nothing else.

Four defences, each tested in tests/test_sandbox_security.py:
- the Docker network is ``internal`` (nothing forwarded out) unless egress is allowed;
- the container's default route is deleted from the host right after it starts: Docker 20.10
  still gives containers on an internal network a default route through the bridge;
- inter-container traffic is off on its bridge (``enable_icc=false``): learners cannot reach
  each other;
- host firewall rules on the bridge: from a learner container, only the hub's port (and the
  ports of services behind the hub) on the gateway address are open; every other port of the
  host is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
from collections.abc import Sequence

import docker
import docker.errors

from ..settings import PlatformSettings


class NetworkError(RuntimeError):
    """The learner network cannot be made safe; the message names the setting to change."""


def network_options(settings: PlatformSettings) -> dict:
    """Arguments for ``docker network create`` (pure)."""
    return {
        "name": settings.learner_network,
        "driver": "bridge",
        "internal": not settings.allow_egress,
        "ipam": docker.types.IPAMConfig(
            pool_configs=[
                docker.types.IPAMPool(subnet=settings.learner_subnet, gateway=settings.gateway_ip)
            ]
        ),
        "options": {
            "com.docker.network.bridge.name": settings.learner_bridge,
            "com.docker.network.bridge.enable_icc": "false",
            "com.docker.network.bridge.enable_ip_masquerade": str(settings.allow_egress).lower(),
        },
        "labels": {"decoder.role": "learner-network"},
    }


def firewall_rules(gateway: str, open_ports: Sequence[int]) -> list[list[str]]:
    """iptables rules for the chain, in order (pure): replies, the open ports, then refuse."""
    rules = [["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]]
    for port in sorted(set(open_ports)):
        rules.append(["-p", "tcp", "-d", gateway, "--dport", str(port), "-j", "ACCEPT"])
    rules.append(["-j", "REJECT", "--reject-with", "icmp-port-unreachable"])
    return rules


def check_existing(network: dict, settings: PlatformSettings) -> None:
    """Refuse to use a network whose shape no longer matches the settings (pure)."""
    subnets = [c.get("Subnet") for c in (network.get("IPAM", {}).get("Config") or [])]
    options = network.get("Options") or {}
    problems = []
    if settings.learner_subnet not in subnets:
        problems.append(f"subnet is {subnets}, learner_subnet says {settings.learner_subnet}")
    if network.get("Internal") != (not settings.allow_egress):
        problems.append(f"internal={network.get('Internal')}, allow_egress={settings.allow_egress}")
    if options.get("com.docker.network.bridge.enable_icc") != "false":
        problems.append("traffic between containers is allowed on it")
    if options.get("com.docker.network.bridge.name") != settings.learner_bridge:
        problems.append(f"its bridge is not {settings.learner_bridge}")
    if problems:
        raise NetworkError(
            f"Docker network {settings.learner_network!r} does not match the settings: "
            + "; ".join(problems)
            + ". Stop learner servers and run `docker network rm "
            + settings.learner_network
            + "`, or change learner_network."
        )


def ensure_network(client: docker.APIClient, settings: PlatformSettings) -> None:
    try:
        network = client.inspect_network(settings.learner_network)
    except docker.errors.NotFound:
        client.create_network(**network_options(settings))
        return
    check_existing(network, settings)


def _iptables(*args: str, check: bool = True, program: str = "iptables",
              input: str | None = None) -> subprocess.CompletedProcess:
    """``program`` (iptables, or iptables-restore reading ``input``), waiting for the
    xtables lock; a failure becomes a NetworkError that says what to do."""
    try:
        return subprocess.run(
            [program, "-w", *args], input=input, capture_output=True, text=True, check=check
        )
    except FileNotFoundError as error:
        raise NetworkError(f"{program} is missing: install Debian's iptables package") \
            from error
    except subprocess.CalledProcessError as error:
        raise NetworkError(
            f"{program} {' '.join(args)} failed: {error.stderr.strip()} "
            "(the hub must run as root to protect the host from learner containers)"
        ) from error


def chain_name(bridge: str) -> str:
    """One iptables chain per learner bridge (iptables names are at most 28 characters)."""
    return ("DCD-" + bridge)[:28]


@contextlib.contextmanager
def firewall_lock(settings: PlatformSettings):
    """One writer of the chain at a time, across processes (`decoder up`, the hub's spawner,
    the formgrader's launcher): flush-then-append by two at once interleaved their rules, a
    REJECT landing before an open port (seen by the read-back check)."""
    path = settings.path("run", f"firewall-{settings.learner_bridge}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_firewall(settings: PlatformSettings, open_ports: Sequence[int]) -> None:
    """(Re)write our chain and hook it first in INPUT for the learner bridge. Idempotent."""
    with firewall_lock(settings):
        _write_firewall(settings, open_ports)


def restore_text(chain: str, rules: list[list[str]]) -> str:
    """iptables-restore's input replacing ``chain``'s rules in one commit (pure). Run with
    --noflush, the rest of the table is kept, and the declared chain is emptied and filled in
    the same transaction: never seen empty (everything accepted) or half-written, as it was
    for a moment between a flush and the appends."""
    for rule in rules:
        if any(not part or any(c.isspace() or c in "\"'#" for c in part) for part in rule):
            raise NetworkError(f"a firewall rule part cannot be written: {rule!r}")
    return "\n".join(["*filter", f":{chain} - [0:0]",
                      *(" ".join(["-A", chain, *rule]) for rule in rules), "COMMIT", ""])


def _write_firewall(settings: PlatformSettings, open_ports: Sequence[int]) -> None:
    chain = chain_name(settings.learner_bridge)
    _iptables("--noflush", program="iptables-restore",
              input=restore_text(chain, firewall_rules(settings.gateway_ip, open_ports)))
    hook = ["INPUT", "-i", settings.learner_bridge, "-j", chain]
    if _iptables("-C", *hook, check=False).returncode != 0:
        _iptables("-I", *hook)


def open_ports(settings: PlatformSettings) -> list[int]:
    """Host ports learner containers may reach: the hub and the course service."""
    return [settings.hub_port, settings.course_service_port]


def rule_problems(rules: list[list[str]], gateway: str, ports: Sequence[int]) -> list[str]:
    """What is wrong with the chain's rules as ``iptables -S`` lists them (pure): it must
    accept replies and the open ports on the gateway only, then refuse everything else."""
    if not rules or "REJECT" not in rules[-1] and "DROP" not in rules[-1]:
        return ["the chain does not end by refusing what is not open"]
    problems, opened = [], set()
    for rule in rules[:-1]:
        target = rule[rule.index("-j") + 1] if "-j" in rule else "?"
        if target != "ACCEPT":
            problems.append(f"unexpected rule {' '.join(rule)!r}")
        elif "--ctstate" in rule:
            states = set(rule[rule.index("--ctstate") + 1].split(","))
            if not states <= {"ESTABLISHED", "RELATED"}:
                problems.append(f"accepts new connections: {' '.join(rule)!r}")
        elif "--dport" in rule and "-d" in rule and \
                rule[rule.index("-d") + 1].split("/")[0] == gateway:
            opened.add(int(rule[rule.index("--dport") + 1]))
        else:
            problems.append(f"accepts too much: {' '.join(rule)!r}")
    if opened - set(ports):
        problems.append(f"ports {sorted(opened - set(ports))} are open and should not be")
    if set(ports) - opened:
        problems.append(f"ports {sorted(set(ports) - opened)} should be open for learners")
    return problems


def firewall_problems(settings: PlatformSettings) -> list[str]:
    """The learner bridge's firewall as the kernel has it now, checked (not only written)."""
    chain = chain_name(settings.learner_bridge)
    listed = _iptables("-S", chain, check=False)
    if listed.returncode != 0:
        return [f"iptables chain {chain} is missing"]
    rules = [line.split()[2:] for line in listed.stdout.splitlines() if line.startswith("-A ")]
    problems = rule_problems(rules, settings.gateway_ip, open_ports(settings))
    if _iptables("-C", "INPUT", "-i", settings.learner_bridge, "-j", chain,
                 check=False).returncode != 0:
        problems.append(f"INPUT does not send the bridge {settings.learner_bridge} to {chain}")
    return problems


def ensure_learner_network(client: docker.APIClient, settings: PlatformSettings) -> None:
    """Create the network and write its firewall, then read the firewall back: refuse to go on
    with a firewall that is not in place."""
    ensure_network(client, settings)
    with firewall_lock(settings):
        _write_firewall(settings, open_ports(settings))
        problems = firewall_problems(settings)
    if problems:
        raise NetworkError("the learner network's firewall is not in place: "
                           + "; ".join(problems))


def remove_default_route(container_pid: int) -> None:
    """Delete the default route inside a running container's network namespace (from the host;
    the container itself has no capability to change its routes)."""
    if not container_pid:
        raise NetworkError("the learner container is not running; cannot remove its route out")
    result = subprocess.run(
        ["nsenter", f"--net=/proc/{container_pid}/ns/net", "ip", "route", "show", "default"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise NetworkError(f"cannot read the container's routes: {result.stderr.strip()} "
                           "(the hub must run as root, with util-linux and iproute2)")
    if result.stdout.strip():
        subprocess.run(
            ["nsenter", f"--net=/proc/{container_pid}/ns/net", "ip", "route", "del", "default"],
            capture_output=True, text=True, check=True,
        )
