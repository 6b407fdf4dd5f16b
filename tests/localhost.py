"""HTTP to ``*.localhost`` from the tests' Python, as a browser does it without DNS.

Chromium resolves any ``NAME.localhost`` to this machine; Python's resolver here does not. A
session from ``session()`` sends a request for ``http://alice.localhost:18000/...`` to
127.0.0.1:18000 with ``Host: alice.localhost:18000``: the proxy routes it by that name. Its
cookie jar sees the URLs asked for, never the rewritten ones, and keeps each origin's cookies
apart as a browser does; its policy also does what browsers do and Python's does not: it sends
``Secure`` cookies (JupyterHub's ``__Host-`` ones) to ``http://localhost`` and its subdomains,
which browsers hold for secure (loopback), and it matches a cookie set for ``Domain=localhost``
(JupyterHub's session id) to ``localhost`` and ``*.localhost``.
"""

from __future__ import annotations

import socket
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import get_cookie_header


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def resolved(url: str) -> tuple[str, str | None]:
    """(the URL to connect to, the Host header to send, or None to leave it as it is)."""
    parts = urlsplit(url)
    if not loopback_name(parts.hostname or ""):
        return url, None
    netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), parts.netloc


def _host(request) -> str:
    return urlsplit(request.get_full_url()).hostname or ""


class BrowserLikePolicy(DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return loopback_name(_host(request)) or super().return_ok_secure(cookie, request)

    def _localhost_domain(self, domain: str, request) -> bool:
        return domain.lstrip(".") == "localhost" and loopback_name(_host(request))

    def domain_return_ok(self, domain, request):
        return self._localhost_domain(domain, request) or super().domain_return_ok(domain,
                                                                                  request)

    def return_ok_domain(self, cookie, request):
        return self._localhost_domain(cookie.domain, request) or \
            super().return_ok_domain(cookie, request)

    def set_ok_domain(self, cookie, request):
        return self._localhost_domain(cookie.domain, request) or \
            super().set_ok_domain(cookie, request)


class LocalhostAdapter(HTTPAdapter):
    def __init__(self, jar):
        super().__init__()
        self.jar = jar  # the session's own, with the browser-like policy

    def send(self, request, **kwargs):
        target, host = resolved(request.url)
        if host is None:
            return super().send(request, **kwargs)
        sent = request.copy()
        sent.headers.pop("Cookie", None)  # requests' own merge drops the Secure ones: again
        cookies = get_cookie_header(self.jar, sent)
        if cookies:
            sent.headers["Cookie"] = cookies
        sent.url = target
        sent.headers["Host"] = host
        response = super().send(sent, **kwargs)
        response.url = request.url  # redirects and cookies are the origin's, not 127.0.0.1's
        response.request = request
        return response


def session() -> requests.Session:
    http = requests.Session()
    http.cookies.set_policy(BrowserLikePolicy())
    http.mount("http://", LocalhostAdapter(http.cookies))
    return http
