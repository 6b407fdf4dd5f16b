"""Server extension of a learner's JupyterLab: nbgrader's learner-side extensions, loaded lazily,
and, in a review room, a reviewer nobody's code can name.

Importing nbgrader costs about 40 MiB and a good part of the server's start, for pages a learner
opens now and then (assignment list, validate). This extension registers nbgrader's learner URLs
with a small handler; the first request to any of them loads nbgrader's own extensions
(assignment_list, validate_assignment), removes this handler's routes (and only them) and
replays the request (307 keeps its method and body).

In a review room (``DECODER_ROOM``, set by the spawner), a peer's notebook runs in the
reviewer's browser: what JupyterLab tells the page of who is signed in (``/api/me``) is « Relecteur
ou relectrice », never the reviewer's name, so the author's outputs cannot learn it.
Installed and enabled by images/lab/Dockerfile.
"""

from __future__ import annotations

import os

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from decoder import messages, protocol

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
    for rule in webapp.default_router.rules:  # our routes only, never a group's others
        inner = getattr(rule.target, "rules", None)
        if inner is not None:
            inner[:] = [sub for sub in inner
                        if getattr(sub, "target", None) is not LoadNbgraderHandler]
    webapp.settings["decoder_nbgrader_loaded"] = True


def anonymous_identity(user) -> dict:
    """What a review room's pages are told of who is signed in: not who."""
    name = messages.say("lab.room_reviewer", messages.language_of_environment())
    return {"username": "relecture", "name": name, "display_name": name, "initials": "R",
            "avatar_url": None, "color": None}


def _jupyter_server_extension_points():
    return [{"module": "decoder_lab"}]


def _load_jupyter_server_extension(serverapp):
    webapp = serverapp.web_app
    webapp.settings["decoder_serverapp"] = serverapp
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [
        (url_path_join(base_url, pattern), LoadNbgraderHandler) for pattern in NBGRADER_PATTERNS
    ])
    if os.environ.get(protocol.ROOM_ENV):
        serverapp.identity_provider.identity_model = anonymous_identity
