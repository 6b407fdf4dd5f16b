"""Server extension of a learner's JupyterLab: nbgrader's learner-side extensions, loaded lazily,
and the copies to review of peer review.

Importing nbgrader costs about 40 MiB and a good part of the server's start, for pages a learner
opens now and then (assignment list, validate). This extension registers nbgrader's learner URLs
with a small handler; the first request to any of them loads nbgrader's own extensions
(assignment_list, validate_assignment), removes this handler and replays the request (307 keeps
its method and body). Installed and enabled by images/lab/Dockerfile.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from html import escape
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from decoder import messages, protocol

EVALUATIONS = "evaluations"  # the reviewer's copies, in their home: ~/evaluations/<exercise>/

NBGRADER_PATTERNS = [
    r"/assignments",
    r"/assignments/(?:fetch|submit|fetch_feedback|validate)",
    r"/courses",
    r"/nbgrader_version",
]


class LoadNbgraderHandler(JupyterHandler):
    """Loads nbgrader on first use, then sends the browser to the same URL again."""

    async def prepare(self):
        await super().prepare()  # authenticates, as every Jupyter server handler
        if self.current_user is None:
            raise web.HTTPError(403)
        load_nbgrader(self.settings["decoder_serverapp"])
        self.redirect(self.request.uri, status=307)

    def check_xsrf_cookie(self):
        """The replayed request is checked by nbgrader's own handler."""


def load_nbgrader(serverapp) -> None:
    webapp = serverapp.web_app
    if webapp.settings.get("decoder_nbgrader_loaded"):
        return
    from nbgrader.server_extensions.assignment_list import (
        load_jupyter_server_extension as load_assignment_list,
    )
    from nbgrader.server_extensions.validate_assignment import (
        load_jupyter_server_extension as load_validate,
    )

    load_assignment_list(serverapp)
    load_validate(serverapp)
    webapp.default_router.rules = [
        rule for rule in webapp.default_router.rules if not _is_ours(rule)
    ]
    webapp.settings["decoder_nbgrader_loaded"] = True


def _is_ours(rule) -> bool:
    inner = getattr(rule.target, "rules", [])
    return any(getattr(sub, "target", None) is LoadNbgraderHandler for sub in inner)


class PeerCopyHandler(JupyterHandler):
    """``/decoder/evaluations/<review>``: fetch the anonymised copy of a review this learner
    holds from the course service (with this server's token: the service checks it is theirs),
    keep it read-only in ``~/evaluations/<exercise>/evaluation-<review>/``, and open it in
    JupyterLab. The review form (a page of the course service) links here through the hub's
    ``/hub/user-redirect/``."""

    @web.authenticated
    async def get(self, review: str):
        try:
            path = await asyncio.get_running_loop().run_in_executor(None, fetch_copy, review)
        except CopyRefused as refused:
            self.set_status(refused.status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            return self.finish(f"<!DOCTYPE html><meta charset='utf-8'><p>{escape(str(refused))}"
                               "</p>")
        self.redirect(url_path_join(self.base_url, "lab", "tree", *path.parts))


class CopyRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def fetch_copy(review: str) -> Path:
    """The copy's path relative to the home, fetched once (it never changes)."""
    try:
        route = protocol.route("peer_copy", review=review)
    except ValueError:
        raise CopyRefused(404, messages.say("exchange.bad_name", name=review[:20])) from None
    request = urllib.request.Request(
        os.environ.get(protocol.COURSE_URL_ENV, "").rstrip("/") + "/" + route,
        headers={"Authorization": f"token {os.environ.get('JUPYTERHUB_API_TOKEN', '')}"})
    language = messages.language_of_environment()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            text = json.loads(error.read()).get("message")
        except ValueError:
            text = None
        raise CopyRefused(error.code, text or messages.say(
            "exchange.answered", language, status=error.code)) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise CopyRefused(502, messages.say("exchange.no_answer", language,
                                            reason=getattr(error, "reason", error))) from None
    assignment = str(answer["assignment"])
    if not all(part and part not in (".", "..") and "/" not in part
               for part in (assignment, answer["filename"])):
        raise CopyRefused(502, messages.say("exchange.answered", language, status=502))
    relative = Path(EVALUATIONS) / assignment / f"evaluation-{int(review)}" / answer["filename"]
    target = Path.home() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(answer["notebook"], ensure_ascii=False, indent=1),
                          encoding="utf-8")
        target.chmod(0o444)  # read-only: the copy is the author's work, not the reviewer's
        target.parent.chmod(0o555)
    return relative


def _jupyter_server_extension_points():
    return [{"module": "decoder_lab"}]


def _load_jupyter_server_extension(serverapp):
    webapp = serverapp.web_app
    webapp.settings["decoder_serverapp"] = serverapp
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [
        (url_path_join(base_url, pattern), LoadNbgraderHandler) for pattern in NBGRADER_PATTERNS
    ] + [(url_path_join(base_url, r"/decoder/evaluations/(\d{1,18})"), PeerCopyHandler)])
