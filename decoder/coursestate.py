"""The course service as the operators' command sees it: its API through the hub's proxy, with
the ``decoder-cli`` service token."""

from __future__ import annotations

import requests

from .settings import PlatformSettings


class CourseServiceClient:
    def __init__(self, settings: PlatformSettings):
        self.base = f"{settings.public_url}/services/course/api/"
        token_file = settings.path("secrets", "cli_token")
        if not token_file.exists():
            raise RuntimeError(f"no {token_file}: start the platform first (decoder up)")
        self.headers = {"Authorization": f"token {token_file.read_text().strip()}"}

    def _answer(self, response: requests.Response):
        if response.status_code >= 400:
            try:
                message = response.json().get("message")
            except ValueError:
                message = response.text[:200]
            raise RuntimeError(f"the course service answered {response.status_code}: {message}"
                               " (is the hub up? decoder status)")
        return response.json()

    def _call(self, method: str, path: str, payload: dict | None = None):
        try:
            response = requests.request(method, self.base + path, json=payload,
                                        headers=self.headers, timeout=30)
        except requests.ConnectionError as error:
            raise RuntimeError(f"the hub does not answer at {self.base} ({error}); start it "
                               "with: decoder up") from None
        return self._answer(response)

    def get(self, path: str):
        return self._call("GET", path)

    def post(self, path: str, payload: dict | None = None):
        return self._call("POST", path, payload or {})
