"""The upstream HTTP client: one pooled aiohttp `ClientSession` per upstream, its timeouts, and
transport failures raised as `UpstreamError`s.

`send` sends the request and reads the answer's status and headers within the `total` timeout
(connect within `connect`); the body is read through the `UpstreamAnswer` it answers, which the
caller releases. Errors the caller raises while holding the answer are the caller's.

A streamed request body is an async iterator that belongs to the caller; if it fails (the client
sent too much, or stalled), that failure is the caller's and is re-raised unchanged rather than
mistaken for a broken upstream connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping

import aiohttp
from aiohttp import hdrs
from multidict import CIMultiDict
from yarl import URL

from gateway.config import UpstreamConfig
from gateway.credentials.upstream import UpstreamCredentials
from gateway.upstream.answer import UpstreamAnswer, transport_error

RequestBody = bytes | AsyncIterator[bytes] | None
# what aiohttp would add to a request that lacks it, and must not: the upstream gets the client's
# headers as checked, nothing invented on its behalf (Accept-Encoding is the gateway's own choice)
_NOT_ADDED: CIMultiDict[None] = CIMultiDict(
    (name, None) for name in ("Accept-Encoding", "User-Agent", "Content-Type")
)


class _AsGiven(aiohttp.ClientRequest):
    """aiohttp's request, with the session's `skip_auto_headers` set once: aiohttp builds that set,
    and a copy of the request's headers, for every request it sends (measured at 2% of a small
    request's cost). It adds `Accept: */*` to a request without one, as aiohttp does."""

    def update_auto_headers(self, skip_auto_headers: Iterable[str] | None) -> None:
        self._skip_auto_headers = _NOT_ADDED
        if hdrs.ACCEPT not in self.headers:
            self.headers[hdrs.ACCEPT] = "*/*"


class _BodySourceFailed(Exception):
    """Carries an exception the caller's body iterator raised through aiohttp's wrapping."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


async def _guarded(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in body:
            yield chunk
    except Exception as exc:
        raise _BodySourceFailed(exc) from exc


def _body_failure(exc: BaseException) -> BaseException | None:
    """The body iterator's own exception somewhere in `exc`'s chain, if that is what failed."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _BodySourceFailed):
            return seen.error
        seen = seen.__cause__ or seen.__context__
    return None


class UpstreamClient:
    """One upstream: its base URL, connection pool, timeouts and credentials: the upstream's own
    set, and the sets teams name for it (`teams[].credentials`). The providers belong to the app,
    which closes them: one credential set may serve several upstreams."""

    def __init__(
        self,
        config: UpstreamConfig,
        credentials: UpstreamCredentials,
        team_credentials: Mapping[str, UpstreamCredentials] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.credentials = credentials
        self.team_credentials = dict(team_credentials or {})
        self._session: aiohttp.ClientSession | None = None
        # the base URL quoted once here; the request target is appended as received (`encoded`),
        # so yarl does not requote it (it would turn `%2F` into `/` and `%zz` into `%25zz`)
        self._base_url = str(URL(config.base_url))

    def credentials_for(self, team: str) -> UpstreamCredentials:
        """The credentials a request of `team` is sent with."""
        return self.team_credentials.get(team, self.credentials)

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self.config.max_connections,
            ssl=self.config.verify_tls,  # True: verify with the default context
            keepalive_timeout=30,
        )
        timeouts = self.config.timeouts
        self._session = aiohttp.ClientSession(
            connector=connector,
            # `total` is applied per phase by exchange() and UpstreamAnswer: a streamed answer's pace
            # is the client's, so only the gaps between the upstream's reads are bounded there
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeouts.connect, sock_read=timeouts.read),
            auto_decompress=False,
            request_class=_AsGiven,
            # one session carries every team's calls: a cookie the upstream sets for one client must
            # never ride along on another's (the client gets its Set-Cookie; the session keeps none)
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, method: str, path_qs: str, headers: Mapping[str, str], body: RequestBody
    ) -> UpstreamAnswer:
        """Send one request upstream and answer its response (headers read, body not yet); the
        caller releases it (`UpstreamAnswer.release`, or `async with`).

        `path_qs` is sent as given (already canonical and encoded): not re-quoted, not normalised.
        """
        assert self._session is not None, "UpstreamClient.start() was not awaited"
        data = _guarded(body) if body is not None and not isinstance(body, bytes) else body
        deadline = asyncio.get_running_loop().time() + self.config.timeouts.total
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._session.request(
                    method,
                    URL(self._base_url + path_qs, encoded=True),
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                )
        except _BodySourceFailed as exc:
            raise exc.error from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            cause = _body_failure(exc)
            if cause is not None:  # the caller's body stream stopped the upload (e.g. over the limit)
                raise cause from None
            raise transport_error(self.name, exc) from exc
        return UpstreamAnswer(response, self.name, deadline)

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
