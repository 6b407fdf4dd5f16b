"""JupyterHub configuration of Décoder le code: wiring only.

Settings live in decoder/settings.py (PlatformSettings, loaded once for this process); set them
with DECODER_* environment variables or in an operator file named by DECODER_CONFIG
(``c.PlatformSettings.x = ...``, and settings of other classes such as ``c.DecoderSpawner.y``).
"""

import os

from decoder.diskspace import docker_root
from decoder.hub.hubconfig import configure_hub
from decoder.hub.spawner import (
    DEFAULT_MEM_LIMIT,
    active_server_limit,
    configured_hardening,
    merged_host_config,
)
from decoder.keys import ensure_demo_accounts, ensure_token
from decoder.settings import process_settings

c = get_config()  # noqa: F821
settings = process_settings()
if settings.config_file:  # the operator's settings of the hub's other classes
    load_subconfig(settings.config_file)  # noqa: F821
secrets_dir = settings.path("secrets")
demo_accounts = ensure_demo_accounts(secrets_dir / "demo-accounts.json")

# ---- hub, proxy, database ----
c.JupyterHub.bind_url = f"http://{settings.public_ip}:{settings.public_port}"
if settings.per_user_origins:  # every person's server and each service on its own origin
    c.JupyterHub.subdomain_host = settings.public_url
    # no cookie tossing from a subdomain: __Host- cookies over TLS (JupyterHub 5.5 sets its
    # OAuth state cookie without Secure on http, which browsers then refuse); the http demo
    # needs none, browsers refuse a cookie for Domain=localhost (docs/decisions.md)
    c.JupyterHub.cookie_host_prefix_enabled = settings.public_url.startswith("https://")
c.JupyterHub.hub_bind_url = settings.hub_url
c.JupyterHub.db_url = settings.db_url
c.JupyterHub.cookie_secret_file = str(secrets_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(settings.path("run", "jupyterhub.pid"))
c.JupyterHub.cleanup_servers = False  # a hub restart leaves learners' servers running
# the proxy runs apart from the hub (decoder/ops/hubprocess.py starts it, as Zero to JupyterHub
# does): a hub restart or crash leaves every learner's route up
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = ensure_token(secrets_dir / "proxy_token")

# ---- pages, accounts, roles, services: the same on Kubernetes (decoder/hub/hubconfig.py) ----
if settings.login != "lti13":  # this machine's own: the demo's accounts, the disk watched
    c.DecoderAuthenticator.seed_accounts_file = str(secrets_dir / "demo-accounts.json")
    c.DecoderAuthenticator.min_free_disk_mb = settings.min_free_disk_mb
    c.DecoderAuthenticator.watched_folders = [settings.data_dir, str(settings.homes_root),
                                              docker_root()]
    c.JupyterHub.load_groups = {"learners": {"users": sorted(
        n for n, a in demo_accounts.items() if a["role"] == "learner")}}
configure_hub(c, settings, "machine")

# ---- learner sandbox ----
c.JupyterHub.spawner_class = "decoder"
c.DecoderSpawner.image = settings.lab_image
c.DecoderSpawner.allowed_images = settings.allowed_images
c.DecoderSpawner.pull_policy = "never"  # images are built locally (decoder build)
c.DecoderSpawner.network_name = settings.learner_network
c.DecoderSpawner.use_internal_ip = True
c.DecoderSpawner.remove = True  # the container is throwaway; the home is kept
c.DecoderSpawner.name_template = settings.instance + "-lab-{username}"
c.DecoderSpawner.home_volume = settings.instance + "-home-{username}"
c.DecoderSpawner.disable_user_config = True
c.DecoderSpawner.default_url = "/lab/tree/cours/par-ici.md"  # « Par ici », written at each start
c.DecoderSpawner.start_timeout = 120
c.DecoderSpawner.http_timeout = 90
# an operator's extra_host_config may add to the hardening, never weaken it: refuse to start
if isinstance(c.DecoderSpawner.get("extra_host_config"), dict):
    merged_host_config(configured_hardening(c.DecoderSpawner), c.DecoderSpawner.extra_host_config)
# admitted on measured use (an idle learner uses about a tenth of the limit), with the
# spawner's memory guard refusing a start before the machine runs short (decoder/hub/memory.py)
c.JupyterHub.active_server_limit = active_server_limit(
    settings, c.DecoderSpawner.get("mem_limit", DEFAULT_MEM_LIMIT))
# a class logging in at once: starts beyond the limit wait on a page that tries again by itself
# (templates/<language>/429.html), a few seconds apart at random so that they do not all come
# back together
c.JupyterHub.concurrent_spawn_limit = settings.spawn_limit(os.cpu_count() or 1)
c.JupyterHub.spawn_throttle_retry_range = (3, 10)
for problem in (settings.prestart_problem(), settings.grading_queue_problem()):
    if problem:
        raise ValueError(problem)
