"""NativeAuthenticator with seeded accounts, reserved names and a sign-up limit per address.

Overrides:
- ``__init__``: after NativeAuthenticator has created its table, create the accounts listed in
  ``seed_accounts_file`` (the demo course's accounts) if they do not exist yet. Existing accounts
  are never touched, so a changed password survives restarts.
- ``create_user``: refuses a name in ``reserved_usernames`` (the instructors' names: they get
  the instructors' roles at every start, so sign-up must never hand them out; see
  decoder/hub/accounts.py).
- ``authenticate``: NativeAuthenticator's, with the password's bcrypt check in a thread: run
  in the hub's event loop, thirty learners logging in at once held every request of the hub
  behind thirty checks (0.28 s each here), and each learner reached JupyterLab only after the
  last check (bench/class_session.py). bcrypt releases the GIL: the checks use every core.
- ``get_handlers``: the sign-up page says why a reserved name, a busy address or a full disk
  is refused,
  and counts the accounts each address creates; the login page says when an account is locked
  after too many failed attempts (NativeAuthenticator's ``allowed_failed_logins``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from pathlib import Path

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler, SignUpHandler
from nativeauthenticator.orm import UserInfo
from traitlets import Integer, List, Set, Unicode

from ..diskspace import short_of_space

HOUR = 3600.0


class AddressLimiter:
    """At most ``limit`` events per address in a sliding hour (pure, in memory: a hub restart
    forgets, which only ever lets a few more through)."""

    def __init__(self, limit: int, window: float = HOUR):
        self.limit = limit
        self.window = window
        self.events: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str, now: float) -> deque[float]:
        events = self.events[address]
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def allows(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self.limit <= 0 or len(self._recent(address, now)) < self.limit

    def record(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._recent(address, now).append(now)

    def wait_minutes(self, address: str, now: float | None = None) -> int:
        """Minutes until this address may create an account again."""
        now = time.monotonic() if now is None else now
        events = self._recent(address, now)
        if not events or len(events) < self.limit:
            return 0
        return max(1, int((events[0] + self.window - now) // 60) + 1)


class DecoderSignUpHandler(SignUpHandler):
    async def post(self):
        authenticator = self.authenticator
        address = self.request.remote_ip or "?"
        name = authenticator.normalize_username(self.get_body_argument("username", ""))
        if authenticator.is_reserved(name):
            self.log.warning("Sign-up under the reserved name %r refused (from %s)", name, address)
            return await self.refuse("reserved", "This name is reserved. Choose another one.")
        if short_of_space(authenticator.watched_folders, authenticator.min_free_disk_mb):
            self.log.error("Sign-up refused: less than %d MB free on %s",
                           authenticator.min_free_disk_mb, authenticator.watched_folders)
            return await self.refuse("disk", "The platform is short of disk space: new "
                                     "accounts wait until the operator frees some.")
        if not authenticator.signups.allows(address):
            minutes = authenticator.signups.wait_minutes(address)
            self.log.warning("Sign-up limit reached for %s", address)
            return await self.refuse(
                "busy", f"Too many accounts were created from your address: try again in "
                f"{minutes} minute(s), or ask your instructor.", minutes=minutes)
        existed = authenticator.user_exists(name)
        await super().post()
        if not existed and authenticator.user_exists(name):
            authenticator.signups.record(address)

    async def refuse(self, reason: str, message: str, **details) -> None:
        self.set_status({"reserved": 403, "busy": 429}.get(reason, 503))
        html = await self.render_template(
            "signup.html", ask_email=self.authenticator.ask_email_on_signup,
            result_message=message, alert="alert-danger", refusal=reason, **details,
            two_factor_auth=self.authenticator.allow_2fa,
            recaptcha_key=self.authenticator.recaptcha_key, tos=self.authenticator.tos)
        self.finish(html)


class DecoderLoginHandler(LoginHandler):
    """NativeAuthenticator's login page, which also says when an account is locked."""

    locked = False

    def _render(self, login_error=None, username=None):
        authenticator = self.authenticator
        self.locked = bool(login_error and username and authenticator.allowed_failed_logins
                           and authenticator.is_blocked(authenticator.normalize_username(username)))
        if self.locked:
            login_error = (f"Too many failed attempts: this account is locked for "
                           f"{self.lock_minutes} minute(s).")
        return super()._render(login_error=login_error, username=username)

    @property
    def lock_minutes(self) -> int:
        return max(1, -(-self.authenticator.seconds_before_next_try // 60))

    @property
    def template_namespace(self):
        return {**super().template_namespace, "locked": self.locked,
                "lock_minutes": self.lock_minutes}


def password_matches(password: str, stored: bytes) -> bool:
    """bcrypt's own check (constant time), on a hash NativeAuthenticator stored."""
    try:
        return bcrypt.checkpw(password.encode(), stored)
    except ValueError:  # not a bcrypt hash
        return False


class DecoderAuthenticator(NativeAuthenticator):
    seed_accounts_file = Unicode(
        "",
        help="JSON file of accounts to create at start if missing: "
        '{"alice": {"password": "...", "role": "learner"}}. Written by `decoder up` for the '
        "demo course. Example: '/var/lib/decoder/secrets/demo-accounts.json'.",
    ).tag(config=True)

    reserved_usernames = Set(
        Unicode(),
        help="Names nobody may sign up under: the instructors' (they get the instructors' "
        "roles) and names that look like the staff's. Accounts under these names are made "
        "by the operator (`decoder instructor add NAME`). Example: {'marie', 'admin'}.",
    ).tag(config=True)

    signups_per_address_per_hour = Integer(
        30, help="Accounts one address may create in an hour (0: no limit). The platform sets "
        "it from PlatformSettings.signups_per_address_per_hour, whose help says more. "
        "Example: 30.",
    ).tag(config=True)

    min_free_disk_mb = Integer(
        0, help="Free MB on watched_folders below which sign-ups are refused (0: not watched); "
        "set from PlatformSettings.min_free_disk_mb. Example: 1024.",
    ).tag(config=True)

    watched_folders = List(
        Unicode(), help="Folders whose free space is checked before an account is made. "
        "Example: ['/var/lib/decoder', '/var/lib/docker'].",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signups = AddressLimiter(self.signups_per_address_per_hour)
        if self.seed_accounts_file:
            self.seed_accounts(json.loads(Path(self.seed_accounts_file).read_text()))

    def is_reserved(self, username: str) -> bool:
        return username.lower() in {name.lower() for name in self.reserved_usernames}

    def create_user(self, username, password, **kwargs):
        if self.is_reserved(self.normalize_username(username)):
            return None
        return super().create_user(username, password, **kwargs)

    async def authenticate(self, handler, data):
        username = self.normalize_username(data["username"])
        user = self.get_user(username)
        if not user:
            return None
        if self.allowed_failed_logins and self.is_blocked(username):
            return None
        right = await asyncio.get_running_loop().run_in_executor(
            None, password_matches, data["password"], user.password)
        validations = [user.is_authorized, right]
        if user.has_2fa:
            validations.append(user.is_valid_token(data.get("2fa")))
        if all(validations):
            self.successful_login(username)
            return username
        self.add_login_attempt(username)
        return None

    def get_handlers(self, app):
        replaced = {SignUpHandler: DecoderSignUpHandler, LoginHandler: DecoderLoginHandler}
        return [(path, replaced.get(handler, handler))
                for path, handler in super().get_handlers(app)]

    def seed_accounts(self, accounts: dict[str, dict[str, str]]) -> list[str]:
        """Create missing accounts, already authorized; return the names created."""
        created = []
        for name, account in accounts.items():
            username = self.normalize_username(name)
            if self.user_exists(username):
                continue
            hashed = bcrypt.hashpw(account["password"].encode(), bcrypt.gensalt())
            self.db.add(UserInfo(username=username, password=hashed, is_authorized=True))
            created.append(username)
        if created:
            self.db.commit()
            self.log.info("Created seeded accounts: %s", ", ".join(created))
        return created
