"""Review rooms with the real hub, proxy, engine and course service: « Ouvrir la copie » lends a
room on an origin of its own, shared with that reviewer alone; the author's code runs there with
nothing of the reviewer's (no home, no course token, no name); the room is wiped once the review
is sent. Learners act as a browser does (tests/hubclient.py, tests/pages.py)."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from decoder import origins
from decoder.peer.store import PeerStore
from tests import lab
from tests.pages import COMMENT, Pages, give, submit
from tests.test_peer_browser import hold_the_review_of

pytestmark = pytest.mark.docker

PEER = "s1-algorithme-du-quotidien"
SNOOP = """
import json, os, urllib.request, urllib.error
found = {"home": sorted(n for n in os.listdir(os.path.expanduser("~")) if n[0] != "."),
         "env": sorted(k for k in os.environ if k.startswith("DECODER_")),
         "user": os.environ.get("JUPYTERHUB_USER")}
token = os.environ["JUPYTERHUB_API_TOKEN"]
def status(url, method="GET", body=None):
    request = urllib.request.Request(url, method=method, data=body,
        headers={"Authorization": "token " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return type(error).__name__
hub = os.environ["JUPYTERHUB_API_URL"]
found["course"] = status(SERVICE + "api/submissions")
found["review"] = status(SERVICE + "peer/review/REVIEW", "POST", b"{}")
found["tokens"] = status(hub + "/users/REVIEWER/tokens", "POST", b'{"note": "vol"}')
found["users"] = status(hub + "/users")
print(json.dumps(found))
"""


def operator(platform) -> dict:
    return {"Authorization": "token " + platform.settings.path(
        "secrets", "cli_token").read_text().strip()}


def room_server(platform, account: str) -> dict | None:
    url, host = origins.via_proxy(platform.settings.proxy_address,
                                  f"{platform.url}/hub/api/users/{account}")
    model = requests.get(url, headers={**operator(platform), **host}, timeout=30).json()
    return model.get("servers", {}).get("")


def test_a_copy_runs_in_a_room_of_its_own_with_nothing_of_the_reviewers(platform):
    author, reviewer = platform.signed_up("yves"), platform.signed_up("zoe")
    intruder = platform.signed_up("ali")
    submission = submit(platform, author, PEER)
    pages = Pages(reviewer)
    review = hold_the_review_of(platform, pages, submission)
    page = pages.text(f"/peer/review/{review}")
    assert f"/peer/review/{review}/room" in page and "salle de relecture" in page
    opened = pages.post(f"/peer/review/{review}/room")  # the form's button: to the room, then
    # the hub asks the reviewer whether to open a server that is not theirs (in French)
    assert "salle de relecture" in opened.text and "id=\"authorize\"" in opened.text
    account = re.search(r"client_id=jupyterhub-user-(relecture-\d+)", opened.url).group(1)
    room = reviewer.open_lab(account)  # « Ouvrir » on the hub's page: a room, not theirs
    assert urlsplit(room.url).hostname == f"{account}.localhost"
    assert urlsplit(room.url).hostname != urlsplit(reviewer.server_url).hostname

    # the copy is there, anonymous; the room names neither author nor reviewer
    listing = reviewer.server_api("GET", "/contents", account).json()
    assert [item["name"] for item in listing["content"]] == [f"copie-{review}.ipynb"]
    copy = reviewer.server_api("GET", f"/contents/copie-{review}.ipynb", account).json()
    assert author.name not in json.dumps(copy) and "Copie anonyme" in json.dumps(copy)
    me = reviewer.server_api("GET", "/me", account).json()["identity"]
    assert reviewer.name not in json.dumps(me) and me["display_name"] == \
        "Relecteur ou relectrice"

    # the author's code, run there: no home of the reviewer's, no token that does anything
    code = SNOOP.replace("SERVICE", repr(
        lab.service_address(platform))).replace("REVIEW", str(review)).replace(
        "REVIEWER", reviewer.name)
    found = json.loads(reviewer.run_code(code, owner=account))
    assert found["home"] == [f"copie-{review}.ipynb"] and found["user"] == account
    assert "DECODER_COURSE_URL" not in found["env"]
    assert found["course"] == 403 and found["review"] in (403, 405)
    assert found["tokens"] == 403 and found["users"] == 403

    # nobody else gets in
    intruder.login()
    assert intruder.http.get(f"{origins.server_url(platform.url, account)}/lab",
                             timeout=60).status_code == 403

    # the review sent, the room is wiped: its share taken back, its server stopped
    assert give(pages, PEER, review, [2, 2, 2], COMMENT).status_code == 200
    deadline = time.monotonic() + 60
    while room_server(platform, account) is not None:
        assert time.monotonic() < deadline, "the room was not wiped"
        time.sleep(1)
    store = PeerStore(lab.store(platform).engine)
    assert store.review(review)["done_at"] is not None
    gone = reviewer.http.get(f"{origins.server_url(platform.url, account)}/api/contents",
                             timeout=60)
    assert gone.status_code != 200 or f"copie-{review}" not in gone.text
