"""NativeAuthenticator with seeded accounts.

Overrides:
- ``__init__``: after NativeAuthenticator has created its table, create the accounts listed in
  ``seed_accounts_file`` (the demo course's accounts) if they do not exist yet. Existing accounts
  are never touched, so a changed password survives restarts.
"""

from __future__ import annotations

import json
from pathlib import Path

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Unicode


class DecoderAuthenticator(NativeAuthenticator):
    seed_accounts_file = Unicode(
        "",
        help="JSON file of accounts to create at start if missing: "
        '{"alice": {"password": "...", "role": "learner"}}. Written by `decoder up` for the '
        "demo course. Example: '/var/lib/decoder/secrets/demo-accounts.json'.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.seed_accounts_file:
            self.seed_accounts(json.loads(Path(self.seed_accounts_file).read_text()))

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
