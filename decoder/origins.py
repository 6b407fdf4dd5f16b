"""Web origins: with per-user origins (settings.per_user_origins), the hub is at the public URL
(``http://localhost:8000``), each person's server at a subdomain of it named as JupyterHub's
``idna`` subdomain hook names it (``http://alice.localhost:8000``; a name that is not a DNS
label is encoded, ``élodie`` as ``xn--lodie-bsa``), each service at its own
(``http://course--service.localhost:8000``). With one shared origin (the public URL's host is
an address), all of them are the public URL.

``via_proxy`` is how this machine's processes reach such a URL without DNS: the proxy's own
address, with the origin's name in the Host header (Python's resolver, unlike browsers, does
not resolve ``*.localhost``). Pure.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from jupyterhub.utils import subdomain_hook_idna, url_escape_path


def separate(public_url: str) -> bool:
    """Each person and service has an origin of its own (the public host is a name, not an
    address)."""
    host = urlsplit(public_url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(host)
    return False


def origin_of(public_url: str, name: str, kind: str = "user") -> str:
    """``scheme://host[:port]`` of ``name``'s server (``kind='user'``), of the service
    ``name`` (``kind='service'``), or of the hub (``kind='hub'``)."""
    parts = urlsplit(public_url)
    if not separate(public_url) or kind == "hub":
        return f"{parts.scheme}://{parts.netloc}"
    host = subdomain_hook_idna(name, parts.hostname, kind)
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def server_url(public_url: str, name: str) -> str:
    """A person's JupyterHub server: ``http://alice.localhost:8000/user/alice``; the name in
    the path escaped as JupyterHub escapes it (``/user/%C3%A9lodie``)."""
    return f"{origin_of(public_url, name)}/user/{url_escape_path(name)}"


def service_url(public_url: str, name: str) -> str:
    """A service's pages: ``http://course--service.localhost:8000/services/course``."""
    return f"{origin_of(public_url, name, 'service')}/services/{name}"


def subdomains_of(public_url: str) -> str:
    """CSP sources for the hub's origin and every origin under it (``http://localhost:8000
    http://*.localhost:8000``), "" with one shared origin."""
    if not separate(public_url):
        return ""
    parts = urlsplit(public_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port} {parts.scheme}://*.{parts.hostname}{port}"


def via_proxy(proxy_address: str, url: str) -> tuple[str, dict[str, str]]:
    """(the URL at the proxy's own address, the headers naming the origin asked for)."""
    asked, proxy = urlsplit(url), urlsplit(proxy_address)
    return urlunsplit(asked._replace(scheme=proxy.scheme, netloc=proxy.netloc)), {
        "Host": asked.netloc}
