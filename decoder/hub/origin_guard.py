"""The hub's and the services' pages only on their own origins (with per-user origins).

The proxy sends the hub every request no route claims (its route is ``/`` on every host: a
stopped server's URL must reach the hub to start it). So without this guard the hub would also
answer ``http://alice.localhost:8000/hub/...``: a visitor who logged in there would get a hub
cookie on Alice's origin, where Alice's code runs. A request of ``/hub/...`` on another origin
than the hub's, or of ``/services/<name>/...`` on another origin than the service's, is sent
where it belongs: a 302 to the same path and query there (links written as paths, such as
JupyterLab's « Cours » menu, keep working). A request that came through the proxy for another
name than the public host's (``http://127.0.0.1:8000``, the address people may type) goes to the
same path on the hub's origin. Requests to the hub's own address on the learner network
(servers and services calling its API) do not come through the proxy (no X-Forwarded-For) and
are never touched.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tornado import web
from tornado.routing import Matcher

from .. import origins


class ToItsOrigin(web.RequestHandler):
    """Send the request to the same path and query on the origin it belongs to."""

    def initialize(self, public_url: str, services: frozenset[str]):
        self.public_url, self.services = public_url, services

    def prepare(self):
        service = re.match(r"^/services/([^/]+)(/|$)", self.request.path)
        if service and service.group(1) not in self.services:
            raise web.HTTPError(404)
        origin = origins.origin_of(self.public_url, service.group(1), "service") if service \
            else origins.origin_of(self.public_url, "", "hub")
        if urlsplit(origin).hostname == self.request.host_name:
            raise web.HTTPError(404)  # its own origin, and no route there: not running
        self.redirect(origin + self.request.uri, status=302)

    def check_xsrf_cookie(self):
        """A redirect only: nothing is done here."""


class ProxiedUnderAnotherName(Matcher):
    """A request the proxy forwarded for a host that is neither the public host nor under it."""

    def __init__(self, public_url: str):
        self.host = urlsplit(public_url).hostname

    def match(self, request) -> dict | None:
        name = request.host_name
        if "X-Forwarded-For" not in request.headers or name == self.host or \
                name.endswith("." + self.host):
            return None
        return {}


def guard_rules(public_url: str, services: frozenset[str]) -> list[tuple[str, list]]:
    """(host pattern, handlers) to add to the hub's tornado application (Application.
    add_handlers): on any name under the public host, the hub's paths and the services'
    go to their own origins; on the hub's host, the services' paths go to theirs. Other
    paths fall through to the hub's own handlers (a stopped server's URL, say)."""
    host = re.escape(urlsplit(public_url).hostname)
    options = {"public_url": public_url, "services": services}
    elsewhere = [(r"/hub(/.*)?", ToItsOrigin, options), (r"/services/.*", ToItsOrigin, options)]
    return [(rf"^.+\.{host}$", elsewhere),
            (rf"^{host}$", [(r"/services/.*", ToItsOrigin, options)])]
