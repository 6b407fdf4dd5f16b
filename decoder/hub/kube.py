"""Learners on Kubernetes: KubeSpawner with the same learner server as on Docker.

``DecoderKubeSpawner`` is what Zero to JupyterHub's hub runs (deploy/kubernetes/values.yaml).
The learner side (lessons, course service, language, review rooms, the hardening's numbers) is
decoder/hub/learnerserver.py's, shared with DecoderSpawner; the hardening is
decoder/hub/hardening.py's, as Kubernetes says it. Before a pod is created, its manifest is
read back against every rule (``pod_problems``): an operator's extra_pod_config or
container_security_context that would undo one refuses the start with the message
DecoderSpawner gives.

What differs from Docker, by design: the scheduler, not the spawner's memory guard, decides
where a server fits (each pod asks for mem_limit / memory_overcommit and may use up to
mem_limit); homes are the chart's (one NFS-backed claim, a sub-folder per learner); the network
is a NetworkPolicy (decoder/ops/kubecluster.py), not a host firewall.
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from .hardening import kubernetes_settings, pod_problems
from .learnerserver import HOME, LearnerServer, refused

LIST_TRAITS = ("volumes", "volume_mounts")


def api_dict(value):
    """A Kubernetes model as the API takes it (camelCase keys, None left out), without a
    client (pure)."""
    if isinstance(value, list | tuple):
        return [api_dict(v) for v in value]
    if isinstance(value, dict):
        return {k: api_dict(v) for k, v in value.items()}
    if hasattr(value, "openapi_types"):
        return {value.attribute_map[name]: api_dict(getattr(value, name))
                for name in value.openapi_types if getattr(value, name) is not None}
    return value


def by_name(entries) -> dict:
    """KubeSpawner's volumes or mounts (a list, or a dict keyed by anything) keyed by the
    name Kubernetes knows them by; for a mount, its path (pure)."""
    values = entries.values() if isinstance(entries, dict) else entries or []
    return {entry.get("mountPath", entry["name"]): entry for entry in values}


def with_hardening(current: dict, settings: dict) -> dict:
    """KubeSpawner trait values once the hardening's are laid over the configured ones (pure):
    the hardening wins on each key it sets; a configured dict keeps its other keys, a
    configured volume or mount its other entries."""
    result = {}
    for name, value in settings.items():
        configured = current.get(name)
        if name in LIST_TRAITS:
            result[name] = list({**by_name(configured), **by_name(value)}.values())
        elif isinstance(value, dict) and isinstance(configured, dict):
            result[name] = {**configured, **value}
        else:
            result[name] = value
    return result


def room_home(volumes: list, mounts: list, size_mb: int) -> tuple[list, list]:
    """A review room's home: memory-backed and limited in size, in place of any learner home
    the chart mounts (pure)."""
    mounts = [m for m in mounts if m.get("mountPath") != HOME] + [
        {"name": "room-home", "mountPath": HOME}]
    used = {m["name"] for m in mounts}
    volumes = [v for v in volumes if v["name"] in used and v["name"] != "room-home"] + [
        {"name": "room-home", "emptyDir": {"medium": "Memory", "sizeLimit": f"{size_mb}Mi"}}]
    return volumes, mounts


class DecoderKubeSpawner(LearnerServer, KubeSpawner):
    def apply_hardening(self) -> None:
        """Set the hardening's KubeSpawner settings on this spawner, over the configured ones."""
        guarantee = int(self.hardening.mem_limit / max(1.0, self.platform.memory_overcommit))
        settings = kubernetes_settings(self.hardening, guarantee)
        current = {name: getattr(self, name) for name in settings}
        for name, value in with_hardening(current, settings).items():
            setattr(self, name, value)
        if self.room:
            self.volumes, self.volume_mounts = room_home(
                list(by_name(self.volumes).values()), list(by_name(self.volume_mounts).values()),
                self.platform.review_room_mb)

    async def get_pod_manifest(self):
        self.apply_hardening()
        pod = await super().get_pod_manifest()
        problems = pod_problems(api_dict(pod), self.hardening)
        if problems:
            self.log.error("Pod of %s does not keep the hardening: %s", self.user.name,
                           "; ".join(problems))
            raise refused(500, "hub.hardening_undone", self.platform.ui_language)
        return pod
