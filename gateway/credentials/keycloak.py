"""Managed upstream tokens from a Keycloak-style token endpoint.

`KeycloakLogin` logs in with the password grant (confidential client authenticated with HTTP
Basic, as the Wallaroo documents do it) or the client-credentials grant, caches the access token,
refreshes it `refresh_margin` seconds before it expires (with the refresh token when there is a
live one, else by logging in again), and lets only one refresh run at a time: concurrent callers
wait for it instead of stampeding the token endpoint. Tokens and secrets never appear in errors.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from gateway.credentials.errors import CredentialsUnavailable


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """How to log in: the token endpoint, the client, and a user (password grant) or none."""

    token_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def grant_type(self) -> str:
        return "password" if self.username is not None else "client_credentials"


@dataclass(slots=True)
class _Token:
    access: str
    expires_at: float
    refresh: str | None
    refresh_expires_at: float


class KeycloakLogin:
    """An `UpstreamCredentials` provider holding one cached, self-refreshing access token."""

    def __init__(
        self,
        grant: TokenGrant,
        *,
        refresh_margin: float = 30.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.grant = grant
        self.refresh_margin = refresh_margin
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self.logins = 0  # token-endpoint exchanges made, for metrics and tests
        self.refreshes = 0

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return f"Bearer {await self.token()}"

    async def token(self) -> str:
        current = self._token
        if current is not None and current.expires_at - self.refresh_margin > self._clock():
            return current.access
        async with self._lock:  # one exchange in flight; the others reuse its result
            current = self._token
            if current is None or current.expires_at - self.refresh_margin <= self._clock():
                current = self._token = await self._renew(current)
            return current.access

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _renew(self, current: _Token | None) -> _Token:
        if current is not None and current.refresh and current.refresh_expires_at > self._clock():
            try:
                token = await self._exchange(
                    {"grant_type": "refresh_token", "refresh_token": current.refresh}
                )
                self.refreshes += 1
                return token
            except CredentialsUnavailable:
                pass  # the refresh token was revoked or rotated away: log in again
        form = {"grant_type": self.grant.grant_type}
        if self.grant.username is not None:
            form.update(username=self.grant.username, password=self.grant.password or "")
        token = await self._exchange(form)
        self.logins += 1
        return token

    async def _exchange(self, form: dict[str, str]) -> _Token:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {}
        if self.grant.client_secret is not None:
            basic = f"{self.grant.client_id}:{self.grant.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(basic).decode()
        else:
            form = {**form, "client_id": self.grant.client_id}
        asked = self._clock()
        try:
            async with self._session.post(self.grant.token_url, data=form, headers=headers) as response:
                body: Any = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise CredentialsUnavailable(
                f"the token endpoint did not answer usably ({type(exc).__name__})"
            ) from None
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error", "unknown_error") if isinstance(body, dict) else "unknown_error"
            raise CredentialsUnavailable(
                f"the token endpoint refused the {form['grant_type']} grant: {error}"
            )
        refresh_in = float(body.get("refresh_expires_in") or 0)
        return _Token(
            access=str(body["access_token"]),
            expires_at=asked + float(body.get("expires_in", 60)),
            refresh=body.get("refresh_token"),
            refresh_expires_at=asked + refresh_in if refresh_in else asked,
        )
