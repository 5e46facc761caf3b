"""Upstream credentials: what the gateway puts in the Authorization header it sends upstream.

A provider answers the header value for one credential set: a static token, a managed Keycloak
login (`TokenManager`, gateway/credentials/token_manager.py), the client's own header
(passthrough), or nothing. All share the `UpstreamCredentials` protocol, so the proxy never knows
which one it has; it tells the provider when the upstream refused what it sent (`rejected`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from gateway.config import AuthMode, UpstreamAuth
from gateway.credentials.inbound import GATEWAY_KEY_HEADER, KeyRing
from gateway.credentials.store import MemoryStore, TokenStore
from gateway.credentials.token_endpoint import TokenGrant
from gateway.credentials.token_manager import TokenManager, TokenObserver
from gateway.credentials.token_state import TokenPolicy


class UpstreamCredentials(Protocol):
    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        """The Authorization header value to send upstream, or None for none."""

    async def rejected(self, authorization: str) -> bool:
        """The upstream answered 401 to `authorization`; True when a renewed one may be tried."""

    async def close(self) -> None:
        """Release what the provider holds (sessions to a token endpoint)."""


class _Stateless:
    async def rejected(self, authorization: str) -> bool:
        return False  # nothing to renew: the upstream's 401 is the answer

    async def close(self) -> None:
        return None


class NoCredentials(_Stateless):
    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return None


class StaticToken(_Stateless):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return self._header


class Passthrough(_Stateless):
    """Forwards the client's own Authorization header (only when the config says passthrough).

    The client then names itself with a non-empty X-Gateway-Key. An Authorization header that
    carries a gateway key (the client's or any other team's, as a bearer token or bare) is never
    forwarded: gateway keys do not leave the gateway in any mode.
    """

    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        if not client_headers.get(GATEWAY_KEY_HEADER, "").strip():
            return None  # the client named itself with Authorization: that header is its gateway key
        value = client_headers.get("Authorization")
        if value is None:
            return None
        # bare, or after any scheme (`Bearer`, `Token`, ...): `is_gateway_key` strips the spaces
        if any(self._keyring.is_gateway_key(v) for v in (value, value.partition(" ")[2])):
            return None
        return value


def credentials_for(
    auth: UpstreamAuth,
    keyring: KeyRing,
    name: str = "upstream",
    store: TokenStore | None = None,
    observer: TokenObserver | None = None,
) -> UpstreamCredentials:
    """The provider for credential set `name` (`TokenManager`s keep their tokens in `store`)."""
    if auth.mode is AuthMode.STATIC and auth.token:
        return StaticToken(auth.token)
    if auth.mode is AuthMode.KEYCLOAK and auth.token_url and auth.client_id:
        grant = TokenGrant(auth.token_url, auth.client_id, auth.client_secret, auth.username, auth.password)
        policy = TokenPolicy(
            auth.refresh_margin, backoff_base=auth.backoff_base, backoff_max=auth.backoff_max
        )
        timeout = auth.exchange_timeout
        return TokenManager(
            name, grant, store or MemoryStore(), policy=policy, exchange_timeout=timeout, observer=observer
        )
    if auth.mode is AuthMode.PASSTHROUGH:
        return Passthrough(keyring)
    return NoCredentials()
