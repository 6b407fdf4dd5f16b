"""Our own services on Kubernetes without a cluster (none can run on this machine): the
Deployments of the course service and the formgrader built as the API takes them and checked
against the hardening's rules, their NetworkPolicies judged by the NetworkPolicy API's rules,
and the chart's hub configured by the values file's own ``hub.extraConfig`` (run here on the
values' own environment) so that the hub and our pods agree on names, ports and tokens."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import sys

import pytest
import yaml
from traitlets.config import Config

from decoder.hub.formgrader import container_spec
from decoder.hub.hardening import Hardening, memory_bytes, pod_problems
from decoder.hub.hubconfig import configure_hub, hub_roles
from decoder.hub.kube import api_dict
from decoder.ops.kubecluster import learner_network_policy, policy_allows
from decoder.ops.kubecommand import services_yaml
from decoder.ops.kubeservices import (
    COURSE_NAME,
    FORMGRADER_NAME,
    QUEUE_NAME,
    Site,
    hub_token_environment,
    manifests,
    site_environment,
)
from decoder.settings import PROJECT_ROOT, PlatformSettings

DEPLOY = PROJECT_ROOT / "deploy" / "kubernetes"
SITE = Site()
SHIPPED = list(yaml.safe_load_all((DEPLOY / "decoder-services.yaml").read_text()))
VALUES = yaml.safe_load((DEPLOY / "values.yaml").read_text())
SECRETS = {("decoder-service-tokens", "course"): "jeton-du-cours",
           ("decoder-service-tokens", "formgrader"): "jeton-du-formgrader"}


def of_kind(kind: str, name: str) -> dict:
    return next(m for m in manifests(SITE) if m["kind"] == kind and m["metadata"]["name"] == name)


def container(name: str) -> dict:
    return of_kind("Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def env_of(name: str) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(name)["env"]}


def resolved(value) -> str:
    """An environment entry as the pod sees it (a Secret's key read from SECRETS)."""
    if isinstance(value, dict):
        ref = value["valueFrom"]["secretKeyRef"] if "valueFrom" in value else \
            value["secretKeyRef"]
        return SECRETS[(ref["name"], ref["key"])]
    return str(value)


def test_the_shipped_file_is_the_one_the_command_writes():
    assert SHIPPED == manifests(SITE)
    assert (DEPLOY / "decoder-services.yaml").read_text() == services_yaml(SITE)
    written = subprocess.run([sys.executable, "-m", "decoder.ops.cli", "kube", "services"],
                             capture_output=True, text=True, check=True, env={"PATH": ""})
    assert written.stdout == services_yaml(SITE)


@pytest.mark.parametrize("name", [COURSE_NAME, FORMGRADER_NAME])
def test_our_pods_keep_the_learners_hardening(name):
    """Every rule a learner's pod keeps (decoder/hub/hardening.py), but the learners' network
    label: our pods have policies of their own (below)."""
    pod = copy.deepcopy(of_kind("Deployment", name)["spec"]["template"])
    limit = memory_bytes(container(name)["resources"]["limits"]["memory"].rstrip("i"))
    problems = pod_problems(pod, Hardening(mem_limit=limit))
    assert [p.split(":")[0] for p in problems] == ["network"]
    assert not any("hostPath" in v for v in pod["spec"]["volumes"])


MODELS = {"Deployment": "V1Deployment", "Service": "V1Service", "NetworkPolicy": "V1NetworkPolicy",
          "PersistentVolumeClaim": "V1PersistentVolumeClaim"}


def read_by_the_api(manifest: dict) -> dict:
    """``manifest`` read into the Kubernetes API's own models (the client KubeSpawner uses)
    and written back: a field the API does not know, or of the wrong type, is lost."""
    from kubernetes_asyncio.client import ApiClient

    class Answer:
        data = json.dumps(manifest)

    async def read():
        async with ApiClient() as api:
            return api_dict(api.deserialize(Answer(), MODELS[manifest["kind"]]))
    return asyncio.run(read())


@pytest.mark.parametrize("manifest", [*manifests(SITE), learner_network_policy("decoder", 8082)],
                         ids=lambda m: f"{m['kind']}-{m['metadata']['name']}")
def test_every_manifest_is_one_the_kubernetes_api_reads_whole(manifest):
    assert read_by_the_api(manifest) == manifest


def test_a_misspelt_field_is_caught():
    deployment = copy.deepcopy(of_kind("Deployment", COURSE_NAME))
    context = deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context["readOnlyRootFileSystem"] = context.pop("readOnlyRootFilesystem")
    assert read_by_the_api(deployment) != deployment


def test_every_container_asks_no_more_than_its_limit():
    """The API refuses a request above its limit: the Deployment would never have a pod."""
    from decoder.hub.hardening import _quantity
    for manifest in manifests(SITE):
        if manifest["kind"] != "Deployment":
            continue
        spec = manifest["spec"]["template"]["spec"]
        for each in spec["containers"] + spec.get("initContainers", []):
            asked, limit = each["resources"]["requests"], each["resources"]["limits"]
            assert all(_quantity(asked[k]) <= _quantity(limit[k]) for k in asked), each["name"]


@pytest.mark.parametrize("undo", [
    lambda c, p: c["securityContext"].update(runAsNonRoot=False),
    lambda c, p: c["securityContext"].update(allowPrivilegeEscalation=True),
    lambda c, p: c["securityContext"]["capabilities"].update(add=["NET_ADMIN"]),
    lambda c, p: c["securityContext"].update(readOnlyRootFilesystem=False),
    lambda c, p: c["resources"]["limits"].pop("memory"),
    lambda c, p: p["spec"].update(automountServiceAccountToken=True),
])
def test_an_undone_rule_of_our_pods_is_caught(undo):
    pod = copy.deepcopy(of_kind("Deployment", COURSE_NAME)["spec"]["template"])
    undo(pod["spec"]["containers"][0], pod)
    assert len(pod_problems(pod, Hardening(mem_limit=2 ** 31))) > 1


CHART = {"app": "jupyterhub", "release": "decoder"}


def pod(component: str, ip: str) -> dict:
    return {"labels": {**CHART, "component": component}, "namespace": "jhub", "ip": ip}


LEARNER, HUB, PROXY = pod("singleuser-server", "10.244.1.17"), pod("hub", "10.244.2.3"), \
    pod("proxy", "10.244.2.4")
GRADING_HOST = {"labels": None, "namespace": None, "ip": "10.20.0.7"}
ELSEWHERE = {"labels": None, "namespace": None, "ip": "203.0.113.9"}


def reaches(source: dict, name: str, port: int) -> bool:
    """``source`` opens a connection to the pods of ``name`` on ``port``: their ingress
    policy lets it in, and a learner's own egress policy lets it out."""
    target = of_kind("Deployment", name)["spec"]["template"]["metadata"]
    policy = of_kind("NetworkPolicy", name)
    into = policy_allows(policy, "ingress", {"labels": target["labels"]}, source, port)
    out = source["labels"] is None or policy_allows(  # a pod: its own egress policy too
        learner_network_policy("decoder", 8082), "egress", source,
        {**target, "namespace": "jhub", "ip": "10.244.3.9"}, port)
    return into and out


def test_who_reaches_our_services():
    assert reaches(HUB, COURSE_NAME, 8082) and reaches(PROXY, COURSE_NAME, 8082)
    assert reaches(LEARNER, COURSE_NAME, 8082)  # lessons and exchange
    assert reaches(HUB, FORMGRADER_NAME, 8888) and reaches(PROXY, FORMGRADER_NAME, 8888)
    assert reaches(GRADING_HOST, COURSE_NAME, 8090)


@pytest.mark.parametrize("source,name,port", [
    (LEARNER, FORMGRADER_NAME, 8888),  # the gradebook, every learner's work
    (LEARNER, COURSE_NAME, 8090),  # the queue: hidden tests and every submission
    (ELSEWHERE, COURSE_NAME, 8090),
    (ELSEWHERE, COURSE_NAME, 8082), (GRADING_HOST, COURSE_NAME, 8082),
    (GRADING_HOST, FORMGRADER_NAME, 8888),
])
def test_nobody_else_reaches_them(source, name, port):
    assert not reaches(source, name, port)


def test_the_queue_is_open_to_the_grading_hosts_only():
    queue = of_kind("Service", QUEUE_NAME)
    assert queue["spec"]["loadBalancerSourceRanges"] == [SITE.grading_hosts]
    assert queue["spec"]["selector"] == {"app.kubernetes.io/name": COURSE_NAME}


def test_the_formgrader_sees_the_course_as_on_docker():
    """The same folders, read-only where the Docker container's are."""
    settings = PlatformSettings(environ={})
    binds = container_spec(settings, {})["host_config"]["binds"]
    docker = {bind["bind"]: bind["mode"] == "ro" for bind in binds.values()}
    mounts = {m["mountPath"]: m["readOnly"] for m in container(FORMGRADER_NAME)["volumeMounts"]
              if m["name"] == "course"}
    assert mounts == docker and any(docker.values())
    # each sub-path is made first, by the course service's user, in the claim's folder the
    # course service uses (its data_dir: the claim)
    spec = of_kind("Deployment", FORMGRADER_NAME)["spec"]["template"]["spec"]
    made = spec["initContainers"][0]["command"]
    subpaths = [m["subPath"] for m in container(FORMGRADER_NAME)["volumeMounts"]
                if m["name"] == "course"]
    assert made[:2] == ["mkdir", "-p"] and made[2:] == [f"/course/{p}" for p in subpaths]
    storage = env_of(COURSE_NAME)["DECODER_DATA_DIR"]
    assert all(f"{storage}/{p}".startswith(f"{storage}/course-service/nbgrader")
               for p in subpaths)
    assert spec["initContainers"][0]["securityContext"]["runAsUser"] == \
        container(COURSE_NAME)["securityContext"]["runAsUser"]


def hub_environment() -> dict[str, str]:
    return {name: resolved(value) for name, value in VALUES["hub"]["extraEnv"].items()}


CULLER = "jupyterhub-idle-culler"


def chart_config() -> Config:
    """What the chart's own jupyterhub_config.py sets before it runs hub.extraConfig (its
    files/hub/jupyterhub_config.py at the vendored commit, cull.enabled): two lists, its
    culler in each."""
    c = Config()
    c.JupyterHub.services = [{"name": CULLER, "command": [
        "python3", "-m", "jupyterhub_idle_culler", "--url=http://localhost:8081/hub/api"]}]
    c.JupyterHub.load_roles = [{"name": CULLER, "services": [CULLER], "scopes": [
        "list:users", "read:users:activity", "read:servers", "delete:servers"]}]
    return c


def configured_hub(monkeypatch) -> Config:
    """The values' hub.extraConfig, run as the chart runs it (``c`` in scope), on the hub
    pod's environment from the values' hub.extraEnv."""
    for name in list(os.environ):
        if name.startswith("DECODER_"):
            monkeypatch.delenv(name)
    for name, value in hub_environment().items():
        monkeypatch.setenv(name, value)
    c = chart_config()
    for code in VALUES["hub"]["extraConfig"].values():
        exec(code, {"c": c})  # noqa: S102 - the values file's own code, as the chart runs it
    return c


def test_the_hub_and_our_pods_share_their_settings():
    hub = {k: v for k, v in VALUES["hub"]["extraEnv"].items() if isinstance(v, str)}
    env = env_of(COURSE_NAME)
    assert {k: env[k] for k in site_environment(SITE)} == site_environment(SITE)
    assert {k: hub[k] for k in site_environment(SITE)} == site_environment(SITE)
    tokens = hub_token_environment()  # the Secret's keys the hub reads, as our pods do
    assert {k: VALUES["hub"]["extraEnv"][k] for k in tokens} == tokens


def test_the_values_hub_routes_to_our_services_with_their_tokens(monkeypatch):
    c = configured_hub(monkeypatch)
    services = {s["name"]: s for s in c.JupyterHub.services}
    for name, deployment, port in [("course", COURSE_NAME, 8082),
                                   ("formgrader", FORMGRADER_NAME, 8888)]:
        service = services[name]
        assert "command" not in service  # runs apart: the hub starts nothing
        assert service["url"] == f"http://{deployment}:{port}"
        ports = of_kind("Service", deployment)["spec"]["ports"]
        assert [p["port"] for p in ports] == [port]
        env = env_of(deployment)
        assert service["api_token"] == resolved(env["JUPYTERHUB_API_TOKEN"])
        assert env["JUPYTERHUB_CLIENT_ID"] == f"service-{name}"
        assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{name}/"
        assert env["JUPYTERHUB_API_URL"].startswith("http://hub:8081/")
    assert CULLER in services  # the chart's culler is kept
    assert "idle-culler" not in services and "decoder-cli" not in services
    assert "command" in services["class-sessions"]  # beside the hub, in its pod


def test_the_values_hub_has_the_roles_of_one_machine(monkeypatch):
    c = configured_hub(monkeypatch)
    names = {r["name"] for r in c.JupyterHub.load_roles}
    machine = {r["name"] for r in hub_roles(PlatformSettings(environ={}), "machine")}
    assert names == (machine - {"idle-culler", "operator"}) | {CULLER}
    services = {s["name"] for s in c.JupyterHub.services}
    for role in c.JupyterHub.load_roles:  # the hub refuses a role naming a missing service
        assert set(role.get("services", [])) <= services, role
    assert c.JupyterHub.authenticator_class == "decoder"
    assert all((PROJECT_ROOT / "decoder" / "templates").joinpath(p.rsplit("/", 1)[-1]).is_dir()
               for p in c.JupyterHub.template_paths)


def test_a_placement_that_cannot_work_is_refused():
    c = Config()
    with pytest.raises(ValueError, match="not a URL"):
        configure_hub(c, PlatformSettings(environ={
            "DECODER_COURSE_SERVICE_ADDRESS": "decoder-course-service:8082"}))
    with pytest.raises(ValueError, match="grading_queue_address"):
        configure_hub(c, PlatformSettings(environ={"DECODER_GRADE_HERE": "false"}))
    with pytest.raises(ValueError, match="placement"):
        configure_hub(c, PlatformSettings(environ={}), "swarm")


def test_a_service_that_does_not_grade_runs_no_worker():
    assert PlatformSettings(environ={"DECODER_GRADE_HERE": "false"}).worker_count == 0
    assert PlatformSettings(environ={"DECODER_GRADING_WORKERS": "3"}).worker_count == 3


@pytest.mark.parametrize("environ,said", [
    ({}, "the hub starts the course service itself"),
    ({"DECODER_COURSE_SERVICE_ADDRESS": "http://10.0.0.6:8082", "DECODER_GRADE_HERE": "false"},
     "no worker could take a job"),
])
def test_decoder_course_service_says_why_it_cannot_run(environ, said, tmp_path):
    ran = subprocess.run([sys.executable, "-m", "decoder.ops.cli", "course-service"],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={"PATH": os.environ["PATH"], "DECODER_DATA_DIR": str(tmp_path),
                              **environ})
    assert ran.returncode == 2 and said in ran.stderr, ran.stderr
