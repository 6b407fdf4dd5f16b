"""Sharing a learner's self-check answers with the instructors, only if they agree: asked once,
at their first question (the answer is kept in their home, ``consent:self-checks``), then each
try is sent to the course service (their server's own token, as nbgrader's exchange uses),
in the background and silently: a question never waits for the network, nor fails for it.
The instructors see counts per question, never who answered what (the service's
self_checks.py)."""

from __future__ import annotations

import json
import os
import threading
import urllib.request

from decoder import protocol

from . import saved

CONSENT = "consent:self-checks"


def decided() -> bool | None:
    """True or False once the learner said; None before."""
    value = saved.load().get(CONSENT)
    return value if isinstance(value, bool) else None


def decide(agree: bool) -> None:
    saved.save(CONSENT, agree)


def send(question: str, tries: int, right: bool, *, wait: bool = False) -> threading.Thread | None:
    """Send a try if the learner agreed and the course service is known; ``wait``: in the
    foreground (tests)."""
    base, token = os.environ.get("DECODER_COURSE_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    if decided() is not True or not base or not token:
        return None
    url = base.rstrip("/") + "/" + protocol.route("self_check", question=question)
    request = urllib.request.Request(
        url, data=json.dumps({"tries": tries, "right": right}).encode(), method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})

    def post() -> None:
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except Exception:  # noqa: BLE001 - sharing is a courtesy: never in the learner's way
            pass
    if wait:
        post()
        return None
    thread = threading.Thread(target=post, daemon=True, name="decoder-self-check")
    thread.start()
    return thread
