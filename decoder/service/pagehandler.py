"""What every page of the course service shares (peer review, the course page, the dashboard).

Browsers reach the pages through the hub's proxy, signed in by the hub (OAuth,
``HubOAuthenticated``, a cookie on the service's own origin); every form carries the hub's xsrf
token, checked before the cookie is trusted. A page acts only on what a person did in their
browser: a request that carries a token (an ``Authorization`` header or ``?token=``: what code
in a kernel holds, its server's token) is refused, whatever the token may do elsewhere.
Pages say, in a Content-Security-Policy, that they run no script, load nothing from elsewhere,
post forms only to this service and may not be framed.
Handlers are thin: they call a service with the caller's identity, away from the event loop.
"""

from __future__ import annotations

import asyncio
from html import escape

from jupyterhub.services.auth import HubOAuthenticated
from tornado import web

from .. import webpage
from ..messages import say
from ..protocol import plain_number
from .rules import Refused
from .service import Identity

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def csp(form_targets: str = "") -> str:
    """The pages' policy; ``form_targets``: where else a form may lead (the review rooms'
    origins: « Ouvrir la copie » is a form whose answer sends the reviewer to their room)."""
    return CSP.replace("form-action 'self'", f"form-action 'self' {form_targets}".strip())
COURSE_PAGE = "/services/course/course"


def carries_token(request) -> bool:
    """A token rather than a browser's cookie: an Authorization header, or ``?token=``."""
    return bool(request.headers.get("Authorization")) or "token" in request.query_arguments


class PageHandler(HubOAuthenticated, web.RequestHandler):
    async def prepare(self):
        """Who is asking, found away from the event loop (HubAuth may ask the hub); a token
        opens no page."""
        if carries_token(self.request):
            self.current_user = None
            return self.show_refusal(Refused(403, "pages_for_browsers"))
        loop = asyncio.get_running_loop()
        self.current_user = await loop.run_in_executor(None, self.get_current_user)

    @property
    def xsrf(self) -> str:
        token = self.xsrf_token
        return token.decode() if isinstance(token, bytes) else token

    @property
    def language(self) -> str:
        return self.settings.get("language", "fr")

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", csp(self.settings.get("form_targets", "")))
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def identity(self) -> Identity:
        model = self.current_user
        name = model["name"]
        kind = model.get("kind", "user")
        return Identity(name, kind, instructor=kind == "user" and name in
                        self.settings["instructors"])

    async def call(self, method, *args):
        """``method(identity, *args)`` away from the event loop (the store and the hub's group
        lookup block)."""
        loop = asyncio.get_running_loop()
        who = await loop.run_in_executor(None, self.identity)
        return await loop.run_in_executor(None, method, who, *args)

    def show(self, html: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)

    def show_refusal(self, refused: Refused) -> None:
        text = refused.text(self.language)
        self.show(webpage.page(self.language, say("peer.error_title", self.language),
                             f"<h1>{escape(say('peer.error_title', self.language))}</h1>"
                             f"<p class='error' id='error'>{escape(text)}</p>"
                             f"<p><a href='{COURSE_PAGE}'>"
                             f"{escape(say('peer.back', self.language))}</a></p>"),
                  refused.status)

    def see_other(self, url: str) -> None:
        self.redirect(url, status=303)

    def field(self, name: str) -> str:
        return self.get_body_argument(name, "")

    def rubric_points(self) -> list:
        """The levels chosen, criterion by criterion (``criterion-0``, ``criterion-1``…); a
        value that is not a number is kept as it came, for the service to refuse."""
        points, index = [], 0
        while f"criterion-{index}" in self.request.body_arguments:
            value = self.field(f"criterion-{index}")
            number = plain_number(value, 6)
            points.append(value if number is None else number)
            index += 1
        return points


