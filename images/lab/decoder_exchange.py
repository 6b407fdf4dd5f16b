"""nbgrader's exchange, through the course service instead of a shared folder.

nbgrader's learner tools (the assignment list in JupyterLab, ``nbgrader fetch_assignment`` and
friends) call these classes, configured in images/lab/nbgrader_config.py. Each talks to the
course service over HTTP with this server's own hub token (``JUPYTERHUB_API_TOKEN``): the
service knows who is asking from the token, and keeps the time of each submission itself.
Nothing here is trusted by the service; these classes only move files.

Instructor tools (release, collect, release feedback) are the service's job: those classes
refuse with a message saying so. Routes, payloads, the size limit and the feedback checksum are
the service's contract (decoder/protocol.py), and the messages are the platform's catalogue
(decoder/messages): both are copied into this image beside this file.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from nbgrader.exchange.abc import (
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from nbgrader.exchange.abc.exchange import Exchange, ExchangeError
from traitlets import Float, Integer, Unicode, default

from decoder import messages, protocol

SKIPPED = {".ipynb_checkpoints", "feedback", "__pycache__"}

def say(key: str, **params) -> str:
    """The exchange's own message ``key`` (the catalogue's ``exchange`` section), in the
    platform's language; the service's refusals come in that language already."""
    return messages.say(f"exchange.{key}", messages.language_of_environment(), **params)


class ServiceExchange(Exchange):
    """What every exchange class here shares: where the service is, and how to ask it."""

    service_url = Unicode(
        help="Address of the course service. Default: $DECODER_COURSE_URL. Example: "
        "'http://172.29.0.1:8082/services/course/'.",
    ).tag(config=True)

    max_submission_mb = Integer(
        help="Largest submission sent, in MB; the service checks it again. Default: "
        "$DECODER_MAX_SUBMISSION_MB (set by the hub from the platform's max_submission_mb), "
        "else 20. Example: 20.",
    ).tag(config=True)

    feedback_wait_seconds = Integer(
        20, help="After a submission, wait this long for its grading and fetch the feedback, "
        "so that the assignment list shows it at once (0: do not wait). Example: 20.",
    ).tag(config=True)

    wait_for_service_seconds = Float(
        15, help="How long a request refused at the door (nothing listening: the course "
        "service restarts with the hub, which takes a few seconds) is tried again before "
        "saying the service does not answer. Only refused connections are retried: such a "
        "request never arrived. Example: 15.",
    ).tag(config=True)

    @default("service_url")
    def _default_service_url(self) -> str:
        return os.environ.get(protocol.COURSE_URL_ENV, "")

    @default("max_submission_mb")
    def _default_max_submission_mb(self) -> int:
        try:
            return int(os.environ[protocol.MAX_SUBMISSION_ENV])
        except (KeyError, ValueError):
            return protocol.DEFAULT_MAX_SUBMISSION_MB

    def call(self, method: str, route: str, payload: dict | None = None, **params):
        """The service's answer; a refusal or an unreachable service fails with its message."""
        status, body = self.request(method, route, payload, **params)
        if status >= 400:
            message = body.get("message") if isinstance(body, dict) else None
            self.fail(message or say("answered", status=status))
        return body

    def request(self, method: str, route: str, payload: dict | None = None, **params):
        """(status, body) of one call to the service: ``route`` names one of
        ``protocol.ROUTES``, ``params`` fill it (``query`` adds a query string)."""
        if not self.service_url:
            self.fail(say("no_service"))
        try:
            path = protocol.route(route, **params)
        except ValueError:
            self.fail(say("bad_name", name=str(params.get("assignment", ""))[:100]))
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.service_url.rstrip("/") + "/" + path, data=data, method=method,
            headers={"Authorization": f"token {os.environ.get('JUPYTERHUB_API_TOKEN', '')}",
                     "Content-Type": "application/json"})
        deadline = time.monotonic() + self.wait_for_service_seconds
        while True:
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status, json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                try:
                    return error.code, json.loads(error.read())
                except ValueError:
                    return error.code, None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", error)
                # refused: nothing listens (the service is restarting with the hub), so the
                # request was never received and asking again cannot do anything twice
                if isinstance(reason, ConnectionRefusedError) and time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                self.fail(say("no_answer", reason=reason))

    def assignment_path(self, assignment_id: str) -> Path:
        return Path(self.assignment_dir) / assignment_id


class DecoderFetchAssignment(ServiceExchange, ExchangeFetchAssignment):
    def init_src(self):
        if not self.coursedir.assignment_id:
            self.fail(say("which"))

    def init_dest(self):
        self.dest = self.assignment_path(self.coursedir.assignment_id)

    def copy_files(self):
        release = self.call("GET", "release_files", assignment=self.coursedir.assignment_id)
        for name, content in protocol.decode_files(release).items():
            target = (self.dest / name).resolve()
            if self.dest.resolve() not in target.parents:
                continue
            if target.exists():  # never overwrite a learner's work: only add what is missing
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        self.log.info("Fetched %s into %s", self.coursedir.assignment_id, self.dest)


class DecoderSubmit(ServiceExchange, ExchangeSubmit):
    def init_src(self):
        self.src = self.assignment_path(self.coursedir.assignment_id)
        if not self.src.is_dir():
            self.fail(say("not_fetched", folder=self.src))

    def init_dest(self):
        pass

    def files(self) -> dict[str, bytes]:
        found = {}
        for path in sorted(self.src.rglob("*")):
            relative = path.relative_to(self.src)
            if path.is_symlink() or not path.is_file() or SKIPPED & set(relative.parts) \
                    or any(part.startswith(".") for part in relative.parts):
                continue
            found[relative.as_posix()] = path.read_bytes()
        return found

    def copy_files(self):
        files = self.files()
        size = protocol.submission_bytes(files)
        if size > protocol.max_submission_bytes(self.max_submission_mb):
            self.fail(say("too_big", size=size / 2**20, limit=self.max_submission_mb))
        answer = self.call("POST", "submit", protocol.encode_files(files),
                           assignment=self.coursedir.assignment_id)
        self.timestamp = answer["timestamp"]
        self.log.info("Submitted %s at %s", self.coursedir.assignment_id, self.timestamp)
        for note in answer.get("notes", []):  # what grading puts right (the feedback says it)
            self.log.warning(note)
        self.wait_for_feedback(answer)

    def wait_for_feedback(self, submitted: dict) -> None:
        """Graded in a second or two when the queue is empty: bring the feedback home now."""
        deadline = time.monotonic() + self.feedback_wait_seconds
        while time.monotonic() < deadline:
            time.sleep(0.5)
            status, feedback = self.request("GET", "feedback", submission=submitted["id"])
            if status != 200:  # not graded yet (409): the learner can fetch it later
                continue
            save_feedback(self.assignment_path(submitted["assignment_id"]), submitted["timestamp"],
                          feedback)
            self.log.info("Feedback ready: %s / %s", feedback["score"], feedback["max_score"])
            return


class DecoderList(ServiceExchange, ExchangeList):
    def init_src(self):
        pass

    def init_dest(self):
        pass

    def copy_files(self):
        pass

    def list_files(self):
        course_id = self.coursedir.course_id
        if self.inbound or self.cached:
            submitted = self._submitted(course_id)
            self.log.info("Submitted assignments:")
            for assignment in submitted:
                for info in assignment["submissions"]:
                    self.log.info("%s %s %s (%s, %s)", course_id, info["assignment_id"],
                                  info["timestamp"], info["grading_state"],
                                  "feedback ready" if info["has_exchange_feedback"]
                                  else "no feedback yet")
            return submitted
        released = self._released(course_id)
        self.log.info("Released assignments:")
        for info in released:
            self.log.info("%s %s (%s)", course_id, info["assignment_id"], info["status"])
        return released

    def remove_files(self):
        self.fail(say("kept"))

    def _open(self) -> list[dict]:
        if not hasattr(self, "_open_assignments"):
            self._open_assignments = self.call("GET", "assignments")
        return self._open_assignments

    def _labels(self) -> dict[str, dict]:
        """What the assignment list shows of each exercise (its title, its week and due date
        from course.toml) beside the folder name nbgrader works with."""
        labels = {}
        for item in self._open():
            due = item.get("due_text") or item.get("due", "")  # said in the run's time zone
            labels[item["assignment_id"]] = {
                "title": item.get("title") or item["assignment_id"],
                "when": say("when_late" if item.get("late") else "when",
                            week=item.get("week", ""), due=due)}
        return labels

    def _released(self, course_id: str) -> list[dict]:
        assignments = []
        labels = self._labels()
        for item in self._open():
            aid = item["assignment_id"]
            if self.coursedir.assignment_id and aid != self.coursedir.assignment_id:
                continue
            local = self.assignment_path(aid)
            fetched = local.is_dir()
            assignments.append({
                **labels.get(aid, {}), "course_id": course_id, "assignment_id": aid,
                "status": "fetched" if fetched else "released",
                "path": str(local.resolve()) if fetched else aid,
                "notebooks": [{"notebook_id": aid,
                               "path": str((local / f"{aid}.ipynb").resolve())}],
            })
        return assignments

    def _submitted(self, course_id: str) -> list[dict]:
        by_assignment: dict[str, list[dict]] = {}
        labels = self._labels()
        for item in self.call("GET", "my_submissions"):
            aid = item["assignment_id"]
            feedback = self.assignment_path(aid) / "feedback" / item["timestamp"]
            local = feedback / f"{aid}.html"
            has_local = local.is_file()
            has_exchange = item["feedback_checksum"] is not None
            updated = has_local and has_exchange and \
                protocol.checksum(local.read_bytes()) != item["feedback_checksum"]
            notebook = {"notebook_id": aid, "path": aid, "has_local_feedback": has_local,
                        "has_exchange_feedback": has_exchange, "feedback_updated": updated,
                        "local_feedback_path": str(local) if has_local else None}
            by_assignment.setdefault(aid, []).append({
                **labels.get(aid, {}), "course_id": course_id,
                "student_id": os.environ.get("JUPYTERHUB_USER", ""),
                "assignment_id": aid, "timestamp": item["timestamp"], "status": "submitted",
                "submitted_text": say("submitted_late" if item.get("late") else
                                      "submitted_when", when=item.get("when", item["timestamp"])),
                "path": aid, "notebooks": [notebook], "has_local_feedback": has_local,
                "has_exchange_feedback": has_exchange, "feedback_updated": updated,
                # the page itself: « (voir le retour) » opens it (images/lab/nbgrader_fr.py)
                "local_feedback_path": str(local) if has_local else None,
                "score": item["score"], "max_score": item["max_score"],
                "grading_state": item["state"],
            })
        return [{**labels.get(aid, {}), "course_id": course_id,
                 "student_id": os.environ.get("JUPYTERHUB_USER", ""),
                 "assignment_id": aid, "status": "submitted", "submissions": items}
                for aid, items in sorted(by_assignment.items())]


class FormgraderList(ExchangeList):
    """What the formgrader's home asks the exchange (which exercises are released), answered
    from ``released.json``, which the course service writes into the course folder
    (decoder/service/gradebook.py: ``describe``): the formgrader needs no network for it, and
    its home says « released » for the exercises open now, with no warning of a missing
    exchange directory."""

    def start(self):
        state = Path(self.coursedir.root) / "released.json"
        try:
            released = json.loads(state.read_text(encoding="utf-8")).get("released", [])
        except (OSError, ValueError):
            released = []  # not written yet: nothing released, said as « draft »
        return [{"course_id": self.coursedir.course_id, "assignment_id": name,
                 "status": "released"} for name in released]


class DecoderFetchFeedback(ServiceExchange, ExchangeFetchFeedback):
    def init_src(self):
        pass

    def init_dest(self):
        pass

    def copy_files(self):
        query = {"assignment": self.coursedir.assignment_id or None}
        for item in self.call("GET", "my_submissions", query=query):
            if item["feedback_checksum"] is None:
                continue
            feedback = self.call("GET", "feedback", submission=item["id"])
            save_feedback(self.assignment_path(item["assignment_id"]), item["timestamp"], feedback)


def save_feedback(assignment: Path, timestamp: str, feedback: dict) -> None:
    """Where nbgrader's assignment list looks for it: <assignment>/feedback/<timestamp>/."""
    folder = assignment / "feedback" / timestamp
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{feedback['notebook_id']}.html").write_bytes(feedback["html"].encode())


class _InstructorOnly(ServiceExchange):
    def start(self):
        raise ExchangeError(say("instructors"))


class DecoderReleaseAssignment(_InstructorOnly, ExchangeReleaseAssignment):
    pass


class DecoderReleaseFeedback(_InstructorOnly, ExchangeReleaseFeedback):
    pass


class DecoderCollect(_InstructorOnly, ExchangeCollect):
    pass
