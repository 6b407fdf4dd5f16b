"""Kubernetes without a cluster (none can run on this machine): the learners' NetworkPolicy
judged by the NetworkPolicy API's rules against what a hostile learner would reach, the
cluster's side of the hardening checked on answers in the shape the API gives (written from
the API's reference and trimmed, in tests/data/kubernetes/; no live cluster recorded them),
and our chart values validated against Zero to JupyterHub's own schema, merged over its
defaults as Helm does."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from decoder.hub.hardening import Hardening
from decoder.ops.kubecluster import (
    CLUSTER_CHECKS,
    cluster_problems,
    learner_network_policy,
    policy_allows,
)
from decoder.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "kubernetes"
DEPLOY = PROJECT_ROOT / "deploy" / "kubernetes"
POLICY = learner_network_policy("decoder", 8082)
CHART = {"app": "jupyterhub", "release": "decoder"}
LEARNER = {"labels": {**CHART, "component": "singleuser-server"}, "namespace": "jhub",
           "ip": "10.244.1.17"}
HUB = {"labels": {**CHART, "component": "hub",
                  "hub.jupyter.org/network-access-singleuser": "true"},
       "namespace": "jhub", "ip": "10.244.2.3"}
PROXY = {"labels": {**CHART, "component": "proxy",
                    "hub.jupyter.org/network-access-singleuser": "true"},
         "namespace": "jhub", "ip": "10.244.2.4"}
COURSE = {"labels": {"app.kubernetes.io/name": "decoder-course-service"}, "namespace": "jhub",
          "ip": "10.244.3.9"}
DNS = {"labels": {"k8s-app": "kube-dns"}, "namespace": "kube-system",
       "namespace_labels": {"kubernetes.io/metadata.name": "kube-system"}, "ip": "10.244.0.2"}


def far(ip: str) -> dict:
    """Something that is no pod: a node, the cloud's metadata, the Internet."""
    return {"labels": None, "namespace": None, "ip": ip}


def out(to: dict, port, protocol="TCP", policy: dict = POLICY) -> bool:
    return policy_allows(policy, "egress", LEARNER, to, port, protocol)


def test_a_learner_reaches_the_hub_the_course_service_and_dns():
    assert out(HUB, 8081)
    assert out(COURSE, 8082)
    assert out(DNS, 53, "UDP") and out(DNS, 53, "TCP")


@pytest.mark.parametrize("target,port", [
    (LEARNER, 8888),  # another learner's server
    ({**LEARNER, "ip": "10.244.1.18"}, 22),
    (HUB, 8000), (HUB, 22),  # the hub's pod on another port
    (PROXY, 8000),  # the public proxy (Zero to JupyterHub's own policy lets this through)
    (COURSE, 5432),
    ({"labels": {"app": "postgresql"}, "namespace": "jhub", "ip": "10.244.3.2"}, 5432),
    ({**DNS, "labels": {"component": "kube-apiserver"}}, 6443),  # kube-system, not DNS's port
    (far("10.96.0.1"), 443),  # the Kubernetes API's Service
    (far("10.0.0.5"), 10250),  # a node's kubelet
    (far("169.254.169.254"), 80),  # the cloud's metadata (credentials)
    (far("1.1.1.1"), 443), (far("8.8.8.8"), 53),  # the Internet
])
def test_a_learner_reaches_nothing_else(target, port):
    assert not out(target, port, "UDP" if port == 53 else "TCP")


def test_only_the_hub_and_the_proxy_reach_a_learners_server():
    def into(source):
        return policy_allows(POLICY, "ingress", LEARNER, source, "notebook-port")
    assert into(HUB) and into(PROXY)
    assert not into(LEARNER) and not into(COURSE) and not into(far("10.0.0.5"))


@pytest.mark.parametrize("loosen", [
    lambda p: p["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}),
    lambda p: p["spec"]["egress"][0].pop("ports"),
    lambda p: p["spec"]["egress"][1]["to"][0]["podSelector"].update(matchLabels={}),
    lambda p: p["spec"]["policyTypes"].remove("Egress"),
    lambda p: p["spec"]["podSelector"]["matchLabels"].update(component="other"),
])
def test_a_loosened_policy_is_caught(loosen):
    """The judge above can fail: each loosening lets a learner reach something it must not."""
    loosened = copy.deepcopy(POLICY)
    loosen(loosened)
    assert any(out(target, port, policy=loosened) for target, port in [
        (LEARNER, 8888), (LEARNER, 8082), (HUB, 22), (far("169.254.169.254"), 80),
        (COURSE, 5432), (far("1.1.1.1"), 443)])


def test_the_policy_file_is_the_one_the_command_writes():
    shipped = yaml.safe_load((DEPLOY / "learner-network-policy.yaml").read_text())
    assert shipped == POLICY


def answers(daemonsets: str, *configz: str, claim: str | None = "pvc-homes.json") -> dict:
    read = lambda name: json.loads((DATA / name).read_text())  # noqa: E731
    return {"daemonsets": read(daemonsets),
            "configz": {f"node{i}": read(name) for i, name in enumerate(configz)},
            "home_claim": read(claim) if claim else None}


def test_a_cluster_that_keeps_the_rules_is_accepted():
    good = answers("daemonsets-calico.json", "configz-limited.json", "configz-limited.json")
    assert cluster_problems(good, Hardening(), "decoder-homes") == []


def test_a_cluster_whose_network_plugin_does_not_enforce_policies_is_refused():
    flannel = answers("daemonsets-flannel.json", "configz-limited.json")
    problems = cluster_problems(flannel, Hardening(), "decoder-homes")
    assert len(problems) == 1 and "NetworkPolicy" in problems[0] and "kube-flannel-ds" in \
        problems[0]


def test_nodes_without_a_process_limit_or_with_swap_are_refused():
    loose = answers("daemonsets-calico.json", "configz-limited.json", "configz-default.json")
    problems = cluster_problems(loose, Hardening(), "decoder-homes")
    assert any("podPidsLimit" in p and "node1" in p for p in problems)
    assert any("swap" in p and "node1" in p for p in problems)
    assert not any("node0" in p for p in problems)
    # a limit above the learners' is no limit for them
    assert CLUSTER_CHECKS["process_limit"](loose, Hardening(pids_limit=100))


def test_homes_must_be_shared_storage():
    single = answers("daemonsets-calico.json", "configz-limited.json")
    single["home_claim"]["spec"]["accessModes"] = ["ReadWriteOnce"]
    assert any("ReadWriteMany" in p for p in cluster_problems(single, Hardening(), "x"))
    missing = answers("daemonsets-calico.json", "configz-limited.json", claim=None)
    assert any("was not given" in p for p in cluster_problems(missing, Hardening(), "x"))


def test_decoder_kube_check_says_why_it_refuses(tmp_path):
    def check(*args):
        return subprocess.run(
            [sys.executable, "-m", "decoder.ops.cli", "kube", "check", *args], cwd=DATA,
            env={"PATH": "/usr/bin:/bin", "DECODER_DATA_DIR": str(tmp_path)},
            capture_output=True, text=True, timeout=120)
    refused = check("--daemonsets", "daemonsets-flannel.json", "--configz",
                    "n1=configz-default.json", "--home-claim", "pvc-homes.json")
    assert refused.returncode == 1
    assert refused.stdout.count("REFUSED") == 3, refused.stdout
    accepted = check("--daemonsets", "daemonsets-calico.json", "--configz",
                     "n1=configz-limited.json", "--home-claim", "pvc-homes.json")
    assert accepted.returncode == 0 and "calico-node" in accepted.stdout, accepted.stdout
    wrong = check("--daemonsets", "absent.json")
    assert wrong.returncode == 2 and "no such file" in wrong.stderr


# ---- the chart's values ----

def helm_merge(defaults: dict, given: dict) -> dict:
    """Values as Helm merges a values file over a chart's: maps merged, anything else
    replaced, null removing the key (pure)."""
    merged = dict(defaults)
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


SCHEMA = yaml.safe_load((DEPLOY / "z2jh" / "values.schema.yaml").read_text())
DEFAULTS = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())
VALUES = yaml.safe_load((DEPLOY / "values.yaml").read_text())


def test_our_values_are_valid_for_the_chart():
    jsonschema.validate(helm_merge(DEFAULTS, VALUES), SCHEMA)


@pytest.mark.parametrize("mistake", [
    lambda v: v["singleuser"].update(netwrkPolicy={"enabled": False}),  # a typo
    lambda v: v["singleuser"]["storage"].update(type="nfs"),  # not a storage type
    lambda v: v["cull"].update(timeout="une heure"),
])
def test_a_mistake_in_the_values_is_caught_by_the_schema(mistake):
    values = copy.deepcopy(VALUES)
    mistake(values)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(helm_merge(DEFAULTS, values), SCHEMA)


def test_the_values_run_our_spawner_with_the_same_home_and_numbers():
    hub, single = VALUES["hub"]["config"], VALUES["singleuser"]
    assert hub["JupyterHub"]["spawner_class"] == "decoder-kubernetes"
    entry = [line for line in (PROJECT_ROOT / "pyproject.toml").read_text().splitlines()
             if line.startswith("decoder-kubernetes")]
    assert entry == ['decoder-kubernetes = "decoder.hub.kube:DecoderKubeSpawner"']
    assert single["networkPolicy"]["enabled"] is False  # ours replaces the chart's
    assert single["storage"]["static"] == {"pvcName": "decoder-homes", "subPath": "{username}"}
    assert single["uid"] == 1000 and single["memory"]["limit"] == "1G"
    assert hub["DecoderKubeSpawner"]["pids_limit"] == Hardening().pids_limit
