"""The course service as the operators' command sees it: its API at the service's own address
on this machine (the learner network's gateway), with the ``decoder-cli`` service token."""

from __future__ import annotations

import requests

from .. import protocol
from ..settings import PlatformSettings


class CourseServiceClient:
    """Calls by route name (``protocol.ROUTES``): ``client.get("batch", batch="ab12")``."""

    def __init__(self, settings: PlatformSettings):
        self.base = protocol.service_url(settings.course_service_url)
        token_file = settings.cli_token_file
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

    def _call(self, method: str, route: str, payload: dict | None = None, **params):
        try:
            response = requests.request(method, self.base + protocol.route(route, **params),
                                        json=payload,
                                        headers=self.headers, timeout=30)
        except requests.ConnectionError as error:
            raise RuntimeError(f"the hub does not answer at {self.base} ({error}); start it "
                               "with: decoder up") from None
        return self._answer(response)

    def get(self, route: str, **params):
        return self._call("GET", route, **params)

    def post(self, route: str, payload: dict | None = None, **params):
        return self._call("POST", route, payload or {}, **params)
