"""The peer-review pages of the course service (thin handlers over PeerService).

Browsers reach them through the hub's proxy, signed in by the hub (OAuth: ``HubOAuthenticated``,
cookie on the service's path); every form carries the hub's xsrf token, checked before the
cookie is trusted. Pages say, in a Content-Security-Policy, that they run no script, load
nothing from elsewhere, post forms only to this service and may not be framed.
"""

from __future__ import annotations

import asyncio
from html import escape

from jupyterhub.services.auth import HubOAuthenticated
from tornado import web

from ..messages import say
from ..service.rules import Refused
from ..service.service import Identity
from . import pages, staff_pages
from .service import PeerService

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
NAME = r"([a-z0-9][a-z0-9-]{1,40})"
NUMBER = r"(\d{1,18})"


class PageHandler(HubOAuthenticated, web.RequestHandler):
    @property
    def peer(self) -> PeerService:
        return self.settings["peer_service"]

    async def prepare(self):
        """Who is asking, found away from the event loop (HubAuth may ask the hub)."""
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
        self.set_header("Content-Security-Policy", CSP)
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
        self.show(pages.page(self.language, say("peer.error_title", self.language),
                             f"<h1>{escape(say('peer.error_title', self.language))}</h1>"
                             f"<p class='error' id='error'>{escape(text)}</p>"
                             f"<p><a href='{pages.PREFIX}/'>"
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
            points.append(int(value) if value.isdigit() else value)
            index += 1
        return points


class Home(PageHandler):
    @web.authenticated
    async def get(self):
        items = await self.call(lambda who: [
            (a.name, a.title) for a in self.peer.course.assignments if a.peer_reviewed])
        self.show(pages.home_page(items, self.language))


class Overview(PageHandler):
    @web.authenticated
    async def get(self, name):
        try:
            state = await self.call(self.peer.overview, name)
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(pages.overview_page(state, self.xsrf, self.language))


class Ask(PageHandler):
    @web.authenticated
    async def post(self, name):
        try:
            review = await self.call(self.peer.ask, name)
        except Refused as refused:
            return self.show_refusal(refused)
        self.see_other(f"{pages.PREFIX}/review/{review}")


class ReviewPage(PageHandler):
    @web.authenticated
    async def get(self, review):
        try:
            state = await self.call(self.peer.review_form, int(review))
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(pages.review_page(state, self.xsrf, self.language))

    @web.authenticated
    async def post(self, review):
        cells = {key[5:]: self.field(key) for key in self.request.body_arguments
                 if key.startswith("cell-") and key[5:].isdigit()}
        submitted = {"points": self.rubric_points(), "comment": self.field("comment"),
                     "cell_comments": cells}
        try:
            await self.call(self.peer.give, int(review), submitted)
        except Refused as refused:
            if refused.status != 400:
                return self.show_refusal(refused)
            state = await self.call(self.peer.review_form, int(review))
            return self.show(pages.review_page(state, self.xsrf, self.language,
                                               error=refused.text(self.language)), 400)
        self.see_other(f"{pages.PREFIX}/review/{review}")


class Received(PageHandler):
    @web.authenticated
    async def get(self, name):
        try:
            state = await self.call(self.peer.received, name)
            rubric = self.peer.assignment(name).rubric
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(pages.received_page(state, rubric, self.xsrf, self.language))


class Rate(PageHandler):
    @web.authenticated
    async def post(self, review):
        helpful = {"yes": True, "no": False}.get(self.field("helpful"))
        try:
            await self.call(self.peer.rate, int(review), helpful, self.field("flag") == "yes",
                            self.field("reason"))
            assignment = await self.call(lambda who: self.peer.peer_store.review(int(review))
                                         ["assignment"])
        except Refused as refused:
            return self.show_refusal(refused)
        self.see_other(f"{pages.PREFIX}/{assignment}/received")


class Staff(PageHandler):
    @web.authenticated
    async def get(self, name):
        try:
            state = await self.call(self.peer.staff_overview, name)
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(staff_pages.staff_page(state, self.xsrf, self.language))


class StaffAction(PageHandler):
    """Withdraw a submission, hide a review, or give a staff review; back to the staff page."""

    @web.authenticated
    async def post(self, target, action):
        try:
            assignment = await self.call(self._act, int(target), action)
        except Refused as refused:
            return self.show_refusal(refused)
        self.see_other(f"{staff_pages.STAFF_PREFIX}/{assignment}")

    def _act(self, who: Identity, target: int, action: str) -> str:
        if action == "hide":
            self.peer.hide(who, target, self.field("reason"))
            return self.peer.peer_store.review(target)["assignment"]
        if action == "withdraw":
            self.peer.withdraw(who, target, self.field("reason"))
        else:
            self.peer.staff_review(who, target, {"points": self.rubric_points(),
                                                 "comment": self.field("comment")})
        return self.peer.store.submission(target)["assignment"]


def page_routes(prefix: str) -> list:
    base = prefix.rstrip("/")
    return [
        (f"{base}/peer/?", Home),
        (f"{base}/peer/{NAME}", Overview),
        (f"{base}/peer/{NAME}/ask", Ask),
        (f"{base}/peer/{NAME}/received", Received),
        (f"{base}/peer/review/{NUMBER}", ReviewPage),
        (f"{base}/peer/review/{NUMBER}/rate", Rate),
        (f"{base}/staff/peer/{NAME}", Staff),
        (f"{base}/staff/peer/review/{NUMBER}/(hide)", StaffAction),
        (f"{base}/staff/peer/submission/{NUMBER}/(withdraw|review)", StaffAction),
    ]
