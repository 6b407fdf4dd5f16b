"""The course service's web API (its process starts in __main__.py, its grading in pipeline.py).

Handlers are thin: who is calling comes from the hub (the token in the Authorization header,
checked by JupyterHub's HubAuth, with the ``access:services!service=course`` scope), the rest is
``CourseService``. Errors are JSON ``{"message": ...}`` in the platform's language (French by
default, English with ui_language = 'en'), with the right status.
"""

from __future__ import annotations

import asyncio
import json

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from tornado import web

from .. import protocol
from ..dashboard.awards import BadgeService
from ..dashboard.handlers import badge_routes as badge_pages
from ..dashboard.handlers import page_routes as dashboard_pages
from ..dashboard.view import CourseView
from ..messages import say
from ..peer.handlers import page_routes as peer_pages
from ..peer.service import PeerService
from ..service.openapi import description
from ..service.rules import Refused
from ..service.service import OPERATOR_SERVICES, CourseService, Identity


class JsonErrors(web.RequestHandler):
    """Errors of the API said in JSON, in the platform's language: {"message": ...}."""

    @property
    def language(self) -> str:
        return self.settings.get("language", "fr")

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        message = (say("service.server_error", self.language, status=status_code)
                   if status_code >= 500
                   else say("service.request_refused", self.language, status=status_code,
                            reason=self._reason))
        self.finish(json.dumps({"message": message}, ensure_ascii=False))


class NoSuchRoute(JsonErrors):
    """Anything under api/ that is not a route: 404, in JSON like the rest of the API."""

    def prepare(self):
        raise web.HTTPError(404)


class ApiHandler(HubOAuthenticated, JsonErrors):
    """A call of the API: by a learner's server or the ``decoder`` command with a token in the
    Authorization header, or by a signed-in browser (the service's cookie), whose unsafe
    requests must then carry the hub's xsrf token (HubAuth checks it before trusting the
    cookie)."""

    @property
    def service(self) -> CourseService:
        return self.settings["course_service"]

    def identity(self) -> Identity:
        model = self.get_current_user()
        if not model:
            raise Refused(403, "not_signed_in")
        kind = model.get("kind", "user")
        name = model["name"]
        return Identity(name, kind, instructor=kind == "user" and name in
                        self.settings["instructors"])

    async def answer(self, method, *args, status: int = 200) -> None:
        """Run ``method(identity, *args)`` away from the event loop and write its answer. The
        identity too: checking a token and the instructors' group may ask the hub over HTTP
        (blocking calls), and the handler waits meanwhile, so one thread uses it at a time."""
        loop = asyncio.get_running_loop()
        try:
            who = await loop.run_in_executor(None, self.identity)
            result = await loop.run_in_executor(None, method, who, *args)
        except Refused as refused:
            self.set_status(refused.status)
            result = {"message": refused.text(self.language)}
        else:
            self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(result, ensure_ascii=False))

    def body(self) -> object:
        try:
            return json.loads(self.request.body or b"null")
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise Refused(400, "not_json") from None

class Health(JsonErrors):
    def get(self):
        self.finish({"ok": True})


class ToHub(web.RequestHandler):
    """The pages' header leads to one's JupyterLab and to the hub's home: the hub is on an
    origin of its own, whose address the service knows (``hub_url``)."""

    def initialize(self, path: str):
        self.path = path

    def get(self):
        self.redirect(self.settings["hub_url"].rstrip("/") + self.path, status=302)


class Root(web.RequestHandler):
    """The service's own address (the hub's « Services » menu links there): a person lands on
    their course page, not on JSON; programs ask ``api/health``."""

    def get(self):
        self.redirect(self.settings["prefix"].rstrip("/") + "/course", status=302)


class Assignments(ApiHandler):
    async def get(self):
        await self.answer(self.service.open_assignments)


class ReleaseFiles(ApiHandler):
    async def get(self, name):
        await self.answer(self.service.release_files, name)


class Submissions(ApiHandler):
    async def post(self, name):
        await self.answer(self._submit, name, status=201)

    def _submit(self, who: Identity, name: str) -> dict:
        return self.service.submit(who, name, self.body())


class SelfCheck(ApiHandler):
    """A lesson's self-check answer, from the learner's kernel (by their consent)."""

    async def post(self, question):
        await self.answer(lambda who: self.service.record_self_check(who, question,
                                                                     self.body()))


class Hints(ApiHandler):
    """How many hints of an exercise a learner opened, from their kernel."""

    async def post(self, name):
        await self.answer(lambda who: self.service.record_hints(who, name, self.body()))


class MySubmissions(ApiHandler):
    async def get(self):
        await self.answer(self.service.submissions, self.get_argument("assignment", None))


class Feedback(ApiHandler):
    async def get(self, submission_id):
        await self.answer(self.service.feedback, int(submission_id))


class StaffApiHandler(ApiHandler):
    """The instructors' API is the operators' command's (its ``decoder-cli`` service token):
    instructors act in their browser, on the dashboard's pages. A person's token, which code in
    their kernel can read from their server, acts on nothing of the class's here."""

    def identity(self) -> Identity:
        who = super().identity()
        if not (who.kind == "service" and who.name in OPERATOR_SERVICES):
            raise Refused(403, "staff_api_for_operators")
        return who


class AllSubmissions(StaffApiHandler):
    async def get(self, name):
        await self.answer(self.service.all_submissions, name)


class Regrade(StaffApiHandler):
    async def post(self, name):
        await self.answer(self.service.regrade, name, status=202)


class Batch(StaffApiHandler):
    async def get(self, batch):
        await self.answer(self.service.batch, batch)


class ReleaseHidden(StaffApiHandler):
    async def post(self, name):
        await self.answer(self.service.release_hidden, name)


class ExportApi(StaffApiHandler):
    """Grades as CSV, for ``decoder export`` (the dashboard has its own link)."""

    async def get(self):
        week = self.get_argument("week", "")
        run = self.get_argument("run", "")[:64] or None
        spreadsheet = self.get_argument("format", "") == "tableur"
        await self.answer(lambda who: {"csv": self.settings["course_view"].export(
            who, protocol.plain_number(week, 3), run, spreadsheet)})


HANDLERS = {  # protocol.ROUTES: route name -> handler
    "health": Health, "assignments": Assignments, "release_files": ReleaseFiles,
    "submit": Submissions, "my_submissions": MySubmissions, "feedback": Feedback,
    "self_check": SelfCheck, "hints": Hints,
    "all_submissions": AllSubmissions, "regrade": Regrade, "release_hidden": ReleaseHidden,
    "batch": Batch, "export": ExportApi,
}


class OpenApi(JsonErrors):
    """The API's description (no secret in it: what any learner's server already uses)."""

    def get(self):
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(description(HANDLERS, self.settings["prefix"]),
                               ensure_ascii=False))


def make_app(service: CourseService, peer: PeerService, view: CourseView,
             badges: BadgeService, prefix: str, instructors, cookie_secret: bytes, *,
             rooms=None, form_targets: str = "", hub_url: str = "") -> web.Application:
    """``rooms``: the review rooms (peer/rooms.py), None without; ``form_targets``: where
    else a page's form may lead (the rooms' origins); ``hub_url``: the hub's public address
    (the pages' header leads there)."""
    routes = [(prefix.rstrip("/") + "/?", Root),
              (prefix.rstrip("/") + "/oauth_callback", HubOAuthCallbackHandler),
              (prefix.rstrip("/") + "/lab", ToHub, {"path": "/hub/user-redirect/lab"}),
              (prefix.rstrip("/") + "/home", ToHub, {"path": "/hub/home"})]
    routes += [(protocol.url_pattern(name, prefix), HANDLERS[name]) for name in protocol.ROUTES]
    routes += [(prefix.rstrip("/") + "/" + protocol.API + "openapi.json", OpenApi),
               (prefix.rstrip("/") + "/" + protocol.API + ".*", NoSuchRoute)]
    routes += peer_pages(prefix) + dashboard_pages(prefix) + badge_pages(prefix)
    extra = {"rooms": rooms} if rooms is not None else {}
    return web.Application(routes, course_service=service, peer_service=peer, course_view=view,
                           badges=badges, instructors=instructors, prefix=prefix,
                           form_targets=form_targets, hub_url=hub_url, **extra,
                           language=service.settings.ui_language, cookie_secret=cookie_secret,
                           compress_response=True)  # pages of a whole class: tens of KB gzipped
