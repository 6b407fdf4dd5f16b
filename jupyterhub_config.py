"""JupyterHub configuration of Décoder le code: wiring only.

Settings live in decoder/settings.py (PlatformSettings, loaded once for this process); set them
with DECODER_* environment variables or in an operator file named by DECODER_CONFIG
(``c.PlatformSettings.x = ...``, and settings of other classes such as ``c.DecoderSpawner.y``).
"""

import sys

from decoder.keys import DEMO_INSTRUCTOR, ensure_demo_accounts, ensure_token
from decoder.roles import (
    COURSE_SERVICE,
    SERVER_TOKEN_SCOPES,
    course_service_role,
    culler_role,
    instructor_role,
    operator_role,
    user_role,
)
from decoder.settings import PROJECT_ROOT, process_settings

c = get_config()  # noqa: F821
settings = process_settings()
if settings.config_file:  # the operator's settings of the hub's other classes
    load_subconfig(settings.config_file)  # noqa: F821
secrets_dir = settings.path("secrets")
demo_accounts = ensure_demo_accounts(secrets_dir / "demo-accounts.json")

# ---- hub, proxy, database ----
c.JupyterHub.bind_url = f"http://{settings.public_ip}:{settings.public_port}"
c.JupyterHub.hub_bind_url = f"http://{settings.gateway_ip}:{settings.hub_port}"
c.JupyterHub.db_url = settings.db_url
c.JupyterHub.cookie_secret_file = str(secrets_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(settings.path("run", "jupyterhub.pid"))
c.JupyterHub.cleanup_servers = False  # a hub restart leaves learners' servers running
c.ConfigurableHTTPProxy.command = settings.proxy_command
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = ensure_token(secrets_dir / "proxy_token")
c.ConfigurableHTTPProxy.pid_file = str(settings.path("run", "proxy.pid"))
if settings.ui_language == "fr":
    c.JupyterHub.template_paths = [str(PROJECT_ROOT / "decoder" / "templates" / "fr")]

# ---- accounts ----
c.JupyterHub.authenticator_class = "decoder"
c.Authenticator.allow_all = True  # NativeAuthenticator itself refuses accounts not yet approved
c.DecoderAuthenticator.open_signup = settings.open_signup
c.DecoderAuthenticator.minimum_password_length = 8
c.DecoderAuthenticator.seed_accounts_file = str(secrets_dir / "demo-accounts.json")
c.JupyterHub.load_groups = {
    "instructors": {"users": sorted({DEMO_INSTRUCTOR, *settings.instructors})},
    "learners": {"users": sorted(n for n, a in demo_accounts.items() if a["role"] == "learner")},
}
c.JupyterHub.load_roles = [user_role(), instructor_role(), culler_role(), operator_role(),
                           course_service_role()]

# ---- services ----
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={settings.idle_timeout}"],
    },
    {"name": "decoder-cli", "api_token": ensure_token(secrets_dir / "cli_token")},
    {
        "name": COURSE_SERVICE,
        "url": settings.course_service_url,
        "oauth_no_confirm": True,  # our own pages (peer review): no "authorize" step
        "command": [sys.executable, "-m", "decoder.service"],
        "cwd": str(PROJECT_ROOT),
        "environment": settings.child_environment(),
    },
]

# ---- learner sandbox ----
c.JupyterHub.spawner_class = "decoder"
c.DecoderSpawner.image = settings.lab_image
c.DecoderSpawner.allowed_images = settings.allowed_images
c.DecoderSpawner.pull_policy = "never"  # images are built locally (decoder build)
c.DecoderSpawner.network_name = settings.learner_network
c.DecoderSpawner.use_internal_ip = True
c.DecoderSpawner.remove = True  # the container is throwaway; the home volume is kept
c.DecoderSpawner.name_template = settings.instance + "-lab-{username}"
c.DecoderSpawner.home_volume = settings.instance + "-home-{username}"
c.DecoderSpawner.disable_user_config = True
c.DecoderSpawner.default_url = "/lab/tree/cours/semaine-1"
c.DecoderSpawner.start_timeout = 120
c.DecoderSpawner.http_timeout = 90
c.DecoderSpawner.server_token_scopes = SERVER_TOKEN_SCOPES
