"""`decoder kube`: what Kubernetes needs of an operator, checked from the API's own answers.

    decoder kube policy [--release decoder]  the learners' NetworkPolicy, as YAML for kubectl
    decoder kube services [--public-url URL --image IMAGE --lab-image IMAGE --grading-hosts CIDR]
                                            our Deployments (course service, formgrader), their
                                            Services, claim and policies, as YAML for kubectl
    decoder kube check --daemonsets FILE --configz NODE=FILE... --home-claim FILE
                                            refuse a cluster that would not keep the hardening

The answers are saved with kubectl by the operator (docs/operating.md, « Passer à
l'échelle »), so the platform holds no Kubernetes credentials:

    kubectl get daemonsets --all-namespaces -o json > daemonsets.json
    kubectl get --raw /api/v1/nodes/NODE/proxy/configz > NODE.json   (each node)
    kubectl -n jhub get pvc decoder-homes -o json > homes.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from ..hub.hardening import Hardening, cluster_requirements
from ..hub.learnerserver import DEFAULT_PIDS_LIMIT
from ..settings import PlatformSettings
from .kubecluster import cluster_problems, learner_network_policy, network_plugin
from .kubeservices import Site, manifests


class PlainDumper(yaml.SafeDumper):
    """YAML without anchors: each manifest reads on its own."""
    def ignore_aliases(self, data) -> bool:
        return True


def read_answer(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file (see decoder kube check --help)") from None
    except ValueError as error:
        raise ValueError(f"{path} is not the API's JSON answer ({error}): save it with "
                         "kubectl ... -o json") from None


def answers_from(args) -> dict:
    configz = {}
    for given in args.configz:
        node, _, path = given.partition("=")
        if not path:
            raise ValueError(f"--configz {given!r}: write NODE=FILE")
        configz[node] = read_answer(path)
    return {"daemonsets": read_answer(args.daemonsets), "configz": configz,
            "home_claim": read_answer(args.home_claim) if args.home_claim else None}


def cmd_kube(settings: PlatformSettings, args, say) -> int:
    if args.action == "policy":
        policy = learner_network_policy(args.release, settings.course_service_port)
        sys.stdout.write(yaml.safe_dump(policy, sort_keys=False))
        return 0
    if args.action == "services":
        site = Site(release=args.release, public_url=args.public_url, image=args.image,
                    lab_image=args.lab_image, grading_hosts=args.grading_hosts)
        sys.stdout.write(services_yaml(site))
        return 0
    if not args.daemonsets:
        raise ValueError("decoder kube check needs --daemonsets FILE (kubectl get daemonsets "
                         "--all-namespaces -o json)")
    hardening = Hardening(pids_limit=args.pids_limit)
    answers = answers_from(args)
    enforcing, _ = network_plugin(answers)
    say(f"network plugin enforcing NetworkPolicy: {', '.join(enforcing) or 'none'}")
    say(f"nodes read: {', '.join(sorted(answers['configz'])) or 'none'}")
    problems = cluster_problems(answers, hardening, args.claim)
    for problem in problems:
        say(f"REFUSED: {problem}")
    if problems:
        return 1
    say("This cluster keeps what a pod cannot say: " + "; ".join(
        cluster_requirements(hardening)))
    return 0


def services_yaml(site: Site) -> str:
    """What `decoder kube services` writes (deploy/kubernetes/decoder-services.yaml)."""
    head = ("# Décoder le code's own services on Kubernetes (decoder kube services; "
            "decoder/ops/kubeservices.py).\n# Apply: kubectl -n jhub apply -f "
            "deploy/kubernetes/decoder-services.yaml\n")
    return head + yaml.dump_all(manifests(site), Dumper=PlainDumper, sort_keys=False)


def add_parser(sub) -> None:
    kube = sub.add_parser("kube", help="Kubernetes: the learners' NetworkPolicy, and the "
                          "cluster checked from kubectl's answers")
    kube.add_argument("action", choices=("policy", "services", "check"))
    site = Site()
    kube.add_argument("--public-url", default=site.public_url, help="the platform's address "
                      "(services)")
    kube.add_argument("--image", default=site.image, help="the hub's image, which runs the "
                      "course service (services)")
    kube.add_argument("--lab-image", default=site.lab_image, help="the lab image, which runs "
                      "the formgrader (services)")
    kube.add_argument("--grading-hosts", default=site.grading_hosts, help="the grading hosts' "
                      "network, the only one that reaches the queue (services)")
    kube.add_argument("--release", default="decoder", help="the Zero to JupyterHub release's "
                      "name (policy)")
    kube.add_argument("--daemonsets", help="kubectl get daemonsets --all-namespaces -o json")
    kube.add_argument("--configz", action="append", default=[], metavar="NODE=FILE",
                      help="kubectl get --raw /api/v1/nodes/NODE/proxy/configz, each node")
    kube.add_argument("--home-claim", help="kubectl get pvc CLAIM -o json (the homes' claim)")
    kube.add_argument("--claim", default="decoder-homes", help="the homes' claim's name")
    kube.add_argument("--pids-limit", type=int, default=DEFAULT_PIDS_LIMIT,
                      help="the learners' process limit the nodes must keep")
