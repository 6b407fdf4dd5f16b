"""A learner's server hardening, defined once, and how each engine says it.

``RULES`` names each rule. For every rule there is one fragment per engine (``docker_rules``,
``kubernetes_rules``: pure) and one check per engine of the object the engine really got (a
container as ``docker inspect`` shows it, a pod manifest), so a rule cannot exist on one engine
and not the other: tests/unit/test_hardening.py checks that the tables name the same rules (a
rule no pod can say is checked on the cluster instead), and that each check fails on an object
built without its rule.

What an engine cannot say in a pod or a container is a requirement on the cluster (Kubernetes
has no per-pod process limit: the kubelet's ``podPidsLimit`` is one; no NetworkPolicy without a
network plugin that enforces it), checked by ``decoder kube check`` (decoder/ops/kubecluster.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jupyterhub.traitlets import ByteSpecification

RULES = {
    "non_root": "the server runs as the learner's user (uid 1000), never root",
    "no_privilege_escalation": "no process gains privileges (setuid, file capabilities)",
    "no_capabilities": "every Linux capability dropped",
    "read_only_root": "the image's files are read-only; only the home and /tmp are writable",
    "tmp_in_memory": "/tmp is memory-backed, limited in size, gone with the server",
    "memory_limit": "a hard memory limit, no swap beyond it",
    "cpu_limit": "at most cpu_limit cores",
    "process_limit": "at most pids_limit processes and threads (fork bombs stop there)",
    "seccomp": "the engine's default system-call filter",
    "own_namespaces": "no host namespace (network, processes, IPC), no engine credentials",
    "init": "a process reaping orphans, so that zombies do not pile up to the limit",
    "network": "reaches the hub and the course service only: no other learner, host or "
               "cloud metadata",
}

UID = GID = 1000  # jovyan, images/lab/Dockerfile
# the numbers a platform may change, as the spawners' settings write them
DEFAULT_MEM_LIMIT = "1G"
DEFAULT_CPU_LIMIT = 1.0
DEFAULT_PIDS_LIMIT = 256
DEFAULT_TMP_SIZE = "256m"


def memory_bytes(limit: str | int | None) -> int:
    """A memory limit in bytes, written as the spawners take it ('1G', bytes, or None for
    the default) (pure)."""
    limit = limit or DEFAULT_MEM_LIMIT
    return ByteSpecification().validate(None, limit) if isinstance(limit, str) else int(limit)


@dataclass(frozen=True)
class Hardening:
    """The numbers a platform chooses; every other rule is fixed."""

    mem_limit: int = memory_bytes(DEFAULT_MEM_LIMIT)
    cpu_limit: float = DEFAULT_CPU_LIMIT
    pids_limit: int = DEFAULT_PIDS_LIMIT
    tmp_size: str = DEFAULT_TMP_SIZE
    read_only_root: bool = True


def hardening_of(mem_limit, cpu_limit, pids_limit: int, tmp_size: str,
                 read_only_root: bool = True) -> Hardening:
    """A Hardening from spawner settings (a memory limit may be written '1G')."""
    return Hardening(memory_bytes(mem_limit), float(cpu_limit or DEFAULT_CPU_LIMIT),
                     int(pids_limit), tmp_size, bool(read_only_root))


# ---- Docker: a container's create options and host config ----

@dataclass
class DockerPart:
    host_config: dict = field(default_factory=dict)
    create: dict = field(default_factory=dict)  # docker create's own options (user)


CPU_PERIOD = 100_000  # DockerSpawner's own period for cpu_limit


def docker_rules(h: Hardening) -> dict[str, DockerPart]:
    return {
        "non_root": DockerPart(create={"user": f"{UID}:{GID}"}),
        "no_privilege_escalation": DockerPart({"security_opt": ["no-new-privileges:true"]}),
        "no_capabilities": DockerPart({"cap_drop": ["ALL"]}),
        "read_only_root": DockerPart({"read_only": h.read_only_root}),
        "tmp_in_memory": DockerPart({"tmpfs": {"/tmp": f"rw,nosuid,nodev,size={h.tmp_size}"}}),
        # memswap equal to the memory limit: no swap beyond it
        "memory_limit": DockerPart({"mem_limit": h.mem_limit, "memswap_limit": h.mem_limit}),
        "cpu_limit": DockerPart({"cpu_period": CPU_PERIOD,
                                 "cpu_quota": int(h.cpu_limit * CPU_PERIOD)}),
        "process_limit": DockerPart({"pids_limit": h.pids_limit}),
        # Docker applies its default profile unless a security option says otherwise;
        # spawner.weakenings refuses 'seccomp=unconfined'
        "seccomp": DockerPart(),
        "own_namespaces": DockerPart({"ipc_mode": "private"}),
        "init": DockerPart({"init": True}),
        # the learner network and its firewall (decoder/hub/network.py); no IPv6 inside, the
        # firewall's rules being IPv4 rules
        "network": DockerPart({"sysctls": {"net.ipv6.conf.all.disable_ipv6": "1",
                                           "net.ipv6.conf.default.disable_ipv6": "1"}}),
    }


def docker_host_config(h: Hardening) -> dict:
    merged: dict = {}
    for part in docker_rules(h).values():
        merged.update(part.host_config)
    return merged


def docker_create_options(h: Hardening) -> dict:
    merged: dict = {}
    for part in docker_rules(h).values():
        merged.update(part.create)
    return merged


def _host(inspect: dict) -> dict:
    return inspect.get("HostConfig") or {}


def _tmpfs_size(options: str) -> str | None:
    sizes = [o.split("=", 1)[1] for o in options.split(",") if o.startswith("size=")]
    return sizes[0] if sizes else None


DOCKER_CHECKS: dict[str, Callable[[dict, Hardening], bool]] = {
    "non_root": lambda c, h: (c.get("Config") or {}).get("User") == f"{UID}:{GID}",
    "no_privilege_escalation": lambda c, h: "no-new-privileges:true" in (
        _host(c).get("SecurityOpt") or []) and not _host(c).get("Privileged"),
    "no_capabilities": lambda c, h: [x.upper() for x in _host(c).get("CapDrop") or []] == [
        "ALL"] and not _host(c).get("CapAdd"),
    "read_only_root": lambda c, h: _host(c).get("ReadonlyRootfs") is h.read_only_root,
    "tmp_in_memory": lambda c, h: _tmpfs_size((_host(c).get("Tmpfs") or {}).get("/tmp", ""))
    == h.tmp_size,
    "memory_limit": lambda c, h: 0 < (_host(c).get("Memory") or 0) <= h.mem_limit
    and _host(c).get("MemorySwap") == _host(c)["Memory"],
    "cpu_limit": lambda c, h: (_host(c).get("CpuQuota") or 0) > 0 and _host(c)["CpuQuota"]
    / (_host(c).get("CpuPeriod") or CPU_PERIOD) <= h.cpu_limit,
    "process_limit": lambda c, h: 0 < (_host(c).get("PidsLimit") or 0) <= h.pids_limit,
    "seccomp": lambda c, h: not any("unconfined" in o for o in _host(c).get("SecurityOpt")
                                    or []),
    "own_namespaces": lambda c, h: _host(c).get("IpcMode") == "private"
    and _host(c).get("PidMode", "") == "" and _host(c).get("UTSMode", "") == ""
    and not any("docker.sock" in b for b in _host(c).get("Binds") or []),
    "init": lambda c, h: _host(c).get("Init") is True,
    "network": lambda c, h: (_host(c).get("Sysctls") or {}).get(
        "net.ipv6.conf.all.disable_ipv6") == "1"
    and _host(c).get("NetworkMode") not in ("host", "bridge", "default"),
}


def container_problems(inspect: dict, h: Hardening) -> list[str]:
    """The rules a container (as ``docker inspect`` shows it) does not keep (pure)."""
    return [f"{name}: {RULES[name]}" for name, check in DOCKER_CHECKS.items()
            if not check(inspect, h)]


# ---- Kubernetes: KubeSpawner's settings, and what the cluster must do ----

@dataclass
class KubePart:
    spawner: dict = field(default_factory=dict)  # KubeSpawner traits (dicts are merged)
    cluster: tuple[str, ...] = ()  # requirements checked by `decoder kube check`


def kubernetes_rules(h: Hardening, mem_guarantee: int) -> dict[str, KubePart]:
    """``mem_guarantee`` is what the scheduler reserves per server (the limit divided by the
    platform's memory_overcommit: its admission on measured use)."""
    tmp_bytes = ByteSpecification().validate(None, h.tmp_size.upper().rstrip("B"))
    return {
        "non_root": KubePart({"uid": UID, "gid": GID, "fs_gid": GID,
                              "container_security_context": {
                                  "runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID}}),
        "no_privilege_escalation": KubePart({
            "privileged": False, "allow_privilege_escalation": False,
            "container_security_context": {"privileged": False,
                                           "allowPrivilegeEscalation": False}}),
        "no_capabilities": KubePart({"container_security_context": {
            "capabilities": {"drop": ["ALL"]}}}),
        "read_only_root": KubePart({"container_security_context": {
            "readOnlyRootFilesystem": h.read_only_root}}),
        "tmp_in_memory": KubePart({
            "volumes": {"tmp": {"name": "tmp", "emptyDir": {"medium": "Memory",
                                                            "sizeLimit": str(tmp_bytes)}}},
            "volume_mounts": {"tmp": {"name": "tmp", "mountPath": "/tmp"}}}),
        "memory_limit": KubePart({"mem_limit": h.mem_limit, "mem_guarantee": mem_guarantee},
                                 ("swap: the nodes give pods no swap (kubelet "
                                  "memorySwap.swapBehavior NoSwap, the default)",)),
        "cpu_limit": KubePart({"cpu_limit": h.cpu_limit}),
        "process_limit": KubePart(cluster=(
            f"pids: the kubelet's podPidsLimit is set, at most {h.pids_limit}",)),
        "seccomp": KubePart({"pod_security_context": {
            "seccompProfile": {"type": "RuntimeDefault"}}}),
        "own_namespaces": KubePart({
            "automount_service_account_token": False,
            "extra_pod_config": {"hostNetwork": False, "hostPID": False, "hostIPC": False}}),
        # the pod's pause process is PID 1 and reaps orphans
        "init": KubePart({"extra_pod_config": {"shareProcessNamespace": True}}),
        "network": KubePart(cluster=(
            "network policies: the network plugin enforces NetworkPolicy (the learners' "
            "policy: deploy/kubernetes/learner-network-policy.yaml)",)),
    }


def merge_settings(parts) -> dict:
    """KubeSpawner trait values from rule fragments, dicts merged one level deep (pure)."""
    merged: dict = {}
    for part in parts:
        for key, value in part.spawner.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def kubernetes_settings(h: Hardening, mem_guarantee: int) -> dict:
    return merge_settings(kubernetes_rules(h, mem_guarantee).values())


def cluster_requirements(h: Hardening) -> list[str]:
    return [need for part in kubernetes_rules(h, 0).values() for need in part.cluster]


def _container(pod: dict) -> dict:
    return (pod.get("spec", {}).get("containers") or [{}])[0]


def _csc(pod: dict) -> dict:
    return _container(pod).get("securityContext") or {}


def _limits(pod: dict) -> dict:
    return (_container(pod).get("resources") or {}).get("limits") or {}


def _quantity(value) -> float:
    """A Kubernetes quantity ('1073741824', '1G', '500m', 1.0) as a number (pure)."""
    text = str(value)
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    units = {"K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "Ki": 2 ** 10, "Mi": 2 ** 20,
             "Gi": 2 ** 30}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def _tmp_volume(pod: dict) -> dict:
    mounted = [m["name"] for m in _container(pod).get("volumeMounts") or []
               if m.get("mountPath") == "/tmp"]
    volumes = [v for v in pod.get("spec", {}).get("volumes") or [] if v["name"] in mounted]
    return volumes[0] if volumes else {}


POD_CHECKS: dict[str, Callable[[dict, Hardening], bool]] = {
    "non_root": lambda p, h: _csc(p).get("runAsNonRoot") is True
    and _csc(p).get("runAsUser") == UID,
    "no_privilege_escalation": lambda p, h: _csc(p).get("allowPrivilegeEscalation") is False
    and not _csc(p).get("privileged"),
    "no_capabilities": lambda p, h: (_csc(p).get("capabilities") or {}).get("drop") == ["ALL"]
    and not (_csc(p).get("capabilities") or {}).get("add"),
    "read_only_root": lambda p, h: _csc(p).get("readOnlyRootFilesystem") is h.read_only_root,
    "tmp_in_memory": lambda p, h: (_tmp_volume(p).get("emptyDir") or {}).get("medium")
    == "Memory" and "sizeLimit" in (_tmp_volume(p).get("emptyDir") or {}),
    "memory_limit": lambda p, h: "memory" in _limits(p)
    and _quantity(_limits(p)["memory"]) <= h.mem_limit,
    "cpu_limit": lambda p, h: "cpu" in _limits(p) and _quantity(_limits(p)["cpu"]) <= h.cpu_limit,
    "seccomp": lambda p, h: ((p["spec"].get("securityContext") or {}).get("seccompProfile")
                             or {}).get("type") == "RuntimeDefault"
    and (_csc(p).get("seccompProfile") or {}).get("type", "RuntimeDefault") == "RuntimeDefault",
    "own_namespaces": lambda p, h: not any(p["spec"].get(k) for k in (
        "hostNetwork", "hostPID", "hostIPC")) and p["spec"].get(
        "automountServiceAccountToken") is False,
    "init": lambda p, h: p["spec"].get("shareProcessNamespace") is True,
    # enforced by the NetworkPolicy: the pod must carry the label it selects
    "network": lambda p, h: (p.get("metadata", {}).get("labels") or {}).get("component")
    == "singleuser-server",
}


def pod_problems(pod: dict, h: Hardening) -> list[str]:
    """The rules a pod manifest (as the API takes it, camelCase) does not keep (pure). The
    process limit is not a pod's: the cluster's checks (decoder/ops/kubecluster.py) hold it."""
    return [f"{name}: {RULES[name]}" for name, check in POD_CHECKS.items() if not check(pod, h)]
