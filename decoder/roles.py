"""JupyterHub roles of the platform (pure data)."""

from __future__ import annotations

from .protocol import SERVICE as COURSE_SERVICE

FORMGRADER = "formgrader"  # nbgrader's formgrader, a hub-managed service (decoder/formgrader.py)

# what a learner's server token may do: report activity, and use the course service (nbgrader's
# exchange in the lab image talks to it with this token)
SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!server",
                       f"access:services!service={COURSE_SERVICE}"]

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


def instructor_role() -> dict:
    return {
        "name": "instructor",
        "description": "Instructors: follow, help and approve learners",
        "scopes": INSTRUCTOR_SCOPES,
        "groups": ["instructors"],
    }


def culler_role() -> dict:
    return {
        "name": "idle-culler",
        "description": "Stop idle learner servers (never deletes users or volumes)",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
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


def user_role() -> dict:
    """JupyterHub's default 'user' role, plus access to the course service."""
    return {
        "name": "user",
        "description": "Learners: their own server, and the course service",
        "scopes": ["self", f"access:services!service={COURSE_SERVICE}"],
    }


def course_service_role() -> dict:
    return {
        "name": "course-service",
        "description": "The course service: knows who the instructors are, and the class "
                       "(names and last activity, for the dashboard)",
        "scopes": ["read:groups!group=instructors", "list:users", "read:users:name",
                   "read:users:activity"],
        "services": [COURSE_SERVICE],
    }
