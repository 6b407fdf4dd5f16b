"""LTI 1.3 login, as an option (NativeAuthenticator stays the default).

A course run from a school's LMS (Moodle, Canvas, Open edX...) launches the platform as an LTI
1.3 tool: jupyterhub-ltiauthenticator checks the LMS's signed launch (OpenID Connect) and names
the user. On top of it, this class puts each person in the platform's groups from the launch's
LTI roles: instructors (``Instructor``, its sub-roles such as teaching assistants, and
administrators) in ``instructors``, everyone else in ``learners`` (JupyterHub's
``manage_groups``: the LMS is then the one source of who teaches).

The operator's settings file holds the whole LTI block (docs/lti.md)::

    c.PlatformSettings.login = "lti13"
    c.LTI13Authenticator.issuer = "https://moodle.example.org"
    c.LTI13Authenticator.client_id = ["AbCdEf123"]
    c.LTI13Authenticator.authorize_url = "https://moodle.example.org/mod/lti/auth.php"
    c.LTI13Authenticator.jwks_endpoint = "https://moodle.example.org/mod/lti/certs.php"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ltiauthenticator.lti13.auth import LTI13Authenticator
from traitlets import Set, Unicode, default

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
STAFF_ROLES = {LIS + "membership#Instructor", LIS + "membership#Administrator",
               LIS + "institution/person#Administrator", LIS + "system/person#Administrator"}
STAFF_SUB_ROLES = LIS + "membership/Instructor#"  # teaching assistant, grader...


def is_staff(roles: Iterable[str]) -> bool:
    """True when one of the launch's LTI roles is a teaching or administering one (pure)."""
    return any(str(role) in STAFF_ROLES or str(role).startswith(STAFF_SUB_ROLES)
               for role in roles)


def groups_of(claims: Mapping, username: str, instructors: Iterable[str] = ()) -> list[str]:
    """The platform's group of whoever the LMS launched (pure)."""
    roles = claims.get(ROLES_CLAIM) or []
    if isinstance(roles, str):
        roles = [roles]
    return ["instructors"] if is_staff(roles) or username in set(instructors) else ["learners"]


class DecoderLTI13Authenticator(LTI13Authenticator):
    instructor_usernames = Set(
        Unicode(),
        help="Usernames always placed in 'instructors', whatever their LTI roles (set from "
        "PlatformSettings.instructors). Example: {'formatrice@example.org'}.",
    ).tag(config=True)

    @default("manage_groups")
    def _default_manage_groups(self) -> bool:
        return True

    @default("username_key")
    def _default_username_key(self) -> str:
        return "sub"  # stable, and says nothing of the person (the LMS may hide the email)

    async def authenticate(self, handler, data=None):
        model = await super().authenticate(handler, data)
        if model:
            model["groups"] = groups_of(data or {}, model["name"], self.instructor_usernames)
        return model
