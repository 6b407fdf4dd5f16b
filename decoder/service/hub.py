"""What the course service asks of the hub, cached: who the instructors are, and the class (each
learner's last activity); and what it does with the review rooms' servers (start, stop, share
with one reviewer, write a file into). Blocking HTTP calls: callers run them away from the event
loop."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import requests

from .. import origins


@dataclass(frozen=True)
class Learner:
    """A learner's hub account as the course service sees it."""

    name: str
    last_activity: dt.datetime | None


class HubError(RuntimeError):
    """The hub (or a room's server) answered something else than what was asked for."""


class Hub:
    def __init__(self, api_url: str, token: str, max_age: float = 30.0, *,
                 public_url: str = "", proxy_address: str = "",
                 not_learners: frozenset[str] = frozenset()):
        """``public_url`` and ``proxy_address``: where people reach the hub, and where this
        machine reaches the proxy (a room's server is written to through it);
        ``not_learners``: accounts that are no one's (the review rooms)."""
        self.api_url, self.token, self.max_age = api_url.rstrip("/"), token, max_age
        self.public_url, self.proxy_address = public_url, proxy_address
        self.not_learners = not_learners
        self._lock = threading.Lock()
        self._instructors: tuple[float, set[str]] = (0.0, set())
        self._learners: tuple[float, list[Learner]] = (0.0, [])

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def _get(self, path: str, **params):
        response = requests.get(f"{self.api_url}{path}", params=params, timeout=10,
                                headers=self._auth)
        response.raise_for_status()
        return response.json()

    def _call(self, method: str, path: str, expected: tuple[int, ...], **kwargs):
        response = requests.request(method, f"{self.api_url}{path}", timeout=30,
                                    headers=self._auth, **kwargs)
        if response.status_code not in expected:
            raise HubError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    # ---- the review rooms' servers ----

    def server(self, name: str) -> dict | None:
        """``name``'s default server as the hub describes it (ready, pending…), or None."""
        model = self._get(f"/users/{name}")
        server = model.get("servers", {}).get("")
        return None if server is None and not model.get("pending") else \
            {**(server or {}), "pending": model.get("pending")}

    def start(self, name: str) -> None:
        self._call("POST", f"/users/{name}/server", (201, 202, 400))  # 400: already running

    def stop(self, name: str) -> None:
        self._call("DELETE", f"/users/{name}/server", (202, 204, 400))  # 400: not running

    def share_with(self, name: str, user: str) -> None:
        """Give ``user`` access to ``name``'s server (JupyterHub 5's sharing)."""
        self._call("POST", f"/shares/{name}/", (200, 201), json={"user": user})

    def unshare(self, name: str) -> None:
        """Take everyone's access to ``name``'s server away."""
        self._call("DELETE", f"/shares/{name}/", (200, 204, 404))

    def put_file(self, name: str, path: str, content: dict) -> None:
        """Write a notebook into ``name``'s server through its own API (by the proxy, at the
        server's origin, with the service's token)."""
        url, host = origins.via_proxy(self.proxy_address, origins.server_url(
            self.public_url, name) + f"/api/contents/{path}")
        response = requests.put(url, json={"type": "notebook", "format": "json",
                                           "content": content},
                                headers={**self._auth, **host}, timeout=30)
        if response.status_code not in (200, 201):
            raise HubError(f"PUT {path} into {name}'s server: {response.status_code} "
                           f"{response.text[:300]}")

    def instructors(self) -> set[str]:
        """Members of the hub's 'instructors' group (asked at most every ``max_age`` s)."""
        with self._lock:
            when, names = self._instructors
            if time.monotonic() - when > self.max_age:
                try:
                    names = set(self._get("/groups/instructors").get("users", []))
                except requests.RequestException:
                    names = set()
                self._instructors = (time.monotonic(), names)
            return names

    def __contains__(self, name: str) -> bool:
        return name in self.instructors()

    def learners(self) -> list[Learner]:
        """Every hub user but instructors, with their last activity (paginated by 200)."""
        instructors = self.instructors()
        with self._lock:
            when, found = self._learners
            if time.monotonic() - when <= self.max_age:
                return found
            found, offset = [], 0
            while True:
                page = self._get("/users", offset=offset, limit=200)
                for user in page:
                    if user["name"] not in instructors and not user.get("admin") \
                            and user["name"] not in self.not_learners:
                        found.append(Learner(user["name"], parse_time(user.get("last_activity"))))
                if len(page) < 200:
                    break
                offset += 200
            self._learners = (time.monotonic(), found)
            return found


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
