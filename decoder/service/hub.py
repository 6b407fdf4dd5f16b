"""What the course service asks of the hub, cached: who the instructors are, and the class (each
learner's last activity). Blocking HTTP calls: callers run them away from the event loop."""

from __future__ import annotations

import datetime as dt
import threading
import time

import requests

from ..dashboard.progress import Learner


class Hub:
    def __init__(self, api_url: str, token: str, max_age: float = 30.0):
        self.api_url, self.token, self.max_age = api_url.rstrip("/"), token, max_age
        self._lock = threading.Lock()
        self._instructors: tuple[float, set[str]] = (0.0, set())
        self._learners: tuple[float, list[Learner]] = (0.0, [])

    def _get(self, path: str, **params):
        response = requests.get(f"{self.api_url}{path}", params=params, timeout=10,
                                headers={"Authorization": f"token {self.token}"})
        response.raise_for_status()
        return response.json()

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
                    if user["name"] not in instructors and not user.get("admin"):
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
