"""Upstream credentials: what the gateway puts in the Authorization header it sends upstream.

A provider answers the header value for one upstream. Static tokens and passthrough exist now;
managed providers (Keycloak password / client-credentials login with refresh) implement the same
`UpstreamCredentials` protocol, so the proxy does not change when they arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from gateway.config import UpstreamAuth
from gateway.credentials.inbound import GATEWAY_KEY_HEADER


class UpstreamCredentials(Protocol):
    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        """The Authorization header value to send upstream, or None for none."""


class NoCredentials:
    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return None


class StaticToken:
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return self._header


class Passthrough:
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
    if auth.mode == "passthrough":
        return Passthrough()
    return NoCredentials()
