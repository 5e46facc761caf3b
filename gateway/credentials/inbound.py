"""Inbound authentication: a client presents a gateway key, the gateway knows its team.

Keys are held only as SHA-256 digests and compared by digest look-up, so the configured secrets
are not kept in memory in the clear and never reach logs, metrics or upstreams. Clients send the
key as `Authorization: Bearer <key>` (so official clients work unchanged: their "token" is the
gateway key) or as `X-Gateway-Key`. Admin keys (held the same way) read the whole drift report
and nothing else; they are gateway keys too, so they never leave the gateway either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gateway.config import TeamConfig

GATEWAY_KEY_HEADER = "X-Gateway-Key"


@dataclass(frozen=True, slots=True)
class Team:
    name: str


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    value = headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class KeyRing:
    """Gateway keys -> teams, and the admin keys."""

    def __init__(self, teams: Iterable[TeamConfig], admin_keys: Iterable[str] = ()) -> None:
        self._teams = {_digest(key): Team(team.name) for team in teams for key in team.keys}
        self._admins = {_digest(key) for key in admin_keys}

    def is_gateway_key(self, value: str | None) -> bool:
        """Whether `value` is any team's gateway key or an admin key (so it must never leave the gateway)."""
        if value is None:
            return False
        digest = _digest(value.strip())
        return digest in self._teams or digest in self._admins

    def identify(self, headers: Mapping[str, str]) -> Team | None:
        key = _presented(headers)
        return self._teams.get(_digest(key)) if key else None

    def is_admin(self, headers: Mapping[str, str]) -> bool:
        key = _presented(headers)
        return key is not None and _digest(key) in self._admins


def _presented(headers: Mapping[str, str]) -> str | None:
    """The key a request presents: `X-Gateway-Key`, else the bearer token."""
    return headers.get(GATEWAY_KEY_HEADER) or bearer_token(headers)
