"""The peer-review pages of the course service (thin handlers over PeerService; signed in,
protected and said as every page of the service: service/pagehandler.py)."""

from __future__ import annotations

from tornado import web

from ..protocol import plain_number
from ..service.pagehandler import PageHandler as ServicePage
from ..service.rules import Refused
from ..service.service import Identity
from . import pages, staff_pages
from .service import PeerService

NAME = r"([a-z0-9][a-z0-9-]{1,40})"
NUMBER = r"(\d{1,18})"


class PageHandler(ServicePage):
    @property
    def peer(self) -> PeerService:
        return self.settings["peer_service"]


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
        self.show(pages.review_page({**state, "rooms": "rooms" in self.settings},
                                    self.xsrf, self.language))

    @web.authenticated
    async def post(self, review):
        cells = {key[5:]: self.field(key) for key in self.request.body_arguments
                 if key.startswith("cell-") and plain_number(key[5:], 6) is not None}
        submitted = {"points": self.rubric_points(), "comment": self.field("comment"),
                     "cell_comments": cells}
        try:
            await self.call(self.peer.give, int(review), submitted)
        except Refused as refused:
            if refused.status != 400:
                return self.show_refusal(refused)
            state = await self.call(self.peer.review_form, int(review))
            return self.show(pages.review_page({**state, "rooms": "rooms" in self.settings},
                                               self.xsrf, self.language,
                                               error=refused.text(self.language)), 400)
        self.see_other(f"{pages.PREFIX}/review/{review}")


class OpenCopy(PageHandler):
    """« Ouvrir la copie »: a review room with the copy in it, and the reviewer sent there."""

    @web.authenticated
    async def post(self, review):
        try:
            url = await self.call(self._lend, int(review))
        except Refused as refused:
            return self.show_refusal(refused)
        self.see_other(url)

    def _lend(self, who: Identity, review_id: int) -> str:
        rooms = self.settings.get("rooms")
        if rooms is None:
            raise Refused(404, "no_rooms")
        copy = self.peer.copy_for(who, review_id)  # theirs to review, or refused
        return rooms.lend(who.name, review_id, copy["filename"], copy["notebook"])


class Received(PageHandler):
    @web.authenticated
    async def get(self, name):
        try:
            state = await self.call(self.peer.received, name)
            rubric = self.peer.assignment(name).rubric
        except Refused as refused:
            return self.show_refusal(refused)
        rated = plain_number(self.get_query_argument("rated", ""), 18)
        self.show(pages.received_page(state, rubric, self.xsrf, self.language, rated=rated))


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
        self.see_other(f"{pages.PREFIX}/{assignment}/received?rated={int(review)}#rated")


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
        (f"{base}/peer/review/{NUMBER}/room", OpenCopy),
        (f"{base}/staff/peer/{NAME}", Staff),
        (f"{base}/staff/peer/review/{NUMBER}/(hide)", StaffAction),
        (f"{base}/staff/peer/submission/{NUMBER}/(withdraw|review)", StaffAction),
    ]
