"""Upstream credentials: what the gateway puts in the Authorization header it sends upstream.

A provider answers the header value for one upstream: a static token, a managed Keycloak login
(gateway/credentials/keycloak.py), the client's own header (passthrough), or nothing. All share
the `UpstreamCredentials` protocol, so the proxy never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from gateway.config import UpstreamAuth
from gateway.credentials.inbound import GATEWAY_KEY_HEADER


class UpstreamCredentials(Protocol):
    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        """The Authorization header value to send upstream, or None for none."""

    async def close(self) -> None:
        """Release what the provider holds (sessions to a token endpoint)."""


class _Stateless:
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

    The client then names itself with X-Gateway-Key; an Authorization header that carried the
    gateway key is never forwarded.
    """

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        if GATEWAY_KEY_HEADER not in client_headers:
            return None
        return client_headers.get("Authorization")


def credentials_for(auth: UpstreamAuth) -> UpstreamCredentials:
    if auth.mode == "static" and auth.token:
        return StaticToken(auth.token)
    if auth.mode == "keycloak" and auth.token_url and auth.client_id:
        from gateway.credentials.keycloak import KeycloakLogin, TokenGrant

        grant = TokenGrant(auth.token_url, auth.client_id, auth.client_secret, auth.username, auth.password)
        return KeycloakLogin(grant, refresh_margin=auth.refresh_margin)
    if auth.mode == "passthrough":
        return Passthrough()
    return NoCredentials()
