"""A realm's user accounts: who may log in with the password grant, and what their tokens say.

Keycloak user names are case-insensitive, so the directory keys users by the lower-cased name;
a login also matches a user's (lower-cased) email.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class RealmUser:
    """A Keycloak user: login name, password, stable id and profile attributes."""

    username: str
    password: str
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str | None = None
    admin: bool = False
    enabled: bool = True
    email_verified: bool = True
    first_name: str | None = None
    last_name: str | None = None


class UserDirectory:
    """The users of one realm, keyed by lower-cased username."""

    def __init__(self, users: Iterable[RealmUser] = ()) -> None:
        self._by_name = {user.username.lower(): user for user in users}

    def __getitem__(self, key: str) -> RealmUser:
        return self._by_name[key]

    def get(self, key: str) -> RealmUser | None:
        return self._by_name.get(key)

    def add(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        user_id: str | None = None,
        admin: bool = False,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> RealmUser:
        """Register a user (Keycloak stores usernames lower-cased) and return it."""
        user = RealmUser(
            username=username.lower(),
            password=password,
            user_id=user_id or str(uuid.uuid4()),
            email=email.lower() if email else None,
            admin=admin,
            first_name=first_name,
            last_name=last_name,
        )
        self._by_name[user.username] = user
        return user

    def find(self, login: str) -> RealmUser | None:
        """The user whose name, else whose email, is ``login`` (case-insensitively)."""
        key = login.lower()
        user = self._by_name.get(key)
        if user is not None:
            return user
        return next((u for u in self._by_name.values() if u.email == key), None)
