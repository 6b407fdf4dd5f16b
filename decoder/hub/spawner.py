"""The learner sandbox: a DockerSpawner that starts hardened containers.

What it overrides, and why:
- ``start()``: refuses any image not on the allow-list (even one set in config), makes sure the
  learner network and its firewall exist, starts as DockerSpawner does, then (unless egress is
  allowed) deletes the container's default route, and returns once the server's port answers
  (the hub's own checks back off to seconds apart).
  Before it returns, the created container is read back (``docker inspect``) against every
  rule of the hardening: a container that does not keep one is stopped and refused.
- ``create_object()``: adds the hardening (decoder/hub/hardening.py, shared with the Kubernetes
  spawner: limits, dropped capabilities, no-new-privileges, read-only root, tmpfs, init, the
  learner's uid) to the container before DockerSpawner creates it.
- The environment (open lessons, course service, language, staff menu) and the review rooms
  are decoder/hub/learnerserver.py's, shared with the Kubernetes spawner.

The home folder is a btrfs subvolume per learner with a size limit (decoder/hub/homes.py), made
at the first start and bound into the container; with ``home_size_mb = 0``, a named volume per
learner (``home_volume``). Neither is ever deleted: a container can be removed (``remove=True``)
or culled and the work stays.

A **review room** (an account ``relecture-N``, roles.py) is a server where a peer's
notebook runs for one reviewer: the same image and hardening, but no home (a memory-backed
folder of ``review_room_mb``, gone when the room is stopped), no lessons, no course service
address, and a server token that reaches nothing of the course (``server_token_scopes``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import docker.errors
from dockerspawner import DockerSpawner
from traitlets import Bool, Float, Unicode, default

from ..settings import PlatformSettings
from . import homes
from .hardening import (
    container_problems,
    docker_create_options,
    docker_host_config,
    hardening_of,
    memory_bytes,
)
from .learnerserver import (
    DEFAULT_MEM_LIMIT,
    DEFAULT_PIDS_LIMIT,
    DEFAULT_TMP_SIZE,
    HOME,
    LearnerServer,
    refused,
)
from .memory import read_memory, refusal
from .network import ensure_firewall, ensure_network, open_ports, remove_default_route


def hardened_host_config(*, mem_limit, pids_limit: int, tmp_size: str, read_only: bool,
                         cpu_limit: float = 1.0) -> dict:
    """Docker host-config additions for a learner container (pure): the shared rules of
    decoder/hub/hardening.py, as Docker says them."""
    return docker_host_config(hardening_of(mem_limit, cpu_limit, pids_limit, tmp_size,
                                           read_only))


def configured_hardening(spawner_config) -> dict:
    """The hardening as the operator's DecoderSpawner settings make it (theirs, else the
    spawner's defaults): what jupyterhub_config.py checks extra_host_config against before the
    hub starts (pure)."""
    return hardened_host_config(
        mem_limit=spawner_config.get("mem_limit", DEFAULT_MEM_LIMIT),
        cpu_limit=spawner_config.get("cpu_limit", 1.0),
        pids_limit=spawner_config.get("pids_limit", DEFAULT_PIDS_LIMIT),
        tmp_size=spawner_config.get("tmp_size", DEFAULT_TMP_SIZE),
        read_only=spawner_config.get("read_only_root", True))


# settings that open a container whatever the hardening says
OPENING = {"privileged": "privileged", "cap_add": "cap_add", "devices": "devices",
           "device_requests": "device_requests", "network_mode": "network_mode",
           "pid_mode": "pid_mode", "userns_mode": "userns_mode", "uts_mode": "uts_mode",
           "cgroupns_mode": "cgroupns_mode", "volumes_from": "volumes_from", "binds": "binds",
           "mounts": "mounts", "cgroup_parent": "cgroup_parent"}


def weakenings(hardening: dict, configured: dict) -> list[str]:
    """What an operator's extra_host_config would undo of the hardening, said plainly (pure).
    Adding settings is fine; replacing one of the hardening's with a weaker value, or opening
    the container (privileges, the host's namespaces, devices, host folders), is not."""
    problems = []
    for key, value in configured.items():
        if key in OPENING:
            problems.append(f"{key}={value!r} opens the container (remove it)")
        elif key not in hardening or value == hardening[key]:
            continue
        elif key in ("cap_drop", "security_opt"):
            missing = set(hardening[key]) - set(value or [])
            if missing or any("unconfined" in str(option) for option in value or []):
                problems.append(f"{key}={value!r} drops {sorted(missing) or 'a confinement'}")
        elif key == "pids_limit" and isinstance(value, int) and 0 < value < hardening[key]:
            continue  # fewer processes: stricter
        elif key in ("sysctls", "tmpfs") and isinstance(value, dict) \
                and value.items() >= hardening[key].items():
            continue  # the hardening's entries kept, others added
        else:
            problems.append(f"{key}={value!r} replaces the hardening's {hardening[key]!r}")
    return problems


class HardeningUndone(ValueError):
    """extra_host_config would weaken the learner container's hardening."""


def merged_host_config(hardening: dict, configured: dict) -> dict:
    """The hardening with the operator's additions, or HardeningUndone saying what would be
    lost (pure)."""
    problems = weakenings(hardening, configured)
    if problems:
        raise HardeningUndone(
            "c.DecoderSpawner.extra_host_config would weaken the learner containers: "
            + "; ".join(problems) + ". Set limits with their own settings (mem_limit, "
            "cpu_limit, pids_limit, tmp_size) instead.")
    return {**hardening, **configured}


def servers_memory_holds(mem_limit: str | int | None, total_memory: int, share: float = 0.8,
                         overcommit: float = 1.0) -> int:
    """How many learner servers fit in ``share`` of the machine's memory, each counted at its
    memory limit divided by ``overcommit`` (decoder/hub/memory.py; at least 1; pure)."""
    return max(1, int(total_memory * share * overcommit // memory_bytes(mem_limit)))


def active_server_limit(settings: PlatformSettings, mem_limit: str | int | None) -> int:
    """The hub's server limit: the operator's, else what this machine's memory holds at
    measured use (memory_overcommit), the spawner's memory guard refusing starts beyond."""
    machine_memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return settings.max_active_servers or servers_memory_holds(
        mem_limit, machine_memory, overcommit=settings.memory_overcommit)


async def wait_for_port(host: str, port: int, *, interval: float, timeout: float) -> bool:
    """Until something accepts connections at host:port, or ``timeout`` seconds; True if it
    did. The hub still checks the server over HTTP afterwards, as always."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), interval * 4)
        except OSError:  # refused, or no answer in time (TimeoutError is an OSError)
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(interval)
        else:
            writer.close()
            return True


class DecoderSpawner(LearnerServer, DockerSpawner):
    _firewall_ready = False
    _homes_ready = False
    home_volume = Unicode(
        "decoder-home-{username}",
        help="Name template of the named volume holding a learner's home; {username} is the "
        "escaped user name. Never deleted by the platform. Example: 'decoder-home-{username}'.",
    ).tag(config=True)

    ready_poll_interval = Float(
        0.05,
        help="Seconds between two looks at a starting server's port. The hub looks at a new "
        "server less and less often (0.2 s, 0.4 s, 0.8 s... with jitter), so a server ready "
        "after 1.5 s was noticed up to a second late; start() returns once the port answers, "
        "and the hub's first look finds it up. 0 leaves it to the hub. Example: 0.05.",
    ).tag(config=True)

    ensure_network = Bool(
        True,
        help="Create the learner network and host firewall before starting a container. "
        "Turn off only when an operator manages them. Example: True.",
    ).tag(config=True)

    # ---- defaults that differ from DockerSpawner ----

    @default("volumes")
    def _default_volumes(self):
        if self.room:
            return {}  # no home: a memory-backed folder (create_object)
        if not self.platform.home_size_mb:
            return {self.home_volume: HOME}
        # the key is formatted by DockerSpawner ({username}...): a brace in the path is kept
        folder = str(homes.home_path(self.platform.homes_root, self.escaped_name))
        return {folder.replace("{", "{{").replace("}", "}}"): HOME}

    @default("notebook_dir")
    def _default_notebook_dir(self):
        return HOME

    @default("env_keep")
    def _default_env_keep(self):
        return []  # nothing from the hub's environment: it holds the hub's secrets

    @default("name_template")
    def _default_name_template(self):
        return "decoder-lab-{username}"

    # ---- overrides ----

    def check_memory(self, settings: PlatformSettings) -> None:
        """Refuse the start (429: the waiting page) when the machine is short of memory."""
        memory = read_memory()
        reserve = settings.memory_reserve_mb * 2 ** 20 or 2 * memory_bytes(self.mem_limit)
        why = refusal(memory, reserve, settings.memory_pressure_percent)
        if why:
            self.log.warning("Start of %s refused: memory %s (%d MiB available, reserve %d MiB, "
                             "pressure %s %%)", self.user.name, why, memory.available // 2 ** 20,
                             reserve // 2 ** 20, memory.pressure)
            raise refused(429, "hub.memory_full", settings.ui_language)

    async def start(self):
        if self.image not in self._allowed_image_names():
            raise refused(403, "hub.image_not_allowed", self.platform.ui_language,
                          image=repr(self.image))
        settings = self.platform
        self.check_memory(settings)
        if self.ensure_network:
            await self.asynchronize(ensure_network, self.client, settings)
            if not DecoderSpawner._firewall_ready:  # rules persist; write them once per hub start
                await self.asynchronize(ensure_firewall, settings, open_ports(settings))
                DecoderSpawner._firewall_ready = True
        if settings.home_size_mb and not self.room:
            await self.prepare_home(settings)
        ip_port = await super().start()
        inspect = await self.check_container()
        if not settings.allow_egress:
            await self.asynchronize(remove_default_route, inspect["State"]["Pid"])
        if self.ready_poll_interval > 0:
            await wait_for_port(*ip_port, interval=self.ready_poll_interval,
                                timeout=self.http_timeout)
        return ip_port

    async def prepare_home(self, settings: PlatformSettings) -> None:
        """The learner's size-limited home, with their former named volume's content the
        first time (the volume is kept)."""
        former = None
        if not homes.home_path(settings.homes_root, self.escaped_name).exists():
            volume = self.format_volume_name(self.home_volume, self)  # asked once, when made
            try:
                former = Path((await self.docker("inspect_volume", volume))["Mountpoint"])
            except docker.errors.NotFound:
                pass
        try:
            if not DecoderSpawner._homes_ready:  # mounted by `decoder up`; again after a reboot
                await self.asynchronize(homes.ensure_filesystem, settings.homes_root,
                                        settings.homes_image, settings.homes_image_gb)
                DecoderSpawner._homes_ready = True
            await self.asynchronize(homes.ensure_home, settings.homes_root, self.escaped_name,
                                    settings.home_size_mb, former)
        except homes.HomesError as error:
            self.log.error("Home of %s not ready: %s", self.user.name, error)
            raise refused(500, "hub.home_unavailable", settings.ui_language) from None

    async def asynchronize(self, function, *args):
        """Run a blocking call in DockerSpawner's single Docker thread."""
        return await asyncio.wrap_future(self.executor.submit(function, *args))

    def _allowed_image_names(self) -> set[str]:
        allowed = self._get_allowed_images()
        if not allowed or allowed == "*":
            return {self.image} if allowed == "*" else set()
        return set(allowed.values())

    async def create_object(self):
        hardening = docker_host_config(self.hardening)
        if self.room:  # its only folder: in memory, limited, gone at the room's stop
            hardening["tmpfs"] = {**hardening["tmpfs"], HOME: (
                f"rw,nosuid,nodev,size={self.platform.review_room_mb}m,uid=1000,gid=1000,"
                "mode=0700")}
        configured = self._eval_if_callable(self.extra_host_config) or {}
        try:
            # the container is removed by the spawner when it stops (remove=True), never by the
            # engine: Docker before 24.0.8 removes auto-remove containers that are still running
            # when it restarts with live-restore (moby#46308), and Debian's is 20.10
            self.extra_host_config = {**merged_host_config(hardening, configured),
                                      "auto_remove": False}
        except HardeningUndone as undone:
            self.log.error("%s", undone)
            raise refused(500, "hub.hardening_undone", self.platform.ui_language) from None
        create = self._eval_if_callable(self.extra_create_kwargs) or {}
        self.extra_create_kwargs = {**create, **docker_create_options(self.hardening)}
        return await super().create_object()

    async def check_container(self) -> dict:
        """Read the created container back: stop and refuse a server that does not keep
        every rule of the hardening, whatever the configuration made of it."""
        inspect = await self.docker("inspect_container", self.container_id)
        problems = container_problems(inspect, self.hardening)
        if problems:
            self.log.error("Container of %s does not keep the hardening: %s", self.user.name,
                           "; ".join(problems))
            await self.stop()
            raise refused(500, "hub.hardening_undone", self.platform.ui_language)
        return inspect
