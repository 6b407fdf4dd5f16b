"""Platform-wide settings: one configurable class, loaded the same way by every entry point.

``PlatformSettings.load()`` is how the hub's configuration, the ``decoder`` command, the course
service, its grading workers and the benchmarks get their settings. Every setting can come, in
this order of precedence, from:
1. the operator's file named by ``DECODER_CONFIG`` (``c.PlatformSettings.idle_timeout = 7200``),
2. an environment variable ``DECODER_<NAME>`` (``DECODER_IDLE_TIMEOUT=7200``),
3. the default written here.

A process that starts another (the hub its course service, the service its workers) gives it
every value explicitly (``environment()``): a child never resolves a setting differently from
its parent.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from traitlets import Bool, Float, Integer, List, TraitError, Unicode, default, validate
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "DECODER_"
CONFIG_ENV = "DECODER_CONFIG"  # names the operator's settings file
# what a child process of ours needs of its parent's environment besides the settings
INHERITED = ("HOME", "PATH", "DOCKER_HOST", "LANG")
FORMGRADER_PORT = 8888  # inside its container
LOGINS = ("native", "lti13")


# the smallest value of the settings that have one
LEAST = {"prestart_concurrency": 1, "prestart_check_seconds": 1, "concurrent_spawns": 0,
         "prestart_minutes": 0, "memory_overcommit": 1, "memory_reserve_mb": 0,
         "memory_pressure_percent": 0}


class PlatformSettings(Configurable):
    """Where the platform keeps its data, which addresses it uses, and its defaults for learners."""

    data_dir = Unicode(
        help="Folder holding everything the platform must keep: hub database, secrets, logs, "
        "demo accounts. Example: '/var/lib/decoder'. Default: ./data beside the project.",
    ).tag(config=True)

    public_ip = Unicode(
        "127.0.0.1",
        help="Address the public proxy listens on. Use '0.0.0.0' behind a TLS reverse proxy "
        "to serve a class over the network. Example: '0.0.0.0'.",
    ).tag(config=True)

    public_port = Integer(8000, help="Port of the public proxy. Example: 8000.").tag(config=True)

    hub_port = Integer(
        8081,
        help="Port the hub listens on, on the learner network's gateway address only. "
        "Learner containers may reach this port and nothing else on the host. Example: 8081.",
    ).tag(config=True)

    proxy_api_port = Integer(
        8001, help="Port of the proxy's REST API, on 127.0.0.1 only. Example: 8001."
    ).tag(config=True)

    learner_network = Unicode(
        "decoder-learners",
        help="Name of the Docker network learner containers join. It is created with no route "
        "out and no traffic between containers. Example: 'decoder-learners'.",
    ).tag(config=True)

    learner_subnet = Unicode(
        "172.29.0.0/24",
        help="IPv4 subnet of the learner network; its first address is the host's side, where "
        "the hub listens. Pick one no other network on the machine uses. Example: '172.29.0.0/24'.",
    ).tag(config=True)

    learner_bridge = Unicode(
        "decoder-br0",
        help="Name of the Linux bridge behind the learner network, used by the host firewall "
        "rules (at most 15 characters). Example: 'decoder-br0'.",
    ).tag(config=True)

    allow_egress = Bool(
        False,
        help="Give learner containers a route to the outside world. Off by default: learner "
        "code is hostile. Turning it on also lets learners download anything. Example: True.",
    ).tag(config=True)

    lab_image = Unicode(
        "decoder/lab:latest",
        help="Image learner servers start from (built by `decoder build`). Example: "
        "'decoder/lab:latest'.",
    ).tag(config=True)

    allowed_images = List(
        Unicode(),
        help="Images a learner server may be started from; anything else is refused. "
        "Default: just lab_image. Example: ['decoder/lab:latest'].",
    ).tag(config=True)

    idle_timeout = Integer(
        3600,
        help="Seconds of inactivity after which a learner's server is stopped (its home volume "
        "is kept). Example: 3600.",
    ).tag(config=True)

    open_signup = Bool(
        True,
        help="Let anyone create a learner account. When False, an instructor or admin must "
        "approve each new account at /hub/authorize. Example: False.",
    ).tag(config=True)

    signups_per_address_per_hour = Integer(
        30,
        help="Accounts one network address may create in an hour; more are refused with a "
        "page saying when to come back. A classroom behind one NAT shares an address: keep "
        "it above the class's size. Behind a reverse proxy, set "
        "c.JupyterHub.trusted_downstream_ips so each browser's own address is seen. 0: no "
        "limit. Example: 40.",
    ).tag(config=True)

    failed_logins_before_lockout = Integer(
        5,
        help="Failed logins in a row after which an account is locked for lockout_minutes "
        "(NativeAuthenticator's allowed_failed_logins); the login page says so. 0: never "
        "locked. Example: 10.",
    ).tag(config=True)

    lockout_minutes = Integer(
        10, help="How long an account stays locked after too many failed logins. Example: 5.",
    ).tag(config=True)

    min_free_disk_mb = Integer(
        1024,
        help="Free space, in MB, below which new sign-ups and submissions are refused with a "
        "message (learners' servers keep running): on the data folder, the homes' "
        "filesystem and the engine's folder. 0: not watched. Example: 5000.",
    ).tag(config=True)

    home_size_mb = Integer(
        1024,
        help="Size limit of each learner's home, in MB, enforced by the kernel (a btrfs "
        "quota group per home, see docs/security.md): a learner who fills theirs is told so, "
        "others keep working. 0: no limit (homes in plain Docker volumes). Example: 2048.",
    ).tag(config=True)

    homes_image_gb = Integer(
        64,
        help="When the homes' folder (data_dir/homes) is not a btrfs mount: size, in GiB, of "
        "the sparse file data_dir/homes.img formatted and loop-mounted there (it takes only "
        "what the homes hold). 0: the operator mounts a btrfs disk there. Example: 200.",
    ).tag(config=True)

    max_active_servers = Integer(
        0,
        help="Learner servers running at once (JupyterHub's active_server_limit); one more "
        "waits on a page that tries again by itself. 0: as many as 80 % of this machine's "
        "memory holds, each server counted at the lab's memory limit divided by "
        "memory_overcommit. Example: 60.",
    ).tag(config=True)

    memory_overcommit = Float(
        8.0,
        help="How many learners' servers share one memory limit's worth of the machine when "
        "the server limit is worked out (max_active_servers = 0): an idle learner uses about "
        "a tenth of the 1 GiB limit. The memory guard (memory_reserve_mb, "
        "memory_pressure_percent) refuses new starts before the machine runs short. 1: no "
        "overcommit. Example: 4.",
    ).tag(config=True)

    memory_reserve_mb = Integer(
        0,
        help="A new learner's server is refused (the waiting page) while the machine has less "
        "memory available than this (the kernel's MemAvailable). 0: twice the lab's memory "
        "limit. Example: 4096.",
    ).tag(config=True)

    memory_pressure_percent = Float(
        10.0,
        help="A new learner's server is refused (the waiting page) while tasks have stalled "
        "waiting for memory this share of the last 10 seconds (the cgroups' memory pressure, "
        "PSI some avg10): the machine is reclaiming memory hard. Example: 20.",
    ).tag(config=True)

    concurrent_spawns = Integer(
        0,
        help="Learner servers starting at once (JupyterHub's concurrent_spawn_limit); one more "
        "sees a page that waits and tries again by itself. A start is mostly CPU: more at once "
        "only makes each slower. 0: four times this machine's cores, at least 8. Example: 16.",
    ).tag(config=True)

    prestart_minutes = Integer(
        15,
        help="How long before a class session (decoder session add) its group's servers are "
        "started, a few at a time, so that learners who log in find JupyterLab ready. Must "
        "stay under idle_timeout, or the culler stops them before the session. Example: 20.",
    ).tag(config=True)

    prestart_concurrency = Integer(
        2,
        help="Servers a prestart (a session's, or decoder prestart GROUP) starts at once; each "
        "is waited for before the next, so that the machine stays responsive for those "
        "already working. Example: 3.",
    ).tag(config=True)

    prestart_check_seconds = Integer(
        60,
        help="How often the class-sessions service looks for a session whose servers are to "
        "be started. Example: 30.",
    ).tag(config=True)

    public_base_url = Unicode(
        "", help="The platform's address as people reach it, behind a TLS reverse proxy: the "
        "hub's address, of which each person's server and each service gets a subdomain "
        "(per_user_origins: alice.cours.example.org, course--service.cours.example.org), "
        "and the badges' issuer. Default: http://localhost:<public_port> (with per-user "
        "origins; browsers resolve *.localhost to this machine), else the proxy's own address. "
        "Example: 'https://cours.example.org'.",
    ).tag(config=True)

    per_user_origins = Bool(
        True,
        help="Give every person's server, and each service, a web origin of its own "
        "(JupyterHub's subdomain_host, host routing in the proxy, __Host- cookies): code a "
        "learner wrote can then act neither as whoever runs it nor on the hub. Needs a "
        "wildcard DNS name and certificate for public_base_url in production "
        "(docs/operating.md). False: one shared origin, made safe rather than convenient: "
        "reviews show the outputs of the grading sandbox instead of running a peer's "
        "notebook, and instructors cannot open a learner's JupyterLab. Example: False.",
    ).tag(config=True)

    db_url = Unicode(
        help="Hub database URL. Default: SQLite in data_dir. Example: "
        "'postgresql://decoder:secret@127.0.0.1/decoder'.",
    ).tag(config=True)

    help_text = Unicode(
        "",
        help="Where learners ask for help, as the « Par ici » page their JupyterLab opens at "
        "each start says it (Markdown; empty: ask the instructor, open a hint, read the error "
        "box). Example: 'Forum du cours : https://forum.example.org/c/decoder — ou le mardi, "
        "14 h-16 h, salle 3.'",
    ).tag(config=True)
    ui_language = Unicode(
        "fr",
        help="Language of the hub's pages and of the course service's messages and feedback: "
        "'fr' (our French templates) or 'en' (JupyterHub's "
        "own). JupyterLab's language can also be changed by each learner. Example: 'en'.",
    ).tag(config=True)

    instance = Unicode(
        "decoder",
        help="Prefix of this platform's containers, volumes and firewall chain, so that two "
        "platforms (a demo and a test run) can share one engine. Example: 'decoder'.",
    ).tag(config=True)

    proxy_command = List(
        Unicode(),
        help="Command starting configurable-http-proxy. Default: the one `make up` installs "
        "under .venv/chp, else the one on PATH. "
        "Example: ['/usr/local/bin/configurable-http-proxy'].",
    ).tag(config=True)

    instructors = List(
        Unicode(),
        help="Usernames placed in the 'instructors' group at every start (the demo instructor "
        "is added automatically). Example: ['marie', 'karim'].",
    ).tag(config=True)

    login = Unicode(
        "native",
        help="How people log in: 'native' (accounts on this platform, NativeAuthenticator) or "
        "'lti13' (launched from the school's LMS; the LMS's LTI roles say who teaches; the "
        "c.LTI13Authenticator block of this file says which LMS, see docs/lti.md). "
        "Example: 'lti13'.",
    ).tag(config=True)

    @validate("login")
    def _valid_login(self, proposal):
        if proposal["value"] not in LOGINS:
            raise TraitError(f"login must be one of {', '.join(LOGINS)}, not "
                             f"{proposal['value']!r}")
        return proposal["value"]

    @validate(*LEAST)
    def _at_least(self, proposal):
        name, least = proposal["trait"].name, LEAST[proposal["trait"].name]
        if proposal["value"] < least:
            raise TraitError(f"{name} must be {least} or more, not {proposal['value']}")
        return proposal["value"]

    # ---- the course service and grading ----

    course_file = Unicode(
        help="course.toml of the course being taught; its folder also holds the masters "
        "(source/<assignment>/) and nbgrader_config.py. Default: the project's "
        "course/course.toml. Example: '/srv/course/course.toml'.",
    ).tag(config=True)

    course_service_port = Integer(
        8082,
        help="Port of the course service, on the learner network's gateway address (learner "
        "containers reach it there; browsers through the proxy at /services/course/). "
        "Example: 8082.",
    ).tag(config=True)

    course_service_address = Unicode(
        "",
        help="URL where the hub and learners' servers reach the course service when it runs "
        "apart from the hub: a Kubernetes Service (deploy/kubernetes/decoder-services.yaml), "
        "or another machine running `decoder course-service`. The hub then only routes to it "
        "and shares its token (the environment variable DECODER_COURSE_TOKEN, else "
        "data_dir/secrets/course-service-token). Empty: the hub starts it on this machine, on "
        "the learner network's gateway. Example: 'http://decoder-course-service:8082'.",
    ).tag(config=True)

    course_service_listen_ip = Unicode(
        "",
        help="Address the course service listens on. Empty: the learner network's gateway "
        "(one machine: learners' containers reach it there, nothing outside does). In a pod: "
        "'0.0.0.0' (its NetworkPolicy says who may come). Example: '0.0.0.0'.",
    ).tag(config=True)

    course_db_url = Unicode(
        help="Database of the course service (submissions, jobs, results). Default: SQLite in "
        "data_dir/course-service. Example: 'postgresql://decoder:secret@127.0.0.1/course'.",
    ).tag(config=True)

    max_submission_mb = Integer(
        20, help="Largest submission accepted, in MB (all its files together). Example: 20.",
    ).tag(config=True)

    max_submissions_per_minute = Integer(
        6, help="Submissions a learner may make in a minute; more are refused (429) with a "
        "message saying how long to wait. Each takes a grading sandbox, and the queue is the "
        "class's. Instructors are not limited. 0: no limit. Example: 6.",
    ).tag(config=True)

    peer_min_comment = Integer(
        40, help="Fewest characters of a peer review's overall comment: enough to say what "
        "works and one thing to improve. Example: 80.",
    ).tag(config=True)

    review_rooms = Integer(
        4,
        help="Review rooms: hub accounts relecture-1 … relecture-N whose servers run a peer's "
        "notebook for one reviewer at a time (« Ouvrir la copie »), on an origin of their own, "
        "with no home and no token the course service accepts; wiped after each review. Each "
        "running room counts in the machine's server limit. 0, or per_user_origins False: no "
        "rooms, the review shows the outputs of the grading sandbox. Example: 8.",
    ).tag(config=True)

    review_rooms_ready = Integer(
        1,
        help="Review rooms kept started ahead, empty, so that « Ouvrir la copie » finds a "
        "running kernel within seconds. Example: 2.",
    ).tag(config=True)

    review_room_minutes = Integer(
        60,
        help="A review room is wiped (its server stopped, its share removed) this long after it "
        "was given to a reviewer, or sooner once the review is sent or the room idles "
        "review_room_idle_minutes. Example: 90.",
    ).tag(config=True)

    review_room_idle_minutes = Integer(
        15,
        help="A review room nobody used for this long is wiped. Example: 20.",
    ).tag(config=True)

    review_room_mb = Integer(
        64,
        help="Size, in MB, of a review room's folder (memory-backed, gone when the room is "
        "wiped): the copy, and what running it writes. Example: 128.",
    ).tag(config=True)

    formgrader = Bool(
        True,
        help="Run nbgrader's formgrader for the 'instructors' group, on the course's gradebook: "
        "a hub-managed service in a container on the learner network, at "
        "/services/formgrader/. Example: False.",
    ).tag(config=True)

    formgrader_address = Unicode(
        "",
        help="URL where the hub reaches the formgrader when it runs apart from the hub (its "
        "Kubernetes Deployment, deploy/kubernetes/decoder-services.yaml), with the token in "
        "DECODER_FORMGRADER_TOKEN. Empty: the hub starts its container on this machine. "
        "Example: 'http://decoder-formgrader:8888'.",
    ).tag(config=True)

    formgrader_mem_limit = Unicode(
        "1G", help="Memory limit of the formgrader's container. Example: '2G'."
    ).tag(config=True)

    grading_workers = Integer(
        0, help="Grading workers run by the course service; 0 means one per CPU core. "
        "Example: 4.",
    ).tag(config=True)

    grade_here = Bool(
        True,
        help="The course service's own machine grades (grading_workers sandboxes on its Docker "
        "engine). False: only `decoder worker` hosts grade, through grading_queue_address; "
        "the course service then needs no Docker engine (its Kubernetes Deployment). "
        "Example: False.",
    ).tag(config=True)

    grader_image = Unicode(
        "decoder/grader:latest",
        help="Image of the throwaway grading sandboxes. Example: 'decoder/grader:latest'.",
    ).tag(config=True)

    sandboxes_ahead = Integer(
        2, help="Grading sandboxes each worker keeps started ahead of its next jobs (each "
        "used by one job only), so a job does not wait for the engine; 0 starts one per job "
        "when it begins. Example: 2.",
    ).tag(config=True)

    cell_timeout = Integer(
        10, help="Seconds a cell of a submission may run while graded. A beginner's cell "
        "runs in milliseconds: 10 s tells a learner about an endless loop three times sooner "
        "than nbgrader's 30 s; raise it for exercises that compute. Example: 30.",
    ).tag(config=True)

    job_timeout = Integer(
        300, help="Seconds a whole grading job may take before it is stopped. Example: 300.",
    ).tag(config=True)

    lease_seconds = Integer(
        60, help="A grading worker renews its hold on a job this often (x1/3); a job whose "
        "worker stopped renewing is given to another worker after this many seconds. "
        "Example: 60.",
    ).tag(config=True)

    max_attempts = Integer(
        3, help="Times a job is tried when grading itself fails (not the learner's code) "
        "before it is marked failed. Example: 3.",
    ).tag(config=True)

    grading_queue_address = Unicode(
        "",
        help="Address (host:port) where the course service hands grading jobs to workers on "
        "other machines (`decoder worker --queue http://HOST:PORT` on each, with the token in "
        "data_dir/secrets/grading-queue-token). Keep it on a private network: the token "
        "opens every submission and the hidden tests. Needs PostgreSQL (course_db_url). "
        "Empty: this machine's workers only. Example: '10.0.0.5:8090'.",
    ).tag(config=True)

    @default("course_file")
    def _default_course_file(self) -> str:
        return str(PROJECT_ROOT / "course" / "course.toml")

    @default("course_db_url")
    def _default_course_db_url(self) -> str:
        return f"sqlite:///{self.course_storage / 'course.sqlite'}"

    @property
    def course_storage(self) -> Path:
        """The course service's own folder: submissions, graded notebooks, its gradebook."""
        return self.path("course-service")

    @property
    def homes_root(self) -> Path:
        """The btrfs filesystem of the learners' homes (decoder/hub/homes.py)."""
        return self.path("homes")

    @property
    def homes_image(self) -> Path:
        return self.path("homes.img")

    @property
    def masters_dir(self) -> Path:
        return Path(self.course_file).parent / "source"

    @property
    def course_config(self) -> Path:
        return Path(self.course_file).parent / "nbgrader_config.py"

    @property
    def course_service_url(self) -> str:
        """Where learner containers and the hub reach the course service."""
        if self.course_service_address:
            return self.course_service_address.rstrip("/")
        return f"http://{self.gateway_ip}:{self.course_service_port}"

    @property
    def course_service_apart(self) -> bool:
        """The course service runs apart from the hub (the hub does not start it)."""
        return bool(self.course_service_address)

    @property
    def course_service_bind_ip(self) -> str:
        return self.course_service_listen_ip or self.gateway_ip

    @property
    def rooms(self) -> int:
        """Review rooms in use: none with one shared origin (a peer's code would run on the
        reviewer's origin)."""
        return self.review_rooms if self.per_user_origins else 0

    @property
    def worker_count(self) -> int:
        """Grading workers on the course service's machine: none when it does not grade."""
        if not self.grade_here:
            return 0
        return self.grading_workers or os.cpu_count() or 1

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return str(PROJECT_ROOT / "data")

    @default("proxy_command")
    def _default_proxy_command(self) -> list[str]:
        local = PROJECT_ROOT / ".venv" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
        if local.exists():
            return [str(local)]
        return [shutil.which("configurable-http-proxy") or "configurable-http-proxy"]

    @default("allowed_images")
    def _default_allowed_images(self) -> list[str]:
        return [self.lab_image]

    @default("db_url")
    def _default_db_url(self) -> str:
        return f"sqlite:///{Path(self.data_dir) / 'jupyterhub.sqlite'}"

    def __init__(self, environ: Mapping[str, str] | None = None, config_file: str = "",
                 **kwargs):
        super().__init__(**kwargs)
        self.config_file = config_file
        self._from_environment: set[str] = set()
        self._apply_environment(os.environ if environ is None else environ)

    @classmethod
    def load(cls, config_file: str | Path | None = None,
             environ: Mapping[str, str] | None = None) -> PlatformSettings:
        """The settings of this platform: the operator's file (``config_file``, else the one
        named by DECODER_CONFIG), then DECODER_* variables, then defaults. Every entry point
        calls this; ``environ`` defaults to this process's environment."""
        environ = os.environ if environ is None else environ
        path = str(config_file) if config_file else environ.get(CONFIG_ENV, "")
        try:
            return cls(config=read_config_file(path) if path else Config(), environ=environ,
                       config_file=path)
        except TraitError as error:
            raise ValueError(f"{CONFIG_ENV} file {path}: {error}") from None

    def _apply_environment(self, environ: Mapping[str, str]) -> None:
        """Environment variables win over defaults, never over explicit config."""
        configured = set(self.config.get(type(self).__name__, {}))
        for name, trait in self.traits(config=True).items():
            value = environ.get(ENV_PREFIX + name.upper())
            if value is None or name in configured:
                continue
            try:
                self.set_trait(name, parse_env_value(trait, value))
            except ValueError as error:
                raise ValueError(f"{ENV_PREFIX}{name.upper()}: {error}") from None
            self._from_environment.add(name)

    def source(self, name: str) -> str:
        """Where a setting's value comes from: 'file', 'environment' or 'default'."""
        if name in self.config.get(type(self).__name__, {}):
            return "file" if self.config_file else "config"
        return "environment" if name in self._from_environment else "default"

    def environment(self) -> dict[str, str]:
        """Every setting as an explicit ``DECODER_<NAME>`` variable, for a child process: it
        then loads exactly these values, whatever file or defaults it would find itself."""
        return {ENV_PREFIX + name.upper(): env_text(trait, getattr(self, name))
                for name, trait in self.traits(config=True).items()}

    def child_environment(self) -> dict[str, str]:
        """The whole environment of a process of ours (service, grading worker): what it needs
        of this one (HOME, PATH, the engine's address) and every setting, explicitly."""
        kept = {name: os.environ[name] for name in INHERITED if name in os.environ}
        return {**kept, **self.environment()}

    # ---- derived values (pure) ----

    @property
    def gateway_ip(self) -> str:
        """The host's address on the learner network: where the hub and services listen."""
        return gateway_of(self.learner_subnet)

    @property
    def hub_url(self) -> str:
        """Where the hub listens for the proxy, its services and learners' servers: the
        learner network's gateway."""
        return f"http://{self.gateway_ip}:{self.hub_port}"

    @property
    def formgrader_ip(self) -> str:
        """The formgrader's fixed address: the learner subnet's last one (Docker hands out the
        lowest free addresses to learner containers)."""
        return last_host_of(self.learner_subnet)

    @property
    def formgrader_url(self) -> str:
        if self.formgrader_address:
            return self.formgrader_address.rstrip("/")
        return f"http://{self.formgrader_ip}:{FORMGRADER_PORT}"

    @property
    def proxy_address(self) -> str:
        """Where the public proxy is reached from this machine: ``http://127.0.0.1:8000``."""
        host = "127.0.0.1" if self.public_ip in ("", "0.0.0.0") else self.public_ip
        return f"http://{host}:{self.public_port}"

    @property
    def public_url(self) -> str:
        """The hub's address as people reach it (origins.py gives each server's and
        service's): public_base_url, else ``http://localhost:8000`` with per-user origins,
        else the proxy's own address."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        if self.per_user_origins:
            return f"http://localhost:{self.public_port}"
        return self.proxy_address

    def path(self, *parts: str) -> Path:
        return Path(self.data_dir).joinpath(*parts)

    def spawn_limit(self, cores: int) -> int:
        """JupyterHub's concurrent_spawn_limit: concurrent_spawns, or four times ``cores``, at
        least 8."""
        return self.concurrent_spawns or max(8, 4 * cores)

    @property
    def cli_token_file(self) -> Path:
        """The token of the operators' command (the hub's ``decoder-cli`` service)."""
        return self.path("secrets", "cli_token")

    @property
    def grading_queue_token_file(self) -> Path:
        """The token workers of other machines show (decoder worker --token-file)."""
        return self.path("secrets", "grading-queue-token")

    def grading_queue_problem(self) -> str | None:
        """Why grading_queue_address cannot be served, if it cannot."""
        if not self.grading_queue_address:
            return None
        host, _, port = self.grading_queue_address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            return (f"grading_queue_address {self.grading_queue_address!r} is not host:port; "
                    "write it as '10.0.0.5:8090'")
        if self.course_db_url.startswith("sqlite"):
            return ("grading_queue_address is set (grading workers on other machines), but "
                    "course_db_url is SQLite: the grading queue of several hosts needs "
                    "PostgreSQL. Set course_db_url to 'postgresql://USER:PASSWORD@HOST/DB', or "
                    "leave grading_queue_address empty to grade on this machine only")
        return None

    def placement_problem(self) -> str | None:
        """Why the course service's placement cannot work, if it cannot."""
        for name in ("course_service_address", "formgrader_address"):
            value = getattr(self, name)
            if value and not value.startswith(("http://", "https://")):
                return (f"{name} {value!r} is not a URL; write it as "
                        "'http://decoder-course-service:8082'")
        if not self.grade_here and not self.grading_queue_address:
            return ("grade_here is False (the course service's machine grades nothing) but "
                    "grading_queue_address is empty: no worker could take a job. Set "
                    "grading_queue_address and run `decoder worker` on the grading hosts, or "
                    "set grade_here back to True")
        return None

    def prestart_problem(self) -> str | None:
        """Why prestarted servers would not last until their session, if they would not."""
        if self.prestart_minutes * 60 >= self.idle_timeout:
            return (f"prestart_minutes ({self.prestart_minutes} min) must stay under "
                    f"idle_timeout ({self.idle_timeout} s): the idle culler would stop the "
                    "servers started for a session before it begins")
        return None


@functools.cache
def process_settings() -> PlatformSettings:
    """This process's settings, loaded once: the hub's configuration and its spawners share
    them (a spawner does not read the settings again at each start)."""
    return PlatformSettings.load()


def read_config_file(path: str) -> Config:
    """The operator's settings file (traitlets Python syntax), with its name in any error."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"{CONFIG_ENV} names {path!r}, which is not a file")
    try:
        return PyFileConfigLoader(file.name, path=str(file.parent)).load_config()
    except Exception as error:  # noqa: BLE001 - any mistake in the file is the operator's to fix
        raise ValueError(f"{CONFIG_ENV} file {path}: {error}") from error


def gateway_of(subnet: str) -> str:
    """First usable address of an IPv4 subnet: ``gateway_of('172.29.0.0/24') == '172.29.0.1'``."""
    try:
        network = ipaddress.ip_network(subnet, strict=True)
    except ValueError as error:
        raise ValueError(f"learner_subnet {subnet!r} is not a subnet: {error}") from error
    if network.version != 4 or network.num_addresses < 8:
        raise ValueError(
            f"learner_subnet {subnet!r} must be an IPv4 subnet of at least 8 addresses "
            "(set c.PlatformSettings.learner_subnet or DECODER_LEARNER_SUBNET)"
        )
    return str(network.network_address + 1)


def last_host_of(subnet: str) -> str:
    """Last usable address of the (checked) subnet: ``last_host_of('172.29.0.0/24') ==
    '172.29.0.254'``."""
    gateway_of(subnet)
    return str(ipaddress.ip_network(subnet).broadcast_address - 1)


def parse_env_value(trait, value: str):
    """Turn an environment string into the trait's type (booleans, integers, numbers, lists
    written with commas or as a JSON list) (pure)."""
    if isinstance(trait, Bool):
        lowered = value.strip().lower()
        if lowered not in ("1", "0", "true", "false", "yes", "no"):
            raise ValueError(f"{value!r} is not a boolean (use 1/0, true/false, yes/no)")
        return lowered in ("1", "true", "yes")
    if isinstance(trait, Integer):
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
    if isinstance(trait, Float):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            raise ValueError(f"{value!r} is not a number (such as 2.5)") from None
    if isinstance(trait, List):
        if value.lstrip().startswith("["):
            items = json.loads(value)
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"{value!r} is not a JSON list of texts")
            return items
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def env_text(trait, value) -> str:
    """A setting's value as ``parse_env_value`` reads it back (pure): lists as JSON, so that
    an item holding a comma survives."""
    if isinstance(trait, Bool):
        return "1" if value else "0"
    if isinstance(trait, List):
        return json.dumps(list(value))
    return str(value)
