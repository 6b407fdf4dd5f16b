"""A learner as the hub sees one: an HTTP session that signs up, logs in, starts a server and runs
code in a real kernel over its websocket. Used by the integration tests and bench/spawn.py.

With per-user origins the hub is at ``base_url`` (``http://localhost:18000``) and the learner's
server at their own origin (``http://alice.localhost:18000``): the session reaches both, each
with its own cookies (tests/localhost.py)."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import websocket

from decoder import origins
from tests.localhost import resolved, session


class HubClientError(AssertionError):
    pass


@dataclass
class Learner:
    base_url: str
    name: str
    password: str
    http: requests.Session = field(default_factory=session)

    # ---- hub pages (the forms a person fills in) ----

    def _hub_xsrf(self) -> str:
        self.http.get(f"{self.base_url}/hub/login", timeout=30).raise_for_status()
        return self.cookie("_xsrf", "/hub/")

    def signup_response(self) -> requests.Response:
        """Post the sign-up form as a browser fills it in, whatever the answer."""
        response = self.http.post(
            f"{self.base_url}/hub/signup",
            data={"username": self.name, "signup_password": self.password,
                  "signup_password_confirmation": self.password, "_xsrf": self._hub_xsrf()},
            timeout=30,
        )
        response.encoding = "utf-8"
        return response

    def signup(self) -> str:
        """Fill in the sign-up form; return the page's text (a refusal raises)."""
        response = self.signup_response()
        response.raise_for_status()
        return response.text

    def login(self) -> requests.Response:
        response = self.http.post(
            f"{self.base_url}/hub/login?next=",
            data={"username": self.name, "password": self.password, "_xsrf": self._hub_xsrf()},
            allow_redirects=False, timeout=30,
        )
        if response.status_code != 302:
            raise HubClientError(f"login of {self.name} failed: {response.status_code}")
        return response

    def cookie(self, name: str, path: str) -> str:
        for cookie in self.http.cookies:
            if cookie.name == name and cookie.path == path:
                return cookie.value
        raise HubClientError(f"no cookie {name} for {path}")

    # ---- hub API with the browser's cookie ----

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-XSRFToken": self.cookie("_xsrf", "/hub/")}
        return self.http.request(method, f"{self.base_url}/hub/api{path}", headers=headers,
                                 timeout=60, **kwargs)

    def start_server(self, timeout: float = 180) -> None:
        response = self.api("POST", f"/users/{self.name}/server")
        if response.status_code not in (201, 202, 400):  # 400: already running
            raise HubClientError(f"start failed: {response.status_code} {response.text}")
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{self.name}").json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return
            if not model.get("pending") and not server:
                raise HubClientError(f"server of {self.name} stopped while starting")
            time.sleep(0.5)
        raise HubClientError(f"server of {self.name} not ready in {timeout} s")

    def stop_server(self) -> None:
        self.api("DELETE", f"/users/{self.name}/server")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.api("GET", f"/users/{self.name}").json().get("servers"):
                return
            time.sleep(0.5)
        raise HubClientError(f"server of {self.name} did not stop")

    # ---- the learner's own server ----

    @property
    def server_url(self) -> str:
        return origins.server_url(self.base_url, self.name)

    def open_lab(self, owner: str | None = None) -> requests.Response:
        """Open JupyterLab (``owner``'s server, shared with this learner, else their own):
        goes through the hub's OAuth, as a browser does, and says yes on the hub's « Ouvrir »
        page when the server is someone else's."""
        response = self.http.get(f"{self.server_url_of(owner)}/lab", timeout=60)
        response.raise_for_status()
        if "id=\"authorize\"" in response.text:
            fields = dict(re.findall(r'name="(_xsrf|scopes)" value="([^"]*)"', response.text))
            scopes = re.findall(r'name="scopes" value="([^"]*)"', response.text)
            response = self.http.post(response.url, data={"_xsrf": fields["_xsrf"],
                                                          "scopes": scopes}, timeout=60)
            response.raise_for_status()
        return response

    def server_url_of(self, owner: str | None = None) -> str:
        return origins.server_url(self.base_url, owner or self.name)

    def server_xsrf(self, owner: str) -> str:
        """The xsrf cookie of ``owner``'s server (its path holds the escaped name)."""
        return self.cookie("_xsrf", urlsplit(self.server_url_of(owner)).path + "/")

    def server_api(self, method: str, path: str, owner: str | None = None,
                   **kwargs) -> requests.Response:
        owner = owner or self.name
        headers = {"X-XSRFToken": self.server_xsrf(owner)}
        return self.http.request(method, f"{self.server_url_of(owner)}/api{path}",
                                 headers=headers, timeout=60, **kwargs)

    def run_code(self, code: str, timeout: float = 60, owner: str | None = None) -> str:
        """Start a kernel (in ``owner``'s server, else their own), run ``code`` over the
        websocket, return its text result."""
        kernel = self.server_api("POST", "/kernels", owner, json={"name": "python3"})
        kernel.raise_for_status()
        kernel_id = kernel.json()["id"]
        try:
            return self._execute(kernel_id, code, timeout, owner or self.name)
        finally:
            self.server_api("DELETE", f"/kernels/{kernel_id}", owner)

    def _execute(self, kernel_id: str, code: str, timeout: float, owner: str) -> str:
        url = f"{self.server_url_of(owner)}/api/kernels/{kernel_id}/channels"
        cookies = requests.cookies.get_cookie_header(  # the server origin's, as a browser
            self.http.cookies, requests.Request("GET", url).prepare()) or ""
        xsrf = self.server_xsrf(owner)
        target, host = resolved(url)
        options = {"host": host, "origin": "http://" + host} if host else {}
        ws = websocket.create_connection(target.replace("http", "ws", 1) + f"?_xsrf={xsrf}",
                                         cookie=cookies, timeout=timeout, **options)
        try:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps(execute_request(msg_id, code)))
            deadline = time.monotonic() + timeout
            outputs: list[str] = []
            while time.monotonic() < deadline:
                message = json.loads(ws.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind in ("execute_result", "display_data"):
                    outputs.append(content["data"].get("text/plain", ""))
                elif kind == "stream":
                    outputs.append(content["text"])
                elif kind == "error":
                    raise HubClientError(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle" and outputs:
                    return "".join(outputs)
            raise HubClientError("no result in time")
        finally:
            ws.close()


def demo_account(settings, name: str) -> Learner:
    """One of the demo's accounts (its password from the platform's secrets), logged in."""
    accounts = json.loads(settings.path("secrets", "demo-accounts.json").read_text())
    account = Learner(settings.public_url, name, accounts[name]["password"])
    account.login()
    return account


def execute_request(msg_id: str, code: str) -> dict:
    return {
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False},
    }
