"""Upstream credentials: what the gateway puts in the Authorization header it sends upstream.

A provider answers the header value for one upstream: a static token, a managed Keycloak login
(gateway/credentials/keycloak.py), the client's own header (passthrough), or nothing. All share
the `UpstreamCredentials` protocol, so the proxy never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from gateway.config import AuthMode, UpstreamAuth
from gateway.credentials.inbound import GATEWAY_KEY_HEADER, KeyRing, bearer_token


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
        scheme_and_token = value.partition(" ")[2]
        if any(
            self._keyring.is_gateway_key(v) for v in (bearer_token(client_headers), value, scheme_and_token)
        ):
            return None
        return value


def credentials_for(auth: UpstreamAuth, keyring: KeyRing) -> UpstreamCredentials:
    if auth.mode is AuthMode.STATIC and auth.token:
        return StaticToken(auth.token)
    if auth.mode is AuthMode.KEYCLOAK and auth.token_url and auth.client_id:
        from gateway.credentials.keycloak import KeycloakLogin, TokenGrant

        grant = TokenGrant(auth.token_url, auth.client_id, auth.client_secret, auth.username, auth.password)
        return KeycloakLogin(grant, refresh_margin=auth.refresh_margin)
    if auth.mode is AuthMode.PASSTHROUGH:
        return Passthrough(keyring)
    return NoCredentials()
