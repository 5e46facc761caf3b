"""One exchange with a Keycloak-style token endpoint: the grant form, the HTTP call, and a strict
reading of the answer.

`TokenEndpoint.login()` uses the password grant (a confidential client authenticated with HTTP
Basic, as the Wallaroo documents do it) or the client-credentials grant; `refresh()` the
refresh-token grant. Each exchange is bounded by `timeout` seconds. The answer is read strictly
(`parse_grant`): a 200 without a string `access_token` and a positive numeric `expires_in`
(`"soon"`, `-5`, `true`) is unusable, like a 5xx or a timeout, and never raises anything but
`TokenEndpointError`. A 4xx with an OAuth error that means "these credentials are wrong" is a
refusal (`refused=True`). Tokens and secrets never appear in errors.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

# OAuth errors (RFC 6749 5.2) that mean the configured credentials or grant are wrong: retrying
# the same request will not help until someone fixes the config or the identity provider
REFUSALS = frozenset(
    {"invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}
)
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


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


@dataclass(frozen=True, slots=True)
class Granted:
    """A usable token answer: lifetimes in seconds from when the exchange was asked."""

    access: str = field(repr=False)
    expires_in: float
    refresh: str | None = field(default=None, repr=False)
    refresh_expires_in: float = 0.0  # 0: no refresh token, or one without a stated lifetime


class TokenEndpointError(Exception):
    """An exchange that gave no token. `refused`: the endpoint refused the credentials;
    `error`: the OAuth error code, or a word for what went wrong (`timeout`, `unusable`...)."""

    def __init__(self, message: str, *, error: str, refused: bool = False) -> None:
        super().__init__(message)
        self.error = error
        self.refused = refused


def _seconds(value: Any) -> float | None:
    """A lifetime in seconds as the endpoint may write it (a number, or digits in a string)."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def parse_grant(status: int, raw: bytes, grant_type: str) -> Granted:
    """The token in a token-endpoint answer; `TokenEndpointError` when there is none."""
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if status != 200:
        code = body.get("error") if isinstance(body, dict) else None
        code = code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else None
        if 400 <= status < 500 and code in REFUSALS:
            raise TokenEndpointError(
                f"the token endpoint refused the {grant_type} grant: {code} ({status})",
                error=code,
                refused=True,
            )
        raise TokenEndpointError(
            f"the token endpoint answered the {grant_type} grant with {status} "
            f"{code or 'and no OAuth error'}",
            error=code or f"http_{status}",
        )
    if not isinstance(body, dict):
        raise TokenEndpointError("the token endpoint answered 200 without a JSON object", error="unusable")
    access, expires_in = body.get("access_token"), _seconds(body.get("expires_in"))
    if not isinstance(access, str) or not access:
        raise TokenEndpointError("the token endpoint answered 200 without an access_token", error="unusable")
    if expires_in is None or expires_in <= 0:
        raise TokenEndpointError(
            "the token endpoint answered 200 without a usable expires_in (a positive number of seconds)",
            error="unusable",
        )
    refresh = body.get("refresh_token")
    refresh_in = _seconds(body.get("refresh_expires_in", 0)) or 0.0
    return Granted(
        access,
        expires_in,
        refresh if isinstance(refresh, str) and refresh else None,
        max(0.0, refresh_in),
    )


class TokenEndpoint:
    """Exchanges with one token endpoint for one client, over one HTTP session of its own."""

    def __init__(
        self, grant: TokenGrant, *, timeout: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.grant = grant
        self.timeout = timeout
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self.last_duration = 0.0  # seconds the last exchange took, for the latency histogram

    async def login(self) -> Granted:
        form = {"grant_type": self.grant.grant_type}
        if self.grant.username is not None:
            form.update(username=self.grant.username, password=self.grant.password or "")
        return await self.exchange(form)

    async def refresh(self, refresh_token: str) -> Granted:
        return await self.exchange({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def exchange(self, form: dict[str, str]) -> Granted:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),  # each exchange stands alone: no login session kept
            )
        headers = {"Accept": "application/json"}
        if self.grant.client_secret is not None:
            basic = f"{self.grant.client_id}:{self.grant.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(basic).decode()
        else:
            form = {**form, "client_id": self.grant.client_id}
        grant_type = form["grant_type"]
        started = self._clock()
        try:
            async with asyncio.timeout(self.timeout):
                async with self._session.post(self.grant.token_url, data=form, headers=headers) as response:
                    status, raw = response.status, await response.read()
        except TimeoutError:
            raise TokenEndpointError(
                f"the token endpoint did not answer the {grant_type} grant within {self.timeout:g} s",
                error="timeout",
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TokenEndpointError(
                f"the token endpoint could not be reached for the {grant_type} grant ({type(exc).__name__})",
                error="unreachable",
            ) from None
        finally:
            self.last_duration = self._clock() - started
        return parse_grant(status, raw, grant_type)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
