"""What the hub of this platform is, wherever it runs: its pages, accounts, roles and services.

One machine (jupyterhub_config.py) and Kubernetes (the Zero to JupyterHub chart's
``hub.extraConfig``, deploy/kubernetes/values.yaml) both call ``configure_hub``, so that a role,
a service or a page cannot exist on one and not on the other. What differs is said by the
settings and the placement:

- a service with an address (``course_service_address``, ``formgrader_address``) runs apart:
  the hub routes to it and shares its token (``service_token``); without one, the hub starts
  it on this machine, tied to its own life (decoder/hub/childof.py);
- ``placement="kubernetes"``: the chart runs its own idle culler; the operator works with
  kubectl, not with the decoder command's token.

Everything here but ``configure_hub`` is pure.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from .. import origins
from ..keys import ensure_token
from ..settings import PROJECT_ROOT, PlatformSettings
from .accounts import instructor_names, reserved_names
from .roles import (
    CLASS_SESSIONS,
    COURSE_SERVICE,
    FORMGRADER,
    class_sessions_role,
    course_service_role,
    culler_role,
    instructor_role,
    operator_role,
    room_names,
    room_role,
    server_token_scopes_for,
    user_role,
)

PLACEMENTS = ("machine", "kubernetes")
TOKEN_ENV = "DECODER_{}_TOKEN"  # an external service's token, from a Kubernetes Secret


def token_variable(name: str) -> str:
    """``DECODER_COURSE_TOKEN`` for the service ``course``."""
    return TOKEN_ENV.format(name.upper().replace("-", "_"))


def token_file(settings: PlatformSettings, name: str) -> Path:
    return settings.path("secrets", f"{name}-service-token")


def service_token(settings: PlatformSettings, name: str,
                  environ: Mapping[str, str] = os.environ) -> str:
    """The token the service ``name`` shows the hub when it runs apart: its variable (a
    Kubernetes Secret given to both pods), else a file of data_dir/secrets, made once (one
    machine: `decoder course-service` reads the same file)."""
    given = environ.get(token_variable(name), "").strip()
    return given or ensure_token(token_file(settings, name))


def started_here(settings: PlatformSettings, module: str) -> dict:
    """A service the hub starts and stops with itself, with every setting explicitly."""
    return {"command": [sys.executable, "-m", "decoder.hub.childof", module],
            "cwd": str(PROJECT_ROOT), "environment": settings.child_environment()}


def apart_environment(settings: PlatformSettings, name: str, hub_api_url: str,
                      listen_url: str) -> dict[str, str]:
    """The JUPYTERHUB_* variables of the service ``name`` run apart from the hub, as the hub
    gives them to a service it starts itself (tests/test_services_apart.py compares them),
    but the token (JUPYTERHUB_API_TOKEN: its Secret, or its file). ``hub_api_url``: where it
    reaches the hub's API; ``listen_url``: where it listens."""
    prefix = f"/services/{name}/"
    apart = settings.per_user_origins  # jupyterhub_config.py's subdomain_host
    host = origins.origin_of(settings.public_url, name, "service") if apart else ""
    hub_origin = origins.origin_of(settings.public_url, name, "hub")
    scopes = json.dumps(["access:services", f"access:services!service={name}"])
    return {
        "JUPYTERHUB_SERVICE_NAME": name,
        "JUPYTERHUB_CLIENT_ID": f"service-{name}",
        "JUPYTERHUB_API_URL": hub_api_url.rstrip("/"),
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": listen_url.rstrip("/"),
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{host}{prefix}oauth_callback",
        "JUPYTERHUB_HOST": hub_origin if apart else "",
        "JUPYTERHUB_PUBLIC_URL": f"{host or hub_origin}{prefix}",
        "JUPYTERHUB_PUBLIC_HUB_URL": f"{hub_origin}/hub/",
        "JUPYTERHUB_OAUTH_SCOPES": scopes,
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": scopes,
        "JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED": str(int(
            apart and settings.public_url.startswith("https://"))),
    }


def hub_services(settings: PlatformSettings, placement: str = "machine",
                 tokens: Mapping[str, str] | None = None) -> list[dict]:
    """JupyterHub's ``services``; ``tokens``: the tokens of the services that run apart."""
    tokens = tokens or {}
    services = []
    if placement == "machine":
        services += [
            {"name": "idle-culler",
             "command": [sys.executable, "-m", "decoder.hub.childof", "jupyterhub_idle_culler",
                         f"--timeout={settings.idle_timeout}"]},
            {"name": "decoder-cli", "api_token": tokens["decoder-cli"]},
        ]
    # starts a group's servers ahead of its class session (decoder/hub/prestart.py): it only
    # talks to the hub's API, so it runs beside the hub on both
    services.append({"name": CLASS_SESSIONS, **started_here(settings, "decoder.hub.prestart")})
    apart = apart_services(settings)

    def ours(name: str, url: str, module: str) -> dict:
        where = {"api_token": tokens[name]} if name in apart else started_here(settings, module)
        # our own pages (peer review, the formgrader): no "authorize" step
        return {"name": name, "url": url, "oauth_no_confirm": True, **where}
    services.append(ours(COURSE_SERVICE, settings.course_service_url, "decoder.course_app"))
    if settings.formgrader:  # nbgrader's formgrader (decoder/hub/formgrader.py)
        services.append(ours(FORMGRADER, settings.formgrader_url, "decoder.hub.formgrader"))
    return services


def apart_services(settings: PlatformSettings) -> list[str]:
    """The services that run apart from the hub (each needs a shared token)."""
    return ([COURSE_SERVICE] if settings.course_service_apart else []) + (
        [FORMGRADER] if settings.formgrader and settings.formgrader_address else [])


def hub_roles(settings: PlatformSettings, placement: str = "machine") -> list[dict]:
    rooms = room_names(settings.rooms)
    roles = [user_role(settings.per_user_origins), instructor_role(settings.per_user_origins),
             course_service_role(rooms), class_sessions_role()]
    if placement == "machine":
        roles += [culler_role(), operator_role()]
    return roles + ([room_role(rooms)] if rooms else [])


def merged(existing: list[dict], ours: list[dict]) -> list[dict]:
    """``existing`` (the chart's own roles or services) with ours, ours winning by name."""
    names = {entry["name"] for entry in ours}
    return [entry for entry in existing if entry.get("name") not in names] + ours


def template_paths(settings: PlatformSettings) -> list[str]:
    """Our pages in the platform's language (French: every page a learner meets; English:
    the waiting page over the limits, JupyterHub's own pages otherwise), then what both
    share."""
    return [str(PROJECT_ROOT / "decoder" / "templates" / language)
            for language in (settings.ui_language, "common")]


def configure_accounts(c, settings: PlatformSettings) -> None:
    c.Authenticator.allow_all = True  # NativeAuthenticator / the LMS refuse who may not come
    if settings.login == "lti13":  # launched from the school's LMS (decoder/hub/lti.py)
        c.JupyterHub.authenticator_class = "decoder.hub.lti.DecoderLTI13Authenticator"
        c.DecoderLTI13Authenticator.instructor_usernames = set(instructor_names(settings))
        return
    c.JupyterHub.authenticator_class = "decoder"
    c.DecoderAuthenticator.open_signup = settings.open_signup
    c.DecoderAuthenticator.minimum_password_length = 8
    # instructors are made by the operator (decoder instructor add), never by sign-up; review
    # rooms are accounts nobody logs in as (no password; their names refused at sign-up)
    c.DecoderAuthenticator.reserved_usernames = reserved_names(settings) | set(
        room_names(settings.review_rooms))
    c.DecoderAuthenticator.signups_per_address_per_hour = settings.signups_per_address_per_hour
    c.DecoderAuthenticator.allowed_failed_logins = settings.failed_logins_before_lockout
    c.DecoderAuthenticator.seconds_before_next_try = settings.lockout_minutes * 60
    groups = dict(c.JupyterHub.get("load_groups") or {})
    groups["instructors"] = {"users": instructor_names(settings)}
    c.JupyterHub.load_groups = groups


def configure_hub(c, settings: PlatformSettings, placement: str = "machine",
                  environ: Mapping[str, str] = os.environ) -> None:
    """Set the hub's pages, accounts, roles and services on the config ``c``, keeping what
    another part of the configuration (the chart's) set under other names."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement {placement!r}: one of {', '.join(PLACEMENTS)}")
    problem = settings.placement_problem()
    if problem:
        raise ValueError(problem)
    c.JupyterHub.template_paths = template_paths(settings)
    # one shared origin: the error page says why nobody opens another person's JupyterLab
    c.JupyterHub.template_vars = {"shared_origin": not settings.per_user_origins}
    configure_accounts(c, settings)
    c.JupyterHub.load_roles = merged(list(c.JupyterHub.get("load_roles") or []),
                                     hub_roles(settings, placement))
    tokens = {name: service_token(settings, name, environ)
              for name in apart_services(settings)}
    if placement == "machine":
        tokens["decoder-cli"] = ensure_token(settings.cli_token_file)
    c.JupyterHub.services = merged(list(c.JupyterHub.get("services") or []),
                                   hub_services(settings, placement, tokens))
    # a review room's server token reaches nothing of the course; a learner's, its exchange
    c.Spawner.server_token_scopes = server_token_scopes_for(room_names(settings.rooms))
