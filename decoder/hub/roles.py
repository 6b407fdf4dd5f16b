"""JupyterHub roles of the platform (pure data)."""

from __future__ import annotations

from ..protocol import SERVICE as COURSE_SERVICE

FORMGRADER = "formgrader"  # nbgrader's formgrader, a hub-managed service (formgrader.py)
CLASS_SESSIONS = "class-sessions"  # starts a group's servers before its session (prestart.py)
ROOM_PREFIX = "relecture"  # review rooms: hub accounts whose servers run a peer's notebook

# what a learner's server token may do: report activity, and use the course service (nbgrader's
# exchange in the lab image talks to it with this token)
SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!server",
                       f"access:services!service={COURSE_SERVICE}"]
# a review room's: report activity, nothing else (the author's code runs there)
ROOM_TOKEN_SCOPES = ["users:activity!user", "access:servers!server"]


def room_names(count: int) -> list[str]:
    """The review rooms' accounts: ``relecture-1`` … ``relecture-N`` (names sign-up refuses;
    nobody logs in as them: they have no password)."""
    return [f"{ROOM_PREFIX}-{number}" for number in range(1, count + 1)]


def server_token_scopes_for(rooms: list[str]):
    """JupyterHub's ``Spawner.server_token_scopes``, a function of each server: a room's
    token reaches nothing of the course, a learner's the course service's exchange."""
    def scopes(spawner) -> list[str]:
        return ROOM_TOKEN_SCOPES if spawner.user.name in rooms else SERVER_TOKEN_SCOPES
    return scopes


def room_role(rooms: list[str]) -> dict:
    """Makes the rooms' accounts at the hub's start (a role creates its missing users), and
    names them: no scope beyond the default role's."""
    return {"name": "review-room", "description": "Review rooms: servers where a peer's "
            "notebook runs for one reviewer (decoder/peer/rooms.py)", "scopes": [],
            "users": rooms}

INSTRUCTOR_SCOPES = [
    "list:users",
    "read:users",
    "read:users:activity",
    "read:servers",
    "access:servers",  # open a learner's JupyterLab to help them
    "servers",  # start and stop learners' servers
    "read:groups",
    "admin-ui",
    "admin:users",  # approve accounts when sign-up needs approval (NativeAuthenticator)
    "access:services",  # the course service's staff pages, and the formgrader
]


def instructor_role(open_labs: bool = True) -> dict:
    """``open_labs``: instructors may open a learner's JupyterLab to help (only with per-user
    origins: on one shared origin, the learner's code would run on the instructor's)."""
    scopes = INSTRUCTOR_SCOPES if open_labs else \
        [scope for scope in INSTRUCTOR_SCOPES if scope != "access:servers"]
    return {
        "name": "instructor",
        "description": "Instructors: follow, help and approve learners",
        "scopes": scopes,
        "groups": ["instructors"],
    }


def culler_role() -> dict:
    return {
        "name": "idle-culler",
        "description": "Stop idle learner servers (never deletes users or volumes)",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }


def class_sessions_role() -> dict:
    return {
        "name": CLASS_SESSIONS,
        "description": "Start the servers of a group's learners before its class session "
                       "(never stops or deletes anything)",
        "scopes": ["read:groups", "read:users:name", "read:servers", "servers"],
        "services": [CLASS_SESSIONS],
    }


def operator_role() -> dict:
    return {
        "name": "operator",
        "description": "The decoder command line: status, benchmarks, maintenance",
        "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users",
                   "access:servers", "admin:groups", "list:services", "read:services",
                   f"access:services!service={COURSE_SERVICE}"],
        "services": ["decoder-cli"],
    }


def user_role(share: bool = True) -> dict:
    """JupyterHub's default 'user' role, plus access to the course service; ``share``: a
    learner may share their server with another (JupyterHub 5's share codes: working in
    pairs), only where each person has an origin of their own."""
    return {
        "name": "user",
        "description": "Learners: their own server, and the course service",
        "scopes": ["self", f"access:services!service={COURSE_SERVICE}"] + (
            ["shares!user"] if share else []),
    }


def course_service_role(rooms: list[str] = ()) -> dict:
    return {
        "name": "course-service",
        "description": "The course service: knows who the instructors are, and the class "
                       "(names and last activity, for the dashboard); runs the review rooms "
                       "(starts, fills, shares with one reviewer, stops their servers)",
        "scopes": ["read:groups!group=instructors", "list:users", "read:users:name",
                   "read:users:activity"] + [
            f"{scope}!user={room}" for room in rooms
            for scope in ("servers", "access:servers", "shares", "read:servers")],
        "services": [COURSE_SERVICE],
    }
