"""The course page, the feedback page, the dashboard and the export (thin handlers)."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import re

from tornado import web

from ..protocol import plain_number
from ..service.pagehandler import CSP, PageHandler
from ..service.rules import Refused
from . import pages
from .view import CourseView

NAME = r"([a-z0-9][a-z0-9-]{1,40})"
NAME_ONLY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ViewHandler(PageHandler):
    @property
    def view(self) -> CourseView:
        return self.settings["course_view"]

    def week(self) -> int | None:
        value = self.get_query_argument("week", "")
        return plain_number(value, 3)

    def run(self) -> str | None:
        """The course run asked for (``?run=NAME``); None: the current one."""
        return self.get_query_argument("run", "")[:64] or None


class CoursePage(ViewHandler):
    @web.authenticated
    async def get(self):
        try:
            state, badges = await self.call(self.learner_page)
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(pages.course_page(state, badges, self.language))

    def learner_page(self, who):
        """The page's state and the learner's badges, from one reading of their rows."""
        state = self.view.course_page(who)
        return state, self.settings["badges"].mine(who, state["found"], state["versions"])


class FeedbackPage(ViewHandler):
    """A graded submission's feedback, the page the lab's assignment list shows too."""

    @web.authenticated
    async def get(self, submission):
        try:
            feedback = await self.call(self.settings["course_service"].feedback,
                                       int(submission))
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(feedback["html"])


class LatestFeedback(ViewHandler):
    """« Mon dernier retour » (a button of the notebook's toolbar in JupyterLab): the learner's
    newest feedback page, or a page saying there is none yet and how to get one."""

    @web.authenticated
    async def get(self):
        newest = await self.call(self.settings["course_service"].latest_feedback)
        if newest is not None:
            return self.redirect(f"{pages.SERVICE}/feedback/{newest}", status=302)
        self.show(pages.no_feedback_page(self.language))


class Dashboard(ViewHandler):
    @web.authenticated
    async def get(self):
        try:
            page = await self.call(self.view.dashboard_html, self.week(), self.xsrf,
                                   self.language, self.run())
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(page)


class SelfChecksPage(ViewHandler):
    @web.authenticated
    async def get(self):
        try:
            state = await self.call(self.view.self_checks_state, self.run())
        except Refused as refused:
            return self.show_refusal(refused)
        self.show(pages.self_checks_page(state, self.language))


@functools.lru_cache(maxsize=8)
def gzipped(text: str) -> bytes:
    """The export's text, compressed (kept for the few texts the view's snapshots keep: the same
    text object comes back while the data does not change)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


class Export(ViewHandler):
    @web.authenticated
    async def get(self):
        try:
            spreadsheet = self.get_query_argument("format", "") == "tableur"
            text = await self.call(self.view.export, self.week(), self.run(), spreadsheet)
        except Refused as refused:
            return self.show_refusal(refused)
        week, run = self.week(), self.run()
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", "attachment; filename=notes-"
                        + (f"{run}-" if run and NAME_ONLY.match(run) else "")
                        + f"{'semaine-' + str(week) if week else 'cours'}"
                        + ("-tableur" if spreadsheet else "") + ".csv")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            # a whole class's CSV (MBs) compressed once per state of the data, not per request
            self.set_header("Content-Encoding", "gzip")
            return self.finish(gzipped(text))
        self.finish(text)


class ReleaseHidden(ViewHandler):
    """Publish an exercise's hidden tests (each learner's feedback then shows them)."""

    @web.authenticated
    async def post(self, name):
        filters = {"week": str(plain_number(self.field("week"), 3) or ""),
                   "run": self.field("run")[:64] if NAME_ONLY.match(self.field("run")) else ""}
        back = f"{pages.SERVICE}/staff/" + ("?" + "&".join(
            f"{key}={value}" for key, value in filters.items() if value)
            if any(filters.values()) else "")
        try:
            if self.field("confirm") != "yes":  # it cannot be undone: ask once more
                title = await self.call(self.view.assignment_title, name)
                return self.show(pages.confirm_release_page(
                    title, name, self.xsrf, back, filters, self.language))
            await self.call(self.settings["course_service"].release_hidden, name)
        except Refused as refused:
            return self.show_refusal(refused)
        self.see_other(back)


def page_routes(prefix: str) -> list:
    base = prefix.rstrip("/")
    return [
        (f"{base}/course/?", CoursePage),
        (rf"{base}/feedback/(\d{{1,18}})", FeedbackPage),
        (f"{base}/feedback/latest", LatestFeedback),
        (f"{base}/staff/?", Dashboard),
        (f"{base}/staff/export.csv", Export),
        (f"{base}/staff/self-checks", SelfChecksPage),
        (f"{base}/staff/hidden/{NAME}", ReleaseHidden),
    ]


class BadgePage(ViewHandler):
    @web.authenticated
    async def get(self, badge_id, suffix):
        try:
            badge = await self.call(self.settings["badges"].badge, badge_id)
        except Refused as refused:
            return self.show_refusal(refused)
        if suffix == ".jwt":
            self.set_header("Content-Type", "application/jwt")
            self.set_header("Content-Disposition", f"attachment; filename=badge-{badge_id}.jwt")
            return self.finish(badge["token"])
        self.show(pages.badge_page(badge, self.language))


class PublicPage(web.RequestHandler):
    """A page anyone may open, signed in or not (badges are meant to be shown)."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")

    def check_xsrf_cookie(self):
        """Public and stateless: nothing to protect."""

    @property
    def badges(self):
        return self.settings["badges"]

    @property
    def language(self) -> str:
        return self.settings.get("language", "fr")


class BadgeImage(PublicPage):
    """The badge's PNG, the credential baked in (the credential's image, for wallets)."""

    async def get(self, badge_id):
        loop = asyncio.get_running_loop()
        row = await loop.run_in_executor(None, self.badges.public_png, badge_id)
        if row is None:
            raise web.HTTPError(404)
        self.set_header("Content-Type", "image/png")
        self.finish(row)


class Verify(PublicPage):
    async def get(self, badge_id=None):
        result = None
        if badge_id is not None:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, self.badges.check, badge_id)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.verification_page(result, self.language))

    async def post(self, badge_id=None):
        token = self.get_body_argument("token", "")[:20_000]
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, lambda: self.badges.check(token=token))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.verification_page(result, self.language))


class Issuer(PublicPage):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.badges.issuer(), ensure_ascii=False))


def badge_routes(prefix: str) -> list:
    base = prefix.rstrip("/") + "/badges"
    badge = r"([0-9a-f]{32})"
    return [
        (f"{base}/issuer", Issuer),
        (f"{base}/verify", Verify),
        (f"{base}/{badge}/verify", Verify),
        (f"{base}/{badge}\\.png", BadgeImage),
        (f"{base}/{badge}(\\.jwt)?", BadgePage),
    ]
