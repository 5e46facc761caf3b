"""A realm's login sessions and the refresh tokens still live in them.

A password login opens a session; each refresh token is remembered by its ``jti`` until it is
used (refresh tokens rotate: a use takes the record away), its session is revoked, or it expires
(expired records are pruned once more than 256 pile up).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

_PRUNE_ABOVE: Final = 256


@dataclass
class Session:
    session_id: str
    client_id: str
    user_key: str
    scope: str
    started: int


@dataclass
class RefreshRecord:
    session_id: str
    client_id: str
    expires: int


class SessionStore:
    """Live sessions by id and live refresh tokens by jti."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, RefreshRecord] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def open(self, client_id: str, user_key: str, scope: str, now: int) -> Session:
        session = Session(str(uuid.uuid4()), client_id, user_key, scope, now)
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def revoke(self, session_id: str) -> bool:
        """Log a session out: its refresh tokens stop working.  True if it existed."""
        existed = self._sessions.pop(session_id, None) is not None
        for jti in [j for j, rec in self._refresh.items() if rec.session_id == session_id]:
            del self._refresh[jti]
        return existed

    def remember_refresh(self, jti: str, record: RefreshRecord, now: int) -> None:
        if len(self._refresh) > _PRUNE_ABOVE:
            for old in [j for j, rec in self._refresh.items() if rec.expires <= now]:
                del self._refresh[old]
        self._refresh[jti] = record

    def take_refresh(self, jti: str) -> RefreshRecord | None:
        """The record of refresh token ``jti``, forgotten as it is handed out (one use only)."""
        return self._refresh.pop(jti, None)
