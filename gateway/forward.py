"""The upstream hop: one shared ClientSession per upstream, header hygiene, timeouts, and the
translation of connection failures into problem+json (502 refused/reset, 504 timeout)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gateway.config import UpstreamConfig
from gateway.credentials.inbound import GATEWAY_KEY_HEADER
from gateway.credentials.upstream import UpstreamCredentials
from gateway.problems import UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, ProblemError

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# never forwarded upstream: recomputed, replaced, or the client's own gateway credentials
_REQUEST_DROP = HOP_BY_HOP | {
    "host",
    "content-length",
    "authorization",
    GATEWAY_KEY_HEADER.lower(),
    "accept-encoding",
    "expect",
}
_RESPONSE_DROP = HOP_BY_HOP | {"content-length", "server", "date"}


def _connection_listed(headers: Mapping[str, str]) -> set[str]:
    return {h.strip().lower() for h in headers.get("Connection", "").split(",") if h.strip()}


def upstream_request_headers(
    request: web.Request, request_id: str, authorization: str | None
) -> CIMultiDict[str]:
    """The client's headers minus hop-by-hop ones and its credentials, plus X-Forwarded-*."""
    drop = _REQUEST_DROP | _connection_listed(request.headers)
    headers: CIMultiDict[str] = CIMultiDict(
        (k, v) for k, v in request.headers.items() if k.lower() not in drop
    )
    peer = request.remote or ""
    prior = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers["X-Forwarded-Proto"] = request.headers.get("X-Forwarded-Proto", request.scheme)
    headers["X-Forwarded-Host"] = request.headers.get("X-Forwarded-Host", request.host)
    headers["X-Request-ID"] = request_id
    if authorization:
        headers["Authorization"] = authorization
    return headers


def client_response_headers(upstream: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    """The upstream's response headers minus hop-by-hop ones and those aiohttp recomputes."""
    drop = _RESPONSE_DROP | _connection_listed(upstream)
    return CIMultiDict((k, v) for k, v in upstream.items() if k.lower() not in drop)


def _problem_behind(exc: BaseException) -> ProblemError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ProblemError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class UpstreamClient:
    """One upstream: its base URL, connection pool, timeouts and credentials."""

    def __init__(self, config: UpstreamConfig, credentials: UpstreamCredentials) -> None:
        self.config = config
        self.name = config.name
        self.credentials = credentials
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self.config.max_connections,
            ssl=None if self.config.verify_tls else False,
            keepalive_timeout=30,
        )
        timeouts = self.config.timeouts
        self._session = aiohttp.ClientSession(
            base_url=None,
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=timeouts.total, sock_connect=timeouts.connect, sock_read=timeouts.read
            ),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
        )

    async def close(self) -> None:
        await self.credentials.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    @asynccontextmanager
    async def exchange(
        self, method: str, path_qs: str, headers: Mapping[str, str], data: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one request upstream; connection failures and timeouts become ProblemErrors."""
        assert self._session is not None, "UpstreamClient.start() was not awaited"
        url = self.config.base_url + path_qs
        try:
            async with self._session.request(
                method, url, headers=headers, data=data, allow_redirects=False
            ) as response:
                yield response
        except ProblemError:
            raise
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise ProblemError(
                UPSTREAM_TIMEOUT,
                f"upstream {self.name!r} did not answer within the configured timeouts",
                upstream=self.name,
            ) from exc
        except aiohttp.ClientError as exc:
            cause = _problem_behind(exc)
            if cause is not None:  # our own body stream stopped the upload (e.g. over the limit)
                raise cause from None
            raise ProblemError(
                UPSTREAM_UNAVAILABLE,
                f"upstream {self.name!r} refused or reset the connection ({type(exc).__name__})",
                upstream=self.name,
            ) from exc

    async def reachable(self) -> bool:
        """Whether a TCP connection to the upstream opens within its connect timeout (/readyz)."""
        url = URL(self.config.base_url)
        try:
            async with asyncio.timeout(self.config.timeouts.connect):
                _, writer = await asyncio.open_connection(url.host, url.port)
        except (TimeoutError, OSError):
            return False
        writer.close()
        return True
