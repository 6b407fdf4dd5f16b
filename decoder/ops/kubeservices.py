"""Our own Deployments on Kubernetes, beside Zero to JupyterHub's hub and proxy (pure).

- **The course service** (``decoder-course-service``): one pod (``Recreate``: the gradebook
  has one writer, the review rooms one keeper), grading nothing itself (``grade_here`` off:
  no Docker engine in a cluster's pod); the grading hosts (`decoder worker`, plain Docker
  hosts, as on one machine) take its jobs through ``decoder-grading-queue``, a load balancer
  open to their network only. Its folder (submissions, graded notebooks, the gradebook) is the
  claim ``decoder-course``, shared with the formgrader (ReadWriteMany).
- **The formgrader** (``decoder-formgrader``): nbgrader's formgrader from the lab image over
  the course's nbgrader folder, mounted as on Docker (decoder/hub/formgrader.py's
  ``course_mounts``).
- **Who reaches them** (a NetworkPolicy each): the hub and the proxy reach both; learners'
  servers the course service only (their lessons and exchange); the grading hosts the queue
  only. The learners' own policy (kubecluster.py) keeps them from the rest; the pods of the
  process limit are the kubelet's (``decoder kube check``), as for learners.

The hub knows them through the same settings as on one machine (``course_service_address``,
``formgrader_address``) and the same hub configuration (decoder/hub/hubconfig.py, run by the
chart's ``hub.extraConfig``); the Deployments get the JUPYTERHUB_* environment a service
started by the hub would get (``apart_environment``), their tokens from one Secret that the
hub's pod reads too. ``site_environment`` is the platform's settings for both sides: the
values file's ``hub.extraEnv`` carries the same (tests/unit/test_kubeservices.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from ..hub.formgrader import COMMAND as FORMGRADER_COMMAND
from ..hub.formgrader import SERVER_ENVIRONMENT as FORMGRADER_ENVIRONMENT
from ..hub.formgrader import course_mounts, folders
from ..hub.hardening import DEFAULT_TMP_SIZE
from ..hub.hubconfig import apart_environment, token_variable
from ..hub.roles import FORMGRADER
from ..protocol import SERVICE, route
from ..settings import FORMGRADER_PORT, PlatformSettings

COURSE_NAME = "decoder-course-service"  # the learners' NetworkPolicy lets them reach this
FORMGRADER_NAME = "decoder-formgrader"
QUEUE_NAME = "decoder-grading-queue"
CLAIM = "decoder-course"
TOKENS_SECRET = "decoder-service-tokens"  # keys: course, formgrader (made by the operator)
DATABASE_SECRET = "decoder-course-database"  # key: url (the course's PostgreSQL)
COURSE_PORT = 8082
QUEUE_PORT = 8090
HUB_API = "http://hub:8081/hub/api"  # Zero to JupyterHub's hub Service
DATA_DIR = Path("/srv/decoder")  # the claim, in the course service's pod
COURSE_FILE = "/opt/decoder/course/course.toml"  # in the hub image (images/k8s-hub/)
UID = 1000
PART_OF = {"app.kubernetes.io/part-of": "decoder"}


@dataclass(frozen=True)
class Site:
    """What an operator says of their cluster (`decoder kube services`' options)."""
    release: str = "decoder"
    public_url: str = "https://cours.example.org"
    image: str = "registry.example.org/decoder/k8s-hub:0.1.0"  # our package: course service
    lab_image: str = "registry.example.org/decoder/lab:0.1.0"  # the formgrader's
    grading_hosts: str = "10.20.0.0/24"  # the grading hosts' network: the queue's only callers
    storage_gb: int = 20


def site_environment(site: Site) -> dict[str, str]:
    """The settings the hub's pod and ours share (DECODER_* variables, as on one machine);
    the database's address and the tokens come from Secrets."""
    return {
        "DECODER_PUBLIC_BASE_URL": site.public_url,
        "DECODER_PER_USER_ORIGINS": "true",
        "DECODER_COURSE_SERVICE_ADDRESS": f"http://{COURSE_NAME}:{COURSE_PORT}",
        "DECODER_COURSE_SERVICE_PORT": str(COURSE_PORT),
        "DECODER_FORMGRADER_ADDRESS": f"http://{FORMGRADER_NAME}:{FORMGRADER_PORT}",
        "DECODER_GRADE_HERE": "false",
        "DECODER_GRADING_QUEUE_ADDRESS": f"0.0.0.0:{QUEUE_PORT}",
        "DECODER_COURSE_FILE": COURSE_FILE,
        "DECODER_UI_LANGUAGE": "fr",
    }


def site_settings(site: Site) -> PlatformSettings:
    """The platform's settings as its pods load them (with a stand-in database address: the
    real one is a Secret)."""
    return PlatformSettings(environ={**site_environment(site), "DECODER_DATA_DIR": str(DATA_DIR),
                                     "DECODER_COURSE_DB_URL": "postgresql://secret/course"})


def secret(name: str, key: str) -> dict:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def env_list(values: dict[str, str], secrets: dict[str, dict]) -> list[dict]:
    return [{"name": k, "value": v} for k, v in sorted(values.items())] + [
        {"name": k, **v} for k, v in sorted(secrets.items())]


def hardened_container(name: str, image: str, command: list[str], env: list[dict],
                       ports: list[tuple[str, int]], memory: str, mounts: list[dict],
                       probe: dict | None, memory_request: str = "256Mi") -> dict:
    """A container that cannot gain a privilege: non-root, no capability, read-only image,
    memory-backed /tmp, limits (the hardening's numbers where they apply). Without ``probe``
    nor ``ports``: a container that runs to its end (an init container)."""
    made = {
        "name": name, "image": image, "command": command, "env": env,
        **({"ports": [{"name": port_name, "containerPort": port} for port_name, port in ports]}
           if ports else {}),
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID,
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "resources": {"requests": {"cpu": "100m", "memory": memory_request},
                      "limits": {"cpu": "1", "memory": memory}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, *mounts],
    }
    if probe:
        made["readinessProbe"] = {**copy.deepcopy(probe), "periodSeconds": 5}
        made["livenessProbe"] = {**copy.deepcopy(probe), "periodSeconds": 20,
                                 "failureThreshold": 6}
    return made


def deployment(name: str, container: dict, extra_volumes: list[dict]) -> dict:
    labels = {"app.kubernetes.io/name": name, **PART_OF}
    # the chart's hub policy lets in the pods that carry this label (the hub's API)
    pod_labels = {**labels, "hub.jupyter.org/network-access-hub": "true"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            # one at a time: the gradebook has one writer, the review rooms one keeper
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "automountServiceAccountToken": False,  # it talks to no Kubernetes API
                    "shareProcessNamespace": True,  # the pause process reaps orphans
                    "securityContext": {"fsGroup": UID,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {
                        "medium": "Memory", "sizeLimit": DEFAULT_TMP_SIZE.upper() + "i"}},
                        *extra_volumes],
                },
            },
        },
    }


def course_service(site: Site) -> dict:
    settings = site_settings(site)
    listen = f"http://0.0.0.0:{COURSE_PORT}"
    env = env_list(
        {**site_environment(site), "DECODER_DATA_DIR": str(DATA_DIR),
         "DECODER_COURSE_SERVICE_LISTEN_IP": "0.0.0.0", "PYTHONUNBUFFERED": "1",
         "HOME": "/tmp",  # the image is read-only: nbgrader's and Jupyter's files go there
         **apart_environment(settings, SERVICE, HUB_API, listen)},
        {"JUPYTERHUB_API_TOKEN": secret(TOKENS_SECRET, SERVICE),
         "DECODER_COURSE_DB_URL": secret(DATABASE_SECRET, "url")})
    health = {"httpGet": {"path": f"/services/{SERVICE}/{route('health')}",
                          "port": "course"}}
    container = hardened_container(
        "course-service", site.image, ["python3", "-m", "decoder.course_app"], env,
        [("course", COURSE_PORT), ("queue", QUEUE_PORT)], "2Gi",
        [{"name": "course", "mountPath": str(DATA_DIR)}], health)
    return deployment(COURSE_NAME, container, [
        {"name": "course", "persistentVolumeClaim": {"claimName": CLAIM}}])


def formgrader(site: Site) -> dict:
    settings = site_settings(site)
    listen = f"http://0.0.0.0:{FORMGRADER_PORT}"
    env = env_list({**apart_environment(settings, FORMGRADER, HUB_API, listen),
                    **FORMGRADER_ENVIRONMENT},
                   {"JUPYTERHUB_API_TOKEN": secret(TOKENS_SECRET, FORMGRADER)})
    nbgrader = folders(settings)["root"].relative_to(DATA_DIR)  # under the claim
    mounts = [{"name": "course", "mountPath": target, "readOnly": read_only,
               "subPath": str(nbgrader / folder)} for folder, target, read_only in course_mounts()]
    container = hardened_container(
        "formgrader", site.lab_image, FORMGRADER_COMMAND, env,
        [("formgrader", FORMGRADER_PORT)], settings.formgrader_mem_limit + "i", mounts,
        {"tcpSocket": {"port": "formgrader"}})
    # the folders made first, as the course service's user: a sub-path the kubelet makes
    # itself belongs to root, and the course service could not write there
    making = ["mkdir", "-p", *(f"/course/{mount['subPath']}" for mount in mounts)]
    folders_first = hardened_container(
        "folders", site.lab_image, making, [], [], "64Mi",
        [{"name": "course", "mountPath": "/course"}], None, memory_request="64Mi")
    made = deployment(FORMGRADER_NAME, container, [
        {"name": "course", "persistentVolumeClaim": {"claimName": CLAIM}}])
    made["spec"]["template"]["spec"]["initContainers"] = [folders_first]
    return made


def service(name: str, ports: list[tuple[str, int]], kind: str = "ClusterIP",
            extra: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": PART_OF},
            "spec": {"type": kind, "selector": {"app.kubernetes.io/name": name},
                     "ports": [{"name": p, "port": port, "targetPort": p, "protocol": "TCP"}
                               for p, port in ports], **(extra or {})}}


def ingress_policy(site: Site, name: str, rules: list[tuple[list[dict], int]]) -> dict:
    """Who may open a connection to the pods of ``name``: (sources, port) each (ingress
    only: they reach the hub's API, the database and the DNS themselves)."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": PART_OF},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": sources, "ports": [{"port": port, "protocol": "TCP"}]}
                        for sources, port in rules],
        },
    }


def chart_pods(site: Site, *components: str) -> list[dict]:
    return [{"podSelector": {"matchLabels": {"app": "jupyterhub", "release": site.release,
                                             "component": component}}}
            for component in components]


def manifests(site: Site) -> list[dict]:
    """Everything `kubectl apply` needs for our services, in order."""
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": CLAIM, "labels": PART_OF},
             "spec": {"accessModes": ["ReadWriteMany"],
                      "resources": {"requests": {"storage": f"{site.storage_gb}Gi"}}}}
    return [
        claim,
        course_service(site),
        service(COURSE_NAME, [("course", COURSE_PORT)]),
        service(QUEUE_NAME, [("queue", QUEUE_PORT)], "LoadBalancer",
                {"selector": {"app.kubernetes.io/name": COURSE_NAME},
                 "loadBalancerSourceRanges": [site.grading_hosts]}),
        formgrader(site),
        service(FORMGRADER_NAME, [("formgrader", FORMGRADER_PORT)]),
        # browsers through the proxy, the hub, learners' servers (their lessons, their
        # exchange); the queue from the grading hosts only
        ingress_policy(site, COURSE_NAME, [
            (chart_pods(site, "hub", "proxy", "singleuser-server"), COURSE_PORT),
            ([{"ipBlock": {"cidr": site.grading_hosts}}], QUEUE_PORT)]),
        # instructors' browsers through the proxy, and the hub: no learner
        ingress_policy(site, FORMGRADER_NAME, [
            (chart_pods(site, "hub", "proxy"), FORMGRADER_PORT)]),
    ]


def hub_token_environment() -> dict[str, dict]:
    """What the hub's pod reads of the tokens (hub.extraEnv): the same Secret's keys."""
    return {token_variable(name): secret(TOKENS_SECRET, name)
            for name in (SERVICE, FORMGRADER)}
