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


def send(question: str, tries: int, right: bool, *, wait: bool = False) -> None:
    """Send a try if the learner agreed (``wait``: in the foreground, for tests)."""
    if decided() is True:
        post(protocol.route("self_check", question=question),
             {"tries": tries, "right": right}, wait=wait)


def post(path: str, body: dict, *, wait: bool = False) -> None:
    """POST ``body`` to the course service's ``path`` with the learner's server's token, in
    the background and silently; nothing where the service is unknown (the grading sandbox)."""
    base, token = os.environ.get("DECODER_COURSE_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    if not base or not token:
        return
    request = urllib.request.Request(
        base.rstrip("/") + "/" + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})

    def attempt() -> None:
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except Exception:  # noqa: BLE001 - a courtesy: never in the learner's way
            pass
    if wait:
        attempt()
    else:
        threading.Thread(target=attempt, daemon=True, name="decoder-course-service").start()
