"""A learner as the hub sees one: an HTTP session that signs up, logs in, starts a server and runs
code in a real kernel over its websocket. Used by the integration tests and bench/spawn.py."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import requests
import websocket


class HubClientError(AssertionError):
    pass


@dataclass
class Learner:
    base_url: str
    name: str
    password: str
    http: requests.Session = field(default_factory=requests.Session)

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
        return f"{self.base_url}/user/{self.name}"

    def open_lab(self) -> requests.Response:
        """Open JupyterLab: goes through the hub's OAuth, as a browser does."""
        response = self.http.get(f"{self.server_url}/lab", timeout=60)
        response.raise_for_status()
        return response

    def server_api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-XSRFToken": self.cookie("_xsrf", f"/user/{self.name}/")}
        return self.http.request(method, f"{self.server_url}/api{path}", headers=headers,
                                 timeout=60, **kwargs)

    def run_code(self, code: str, timeout: float = 60) -> str:
        """Start a kernel, run ``code`` over the websocket, return its text result."""
        kernel = self.server_api("POST", "/kernels", json={"name": "python3"})
        kernel.raise_for_status()
        kernel_id = kernel.json()["id"]
        try:
            return self._execute(kernel_id, code, timeout)
        finally:
            self.server_api("DELETE", f"/kernels/{kernel_id}")

    def _execute(self, kernel_id: str, code: str, timeout: float) -> str:
        ws_url = self.server_url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        xsrf = self.cookie("_xsrf", f"/user/{self.name}/")
        ws = websocket.create_connection(f"{ws_url}?_xsrf={xsrf}", cookie=cookies, timeout=timeout)
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


def execute_request(msg_id: str, code: str) -> dict:
    return {
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False},
    }
