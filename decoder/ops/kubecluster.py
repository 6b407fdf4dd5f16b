"""What a Kubernetes cluster must do for learners that a pod cannot say, and the learners'
NetworkPolicy.

- ``learner_network_policy``: the policy the cluster enforces for every learner pod (and review
  room): in from the hub and the proxy on the server's port; out to the hub's API, the course
  service and the cluster's DNS, nothing else (no other learner, no node, no cloud metadata, no
  Internet). It replaces Zero to JupyterHub's singleuser policy, which always lets a learner
  reach the proxy's public port: on Docker, learners reach the hub's API and the course service
  only, and both engines keep the same rule (decoder/hub/hardening.py's « network »).
- ``CLUSTER_CHECKS``: the hardening's rules the cluster keeps (process limit, no swap, a
  network plugin that enforces NetworkPolicy), checked on the API's answers the operator saves
  with kubectl (``decoder kube check``, docs/operating.md): no Kubernetes client in the
  platform, and the check reads exactly what the cluster said.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from ..hub.hardening import Hardening

HUB_API_PORT = 8081  # Zero to JupyterHub's hub Service
# NetworkPolicy is enforced by these plugins (their DaemonSets' names); flannel, and the
# plugins of managed clusters with policies switched off, do not enforce it
ENFORCING_PLUGINS = ("calico-node", "cilium", "antrea-agent", "kube-router", "weave-net",
                     "canal")


def learner_network_policy(release: str, course_service_port: int) -> dict:
    """The learners' NetworkPolicy for a Zero to JupyterHub release named ``release`` (pure)."""
    chart = {"app": "jupyterhub", "release": release}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "decoder-learners",
                     "labels": {"app.kubernetes.io/part-of": "decoder"}},
        "spec": {
            "podSelector": {"matchLabels": {**chart, "component": "singleuser-server"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{
                "from": [{"podSelector": {"matchLabels": {
                    "hub.jupyter.org/network-access-singleuser": "true"}}}],
                "ports": [{"port": "notebook-port", "protocol": "TCP"}]}],
            "egress": [
                {"to": [{"podSelector": {"matchLabels": {**chart, "component": "hub"}}}],
                 "ports": [{"port": HUB_API_PORT, "protocol": "TCP"}]},
                {"to": [{"podSelector": {"matchLabels": {
                    "app.kubernetes.io/name": "decoder-course-service"}}}],
                 "ports": [{"port": course_service_port, "protocol": "TCP"}]},
                {"to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": "kube-system"}}}],
                 "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
            ],
        },
    }


# ---- what a policy lets through (for the tests and `decoder kube check`'s own sake) ----

def _labels_match(selector: dict, labels: dict) -> bool:
    if selector.get("matchExpressions"):
        return False  # not used by our policy: refuse to guess
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _peer_matches(peer: dict, other: dict, namespace: str) -> bool:
    """``other``: {'labels', 'namespace', 'namespace_labels', 'ip'} of the far end."""
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other["ip"])
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cut) for cut in block.get("except") or [])
    if "namespaceSelector" in peer:
        if not _labels_match(peer["namespaceSelector"], other.get("namespace_labels") or {}):
            return False
    elif other.get("namespace") != namespace:
        return False  # a podSelector alone: pods of the policy's namespace
    return "podSelector" not in peer or (
        other.get("labels") is not None and _labels_match(peer["podSelector"], other["labels"]))


def _port_matches(ports: list | None, port: int | str, protocol: str) -> bool:
    return not ports or any(p.get("port") in (None, port) and p.get("protocol", "TCP")
                            == protocol for p in ports)


def policy_allows(policy: dict, direction: str, pod: dict, other: dict, port: int | str,
                  protocol: str = "TCP", namespace: str = "jhub") -> bool:
    """Whether ``policy`` lets ``pod`` (its labels) talk to ``other`` ('egress') or ``other``
    talk to ``pod`` ('ingress') on ``port``, as the NetworkPolicy API defines it (pure). A pod
    the policy does not select is not restricted by it."""
    spec = policy["spec"]
    if not _labels_match(spec["podSelector"], pod["labels"]):
        return True
    kind = "Egress" if direction == "egress" else "Ingress"
    if kind not in spec.get("policyTypes", ["Ingress"]):
        return True
    peers_key = "to" if direction == "egress" else "from"
    for rule in spec.get(direction) or []:
        peers = rule.get(peers_key)
        if (not peers or any(_peer_matches(p, other, namespace) for p in peers)) and \
                _port_matches(rule.get("ports"), port, protocol):
            return True
    return False


# ---- the cluster's side of the hardening, from the API's answers ----

def _nodes(answers: dict) -> dict:
    return answers.get("configz") or {}


def _kubelet(answer: dict) -> dict:
    return answer.get("kubeletconfig") or {}


def pids_problem(answers: dict, h: Hardening) -> str | None:
    loose = {node: _kubelet(a).get("podPidsLimit", -1) for node, a in _nodes(answers).items()}
    loose = {n: v for n, v in loose.items() if not 0 < v <= h.pids_limit}
    if not _nodes(answers):
        return "no node's kubelet configuration was given (kubectl get --raw " \
               "/api/v1/nodes/NODE/proxy/configz)"
    if loose:
        return (f"nodes {sorted(loose)} let a pod run {sorted(set(loose.values()))} processes "
                f"(-1: no limit): set the kubelet's podPidsLimit to at most {h.pids_limit}")
    return None


def swap_problem(answers: dict, h: Hardening) -> str | None:
    swapping = sorted(node for node, a in _nodes(answers).items()
                      if not _kubelet(a).get("failSwapOn", True)
                      and (_kubelet(a).get("memorySwap") or {}).get("swapBehavior", "NoSwap")
                      not in ("", "NoSwap"))
    if swapping:
        return (f"nodes {swapping} let pods swap beyond their memory limit: set the kubelet's "
                "memorySwap.swapBehavior to NoSwap")
    return None


def network_plugin(answers: dict) -> tuple[list[str], list[str]]:
    """(the enforcing plugins found, every DaemonSet of kube-system and CNI namespaces) from
    the DaemonSets' list (pure)."""
    names = [item["metadata"]["name"] for item in
             (answers.get("daemonsets") or {}).get("items", [])]
    enforcing = [n for n in names if any(n == p or n.startswith(p + "-")
                                         for p in ENFORCING_PLUGINS)]
    return enforcing, names


def network_problem(answers: dict, h: Hardening) -> str | None:
    enforcing, names = network_plugin(answers)
    if not enforcing:
        return ("no network plugin that enforces NetworkPolicy runs in this cluster (its "
                f"DaemonSets: {', '.join(names) or 'none given'}): without one, learners' pods "
                "reach every pod, node and the cloud's metadata. Install Calico, Cilium or "
                "Antrea (or turn network policies on in the managed cluster) first")
    return None


CLUSTER_CHECKS: dict[str, Callable[[dict, Hardening], str | None]] = {
    "process_limit": pids_problem,
    "memory_limit": swap_problem,
    "network": network_problem,
}


def home_problem(answers: dict, claim: str) -> str | None:
    """Homes on shared storage: the claim exists, is bound, and many nodes may mount it."""
    pvc = answers.get("home_claim")
    if not pvc:
        return f"the homes' claim {claim!r} was not given (kubectl get pvc {claim} -o json)"
    modes = pvc.get("spec", {}).get("accessModes") or []
    problems = []
    if "ReadWriteMany" not in modes:
        problems.append(f"its access modes are {modes}, learners' pods on several nodes need "
                        "ReadWriteMany (NFS or equivalent)")
    if pvc.get("status", {}).get("phase") != "Bound":
        problems.append(f"it is {pvc.get('status', {}).get('phase', 'not bound')}")
    return f"the homes' claim {claim!r}: " + "; ".join(problems) if problems else None


def cluster_problems(answers: dict, h: Hardening, claim: str) -> list[str]:
    found = [check(answers, h) for check in CLUSTER_CHECKS.values()]
    return [problem for problem in [*found, home_problem(answers, claim)] if problem]
