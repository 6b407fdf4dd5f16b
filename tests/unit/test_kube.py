"""Learners on Kubernetes: the pod DecoderKubeSpawner makes, built by KubeSpawner's own object
builder (make_pod, through get_pod_manifest), keeps every rule of the hardening the Docker
spawner keeps. No Kubernetes runs on this machine: nothing here talks to a cluster (the
spawner is KubeSpawner's mock, which skips its API client); what a cluster must do besides is
tests/unit/test_kubecluster.py's."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest
from kubernetes_asyncio.config import kube_config
from tornado import web
from traitlets.config import Config

from decoder.hub import hardening
from decoder.hub.hardening import RULES, pod_problems
from decoder.hub.kube import DecoderKubeSpawner, api_dict
from decoder.schedule import Run
from decoder.service.runs import open_runs
from decoder.settings import PROJECT_ROOT, process_settings

# Zero to JupyterHub's storage: one claim, a sub-folder per learner (singleuser.storage static)
CHART = {"volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": "decoder-homes"}}],
         "volume_mounts": [{"name": "home", "mountPath": "/home/jovyan",
                            "subPath": "{username}"}],
         "common_labels": {"app": "jupyterhub", "release": "decoder"},
         "image": "registry.example.org/decoder/lab:2026-12"}


# KubeSpawner reads a client configuration when it is made; this one names no cluster, and
# nothing here connects to it
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: jhub}}]
current-context: none
"""


@pytest.fixture(autouse=True)
def platform(tmp_path, monkeypatch):
    """The hub's settings as the spawner reads them, with a run under way."""
    config = tmp_path / "decoder_config.py"
    config.write_text(f"c.PlatformSettings.data_dir = {str(tmp_path)!r}\n"
                      f"c.PlatformSettings.course_file = "
                      f"{str(PROJECT_ROOT / 'course' / 'course.toml')!r}\n")
    monkeypatch.setenv("DECODER_CONFIG", str(config))
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))
    process_settings.cache_clear()
    (tmp_path / "course-service").mkdir()
    open_runs(process_settings().course_db_url).start(
        Run("automne", dt.date.today() - dt.timedelta(days=8)))
    yield
    process_settings.cache_clear()


def spawner(name: str = "alice", groups=(), **configured) -> DecoderKubeSpawner:
    config = Config()
    for key, value in {**CHART, **configured}.items():
        setattr(config.DecoderKubeSpawner, key, value)
    user = SimpleNamespace(name=name, id=7, url=f"/user/{name}/", groups=list(groups))
    hub = SimpleNamespace(public_host="", url="http://hub:8081/hub/", base_url="/",
                          api_url="http://hub:8081/hub/api")
    return DecoderKubeSpawner(_mock=True, user=user, hub=hub, config=config)


def pod_of(name: str = "alice", groups=(), **configured) -> dict:
    """The pod manifest of ``name``'s server, built in an event loop as the hub does."""
    async def build():
        return await spawner(name, groups, **configured).get_pod_manifest()
    return api_dict(asyncio.run(build()))


def test_a_learners_pod_keeps_every_rule():
    pod = pod_of()
    assert pod_problems(pod, hardening.Hardening()) == []
    container, spec = pod["spec"]["containers"][0], pod["spec"]
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True and context["runAsUser"] == 1000
    assert context["allowPrivilegeEscalation"] is False and context["privileged"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert spec["shareProcessNamespace"] is True
    limits, requests = container["resources"]["limits"], container["resources"]["requests"]
    assert (limits["memory"], limits["cpu"]) == (2 ** 30, 1.0)
    # admitted on measured use, as on Docker: the scheduler reserves limit / memory_overcommit
    assert requests["memory"] == 2 ** 30 // 8
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert mounts["/home/jovyan"]["subPath"] == "alice"  # the chart's home, kept
    assert volumes[mounts["/tmp"]["name"]]["emptyDir"] == {"medium": "Memory",
                                                           "sizeLimit": str(256 * 2 ** 20)}
    assert pod["metadata"]["labels"]["component"] == "singleuser-server"


def test_the_pod_carries_the_same_environment_as_on_docker():
    env = {e["name"]: e.get("value") for e in pod_of()["spec"]["containers"][0]["env"]}
    assert env["DECODER_LESSONS"].split()  # the open weeks' lessons of the run under way
    assert "DECODER_COURSE_URL" in env and "DECODER_STAFF" not in env
    staff = pod_of("karim", groups=[SimpleNamespace(name="instructors")])
    assert {e["name"]: e.get("value") for e in staff["spec"]["containers"][0]["env"]}[
        "DECODER_STAFF"] == "1"


def test_a_review_room_has_a_memory_home_and_no_learners_claim():
    pod = pod_of("relecture-1")  # a review room's account (roles.py)
    assert pod_problems(pod, hardening.Hardening()) == []
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["DECODER_LESSONS"] == "" and "DECODER_COURSE_URL" not in env
    mounts = {m["mountPath"]: m for m in pod["spec"]["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes[mounts["/home/jovyan"]["name"]]["emptyDir"]["medium"] == "Memory"
    assert not any("persistentVolumeClaim" in v for v in volumes.values())


# an operator's setting that would undo each rule the spawner sets itself
UNDOING = {
    "non_root": {"uid": 0, "container_security_context": {"runAsNonRoot": False}},
    "no_privilege_escalation": {"allow_privilege_escalation": True, "privileged": True},
    "no_capabilities": {"container_security_context": {"capabilities": {"add": ["NET_ADMIN"]}}},
    "read_only_root": {"container_security_context": {"readOnlyRootFilesystem": False}},
    "tmp_in_memory": {},  # KubeSpawner mounts nothing on /tmp by itself
    # no limit configured: the hardening's default (1 GiB, one core) still holds
    "memory_limit": {"mem_limit": None},
    "cpu_limit": {"cpu_limit": None},
    "seccomp": {},  # KubeSpawner sets no profile by itself
    "own_namespaces": {"extra_pod_config": {"hostNetwork": True}},
    "init": {},
}


@pytest.mark.parametrize("rule", sorted(UNDOING))
def test_the_spawner_keeps_each_rule_over_the_operators_settings(rule, monkeypatch):
    assert pod_problems(pod_of(**UNDOING[rule]), hardening.Hardening()) == []
    # with the spawner's rule taken away, the operator's setting shows and the check says so
    rules = hardening.kubernetes_rules
    monkeypatch.setattr(hardening, "kubernetes_rules", lambda h, g: {
        name: part for name, part in rules(h, g).items() if name != rule})
    with pytest.raises(web.HTTPError):
        pod_of(**UNDOING[rule])


def test_every_pod_rule_is_one_the_spawner_sets():
    said = {name for name, part in hardening.kubernetes_rules(hardening.Hardening(), 0).items()
            if part.spawner}
    assert said == set(UNDOING) == set(hardening.POD_CHECKS) - {"network"}
    assert set(RULES) - said == {"process_limit", "network"}  # the cluster's (kubecluster)


@pytest.mark.parametrize("undoing", [
    {"extra_container_config": {"securityContext": {"privileged": True}}},
    {"extra_pod_config": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}},
    {"component_label": "not-a-learner"},  # the learners' NetworkPolicy would not select it
])
def test_a_pod_undone_by_configuration_is_refused_before_it_is_created(undoing):
    with pytest.raises(web.HTTPError) as refused:
        pod_of(**undoing)
    assert refused.value.status_code == 500
