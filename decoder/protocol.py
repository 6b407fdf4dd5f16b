"""The contract between a learner's JupyterLab and the course service (pure, standard library
only): the routes of the service's API, how files travel in a request, the feedback checksum,
the size limits, and the variables a learner's server is given.

Both sides use this one definition: the service (decoder/service/), the operators' command
(decoder/ops/coursestate.py) and nbgrader's exchange in the lab image
(images/lab/decoder_exchange.py), which gets a copy of this file, as it gets graders/checks.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import urllib.parse

SERVICE = "course"  # the hub-managed service's name: it is reached at /services/course/
COURSE_URL_ENV = "DECODER_COURSE_URL"  # where a learner's server reaches the service
MAX_SUBMISSION_ENV = "DECODER_MAX_SUBMISSION_MB"  # the largest submission, in MB
LANGUAGE_ENV = "DECODER_UI_LANGUAGE"  # 'fr' or 'en'
HOME_LIMIT_ENV = "DECODER_HOME_LIMIT_MB"  # the size limit of a learner's home, in MB
POINTS_PER_HINT_ENV = "DECODER_POINTS_PER_HINT"  # course.toml's [hints] (« Un indice » says it)
HELP_ENV = "DECODER_HELP"  # where learners ask for help (the « Par ici » page)
ROOM_ENV = "DECODER_ROOM"  # set in a review room's server (a peer's notebook runs there)

DEFAULT_MAX_SUBMISSION_MB = 20
MAX_FILES = 50  # files in one submission
MAX_DEPTH = 3  # folders in a file's name, itself included

PARAMETERS = {"assignment": r"[A-Za-z0-9_.\-]{1,100}", "submission": r"\d{1,18}",
              "batch": r"\w{1,64}", "review": r"\d{1,18}",
              "question": r"[a-z0-9][a-z0-9\-]{0,79}"}
ROUTES = {
    "health": "health",
    "assignments": "assignments",
    "release_files": "assignments/{assignment}/files",
    "submit": "assignments/{assignment}/submissions",
    "my_submissions": "submissions",
    "self_check": "self-checks/{question}",
    "hints": "assignments/{assignment}/hints",
    "feedback": "submissions/{submission}/feedback",
    "all_submissions": "instructor/assignments/{assignment}/submissions",
    "regrade": "instructor/assignments/{assignment}/regrade",
    "release_hidden": "instructor/assignments/{assignment}/release-hidden",
    "batch": "instructor/batches/{batch}",
    "export": "instructor/export",
}
API = "api/"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class PayloadError(ValueError):
    """A request body that does not follow this contract: ``key`` names the message to show
    (the service's catalogue), ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def plain_number(text: object, digits: int = 18) -> int | None:
    """``text`` as a number if it is 1 to ``digits`` ASCII digits, else None. Not
    ``str.isdigit``: it takes « ² » and « ١ » for digits, and int() then fails or differs
    (found by the API's fuzzing)."""
    text = str(text)
    return int(text) if re.fullmatch(f"[0-9]{{1,{digits}}}", text) else None


def service_url(hub_side_url: str) -> str:
    """The service's address as a learner's server uses it, from where it listens:
    ``service_url('http://172.29.0.1:8082') == 'http://172.29.0.1:8082/services/course/'``."""
    return f"{hub_side_url.rstrip('/')}/services/{SERVICE}/"


def route(name: str, query: dict | None = None, **params) -> str:
    """The path of a route under the service's URL: ``route('feedback', submission=3) ==
    'api/submissions/3/feedback'``. A parameter that its pattern refuses raises ValueError."""
    def fill(match: re.Match) -> str:
        value = str(params[match.group(1)])
        if not re.fullmatch(PARAMETERS[match.group(1)], value):
            raise ValueError(f"{match.group(1)} {value!r} is not accepted by the course service")
        return value

    path = API + _PLACEHOLDER.sub(fill, ROUTES[name])
    query = {key: value for key, value in (query or {}).items() if value is not None}
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


def url_pattern(name: str, prefix: str) -> str:
    """The route as a tornado URL pattern under ``prefix``, one group per parameter."""
    return prefix.rstrip("/") + "/" + API + _PLACEHOLDER.sub(
        lambda match: f"({PARAMETERS[match.group(1)]})", ROUTES[name])


def encode_files(files: dict[str, bytes]) -> dict:
    """Files as they travel: ``{"files": {name: base64 text}}``."""
    return {"files": {name: base64.b64encode(content).decode("ascii")
                      for name, content in sorted(files.items())}}


def decode_files(payload: object) -> dict[str, bytes]:
    """The files of a request body (see ``encode_files``); PayloadError when it is not one."""
    files = payload.get("files") if isinstance(payload, dict) else None
    if not isinstance(files, dict) or not files:
        raise PayloadError("empty")
    if len(files) > MAX_FILES:
        raise PayloadError("too_many_files", count=len(files), most=MAX_FILES)
    decoded = {}
    for name, text in files.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise PayloadError("malformed")
        try:
            decoded[name] = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError("bad_encoding", name=name[:120]) from None
    return decoded


def submission_bytes(files: dict[str, bytes]) -> int:
    return sum(len(content) for content in files.values())


def max_submission_bytes(max_mb: int) -> int:
    return max_mb * 2**20


def max_request_bytes(max_mb: int) -> int:
    """The largest request body the service reads: a submission up to a quarter over the
    limit (base64 and JSON included), so that it is refused with a message (413) saying its
    size rather than by a closed connection."""
    return int(max_submission_bytes(max_mb) * 1.25 * 4 / 3) + 2**20


def checksum(content: bytes) -> str:
    """The feedback page's checksum: the service sends it with each submission, the lab
    compares it with the page it saved to know when there is a newer one."""
    return hashlib.sha256(content).hexdigest()[:16]
