"""JupyterHub roles of the platform (pure data)."""

from __future__ import annotations

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
    "access:services",
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
                   "access:servers", "admin:groups", "list:services", "read:services"],
        "services": ["decoder-cli"],
    }
