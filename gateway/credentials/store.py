"""Where token managers keep each credential set's current token, and how they take turns renewing it.

A `TokenStore` is shared by every token manager of a process; with a shared implementation (Redis)
it is shared by every process and replica, so a credential set has one cached token and one
renewal at a time across all of them. Times are Unix seconds, the only clock processes on
different hosts share; a manager converts them to its own monotonic clock when it reads them.

The renewal protocol (oauth2-proxy's, `pkg/middleware/stored_session.go`): take the set's renewal
turn with `async with store.renewal(name):`, then `load` again and renew only if the token found
is still not good enough - another holder may have renewed it while this one waited.
`MemoryStore` is the in-process implementation: one token per set, an asyncio lock per set.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredToken:
    """An access token as the token endpoint granted it, with its refresh token if any."""

    access: str = field(repr=False)
    expires_at: float  # Unix time the access token expires
    refresh: str | None = field(default=None, repr=False)
    refresh_expires_at: float = 0.0  # Unix time the refresh token expires; 0: no refresh token
    issued_at: float = 0.0  # Unix time the exchange that granted it was asked


class TokenStore(Protocol):
    """The current token of each credential set, and a renewal turn per set."""

    @property
    def shared(self) -> bool:
        """Whether other processes see what this store holds (false for memory, or Redis down)."""

    async def load(self, credential_set: str) -> StoredToken | None:
        """The set's current token, or None (never stored, discarded, or unreadable)."""

    async def save(self, credential_set: str, token: StoredToken) -> None:
        """Make `token` the set's current token."""

    async def discard(self, credential_set: str, access: str) -> None:
        """Forget the set's token if it is still the one whose access token is `access` (an
        upstream refused it); a newer token another holder saved is kept."""

    def renewal(self, credential_set: str) -> AbstractAsyncContextManager[None]:
        """Hold the set's renewal turn for the body of an `async with`: one holder at a time."""

    async def close(self) -> None:
        """Release connections and locks the store holds."""


class MemoryStore:
    """Tokens in this process only: each worker and replica renews its own."""

    shared = False

    def __init__(self) -> None:
        self._tokens: dict[str, StoredToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self, credential_set: str) -> StoredToken | None:
        return self._tokens.get(credential_set)

    async def save(self, credential_set: str, token: StoredToken) -> None:
        self._tokens[credential_set] = token

    async def discard(self, credential_set: str, access: str) -> None:
        current = self._tokens.get(credential_set)
        if current is not None and current.access == access:
            del self._tokens[credential_set]

    @asynccontextmanager
    async def renewal(self, credential_set: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(credential_set, asyncio.Lock()):
            yield

    async def close(self) -> None:
        self._tokens.clear()
