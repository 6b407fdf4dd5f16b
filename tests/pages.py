"""The course service's pages as a signed-in browser without JavaScript sees them: requests'
session follows the hub's OAuth on the first visit, and forms are posted with the xsrf token
the page carries. Used by the integration tests; the browser tests use Chromium."""

from __future__ import annotations

import html
import re

import nbformat
import requests

from decoder import origins, protocol
from tests.hubclient import Learner

XSRF = re.compile(r"name='_xsrf' value='([^']+)'")
SERVICE = "/services/course"


class Pages:
    def __init__(self, learner: Learner):
        self.learner = learner
        self.last = ""

    @property
    def base(self) -> str:
        """The course service's pages, on its own origin with per-user origins."""
        return origins.service_url(self.learner.base_url, protocol.SERVICE)

    def get(self, path: str) -> requests.Response:
        response = self.learner.http.get(self.base + path, timeout=60)
        response.encoding = "utf-8"
        self.last = response.text
        return response

    def text(self, path: str) -> str:
        """The page's text, its entities decoded (what a person reads)."""
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[-500:])
        return html.unescape(response.text)

    def post(self, path: str, fields: dict | None = None, *, xsrf: bool = True
             ) -> requests.Response:
        """Post a form of the last page fetched (with its xsrf token, unless told not to)."""
        data = dict(fields or {})
        if xsrf:
            found = XSRF.search(self.last)
            assert found, "no form on the last page"
            data["_xsrf"] = html.unescape(found.group(1))
        response = self.learner.http.post(self.base + path, data=data, timeout=60)
        response.encoding = "utf-8"
        self.last = response.text
        return response


def api_token(learner: Learner) -> str:
    """A hub token of the learner's own, for the course service's API (as their server has)."""
    response = learner.api("POST", f"/users/{learner.name}/tokens", json={
        "note": "tests", "scopes": ["access:services!service=course"], "expires_in": 3600})
    assert response.status_code in (200, 201), response.text
    return response.json()["token"]


def submit(platform, learner: Learner, assignment: str, notebook=None, *,
           token: str | None = None) -> int:
    """Submit ``notebook`` (by default the master itself: every answer right) to the course
    service's API as the learner's server does, with a token of the learner's own; the new
    submission's id."""
    if notebook is None:
        notebook = nbformat.read(
            platform.settings.masters_dir / assignment / f"{assignment}.ipynb", 4)
    response = requests.post(
        protocol.service_url(platform.settings.course_service_url)
        + protocol.route("submit", assignment=assignment),
        json=protocol.encode_files({f"{assignment}.ipynb": nbformat.writes(notebook).encode()}),
        headers={"Authorization": f"token {token or api_token(learner)}"}, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()["id"]


# ---- peer review, as a learner does it ----

REVIEW_LINK = re.compile(r"/peer/review/(\d+)")
COMMENT = "Les étapes sont claires et dans le bon ordre ; pensez à préciser la quantité d'eau."


def ask(pages: Pages, assignment: str) -> int:
    """Press « Recevoir une copie à évaluer »: the id of the review held."""
    pages.get(f"/peer/{assignment}")
    answer = pages.post(f"/peer/{assignment}/ask")
    assert answer.status_code == 200, answer.text[-400:]
    return int(REVIEW_LINK.search(answer.url).group(1))


def give(pages: Pages, assignment: str, review: int, points: list[int],
         comment: str = COMMENT, cells: dict | None = None) -> requests.Response:
    """Fill in and send the review form."""
    if "name='_xsrf'" not in pages.get(f"/peer/review/{review}").text:
        pages.get(f"/peer/{assignment}")  # a review already given has no form: a token here
    fields = {f"criterion-{i}": str(p) for i, p in enumerate(points)}
    fields |= {"comment": comment} | {f"cell-{k}": v for k, v in (cells or {}).items()}
    return pages.post(f"/peer/review/{review}", fields)


def give_what_is_owed(pages: Pages, assignment: str, points: list[int]) -> None:
    """Give reviews until the received page no longer asks for more (give to get)."""
    for _ in range(10):
        if "Donnez encore" not in pages.text(f"/peer/{assignment}/received"):
            return
        assert give(pages, assignment, ask(pages, assignment), points).status_code == 200
    raise AssertionError("still owing reviews after ten")
