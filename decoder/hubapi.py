"""The hub's REST API as our processes use it: the ``decoder`` command (the decoder-cli
service's token, through the proxy) and the class-sessions service (its own token, from the
environment the hub gives it). Each call says what it means for a class: a group's members,
whether a server is ready, starting one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from .origins import via_proxy
from .settings import PlatformSettings

TIMEOUT = 15


class HubAPIError(RuntimeError):
    """An answer the caller cannot go on with; the text says which call and what came."""


@dataclass
class HubAPI:
    url: str  # .../hub/api
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_cli(cls, settings: PlatformSettings) -> HubAPI:
        token = settings.cli_token_file.read_text().strip()
        url, host = via_proxy(settings.proxy_address, settings.public_url + "/hub/api")
        return cls(url, token, host)

    @classmethod
    def from_environment(cls) -> HubAPI:
        """A hub-managed service's: JupyterHub gives it its API's address and a token."""
        return cls(os.environ["JUPYTERHUB_API_URL"].rstrip("/"),
                   os.environ["JUPYTERHUB_API_TOKEN"])

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.url + path, timeout=TIMEOUT,
                                headers={"Authorization": f"token {self.token}", **self.headers},
                                **kwargs)

    def user(self, name: str) -> dict | None:
        answer = self.call("GET", f"/users/{quote(name)}")
        if answer.status_code == 404:
            return None
        self._ok(answer, f"reading user {name}")
        return answer.json()

    def create_user(self, name: str) -> None:
        """The hub's user for an account that exists but never logged in (201, or 409: there
        already)."""
        answer = self.call("POST", f"/users/{quote(name)}")
        if answer.status_code != 409:
            self._ok(answer, f"creating user {name}")

    def group_members(self, group: str) -> list[str] | None:
        """The group's usernames, None when there is no such group."""
        answer = self.call("GET", f"/groups/{quote(group)}")
        if answer.status_code == 404:
            return None
        self._ok(answer, f"reading group {group}")
        return sorted(answer.json().get("users", []))

    def create_group(self, group: str) -> bool:
        """True when made now, False when it was there already."""
        answer = self.call("POST", f"/groups/{quote(group)}")
        if answer.status_code == 409:
            return False
        self._ok(answer, f"creating group {group}")
        return True

    def add_to_group(self, group: str, names: list[str]) -> None:
        self._ok(self.call("POST", f"/groups/{quote(group)}/users", json={"users": names}),
                 f"adding to group {group}")

    def server_state(self, name: str) -> str:
        """'ready', 'pending' (starting or stopping) or 'stopped' for the user's server."""
        user = self.user(name)
        server = ((user or {}).get("servers") or {}).get("")
        if not server:
            return "stopped"
        return "ready" if server.get("ready") else "pending"

    def start_server(self, name: str) -> requests.Response:
        return self.call("POST", f"/users/{quote(name)}/server")

    @staticmethod
    def _ok(answer: requests.Response, doing: str) -> None:
        if not answer.ok:
            raise HubAPIError(f"the hub answered {answer.status_code} {answer.text[:200]!r} "
                              f"when {doing}")
