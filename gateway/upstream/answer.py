"""The upstream's answer as the pipeline reads it: status and headers, and a body whose every read
turns transport failures into `UpstreamError`s.

Only reading from the upstream is mapped here. What the caller does between reads (writing to a
slow or vanished client) fails with the caller's own errors, so the upstream is never blamed for a
client. A body read whole (to be validated) must arrive within the upstream's `total` timeout;
a streamed body only has the gap between reads (`read`) bounded, since its pace is the client's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable
from typing import TypeVar

import aiohttp
from multidict import CIMultiDictProxy

from gateway.upstream.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

T = TypeVar("T")


def transport_error(upstream: str, exc: BaseException) -> UpstreamError:
    """The typed error for an aiohttp/socket failure talking to `upstream`."""
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return UpstreamTimeout(
            upstream, f"upstream {upstream!r} did not answer within the configured timeouts"
        )
    return UpstreamUnavailable(
        upstream, f"upstream {upstream!r} refused or reset the connection ({type(exc).__name__})"
    )


class UpstreamAnswer:
    """One upstream response: `status`, `headers`, `content_length`, and mapped body reads;
    `release` (or leaving `async with`) ends it."""

    def __init__(self, response: aiohttp.ClientResponse, upstream: str, deadline: float) -> None:
        self._response = response
        self._upstream = upstream
        self._deadline = deadline  # loop time by which a body read whole must have arrived
        self.status: int = response.status
        self.headers: CIMultiDictProxy[str] = response.headers
        self.content_length: int | None = response.content_length

    def release(self) -> None:
        """Give the connection back to the pool (or close it, when the body was not read whole)."""
        self._response.release()

    async def __aenter__(self) -> UpstreamAnswer:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.release()

    def at_eof(self) -> bool:
        return self._response.content.at_eof()

    async def read(self) -> bytes:
        """The whole body (callers use it for bodies of a known, bounded size)."""
        return await self._whole(self._response.read())

    async def read_up_to(self, limit: int) -> tuple[bytes, bool]:
        """The body up to about `limit` bytes, and whether that was all of it."""
        return await self._whole(self._read_up_to(limit))

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The rest of the body as it arrives, each read bounded by the `read` timeout only."""
        content = self._response.content
        while True:
            try:
                chunk = await content.readany()
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise transport_error(self._upstream, exc) from exc
            if not chunk:
                return
            yield chunk

    async def _read_up_to(self, limit: int) -> tuple[bytes, bool]:
        if self.content_length is not None and self.content_length <= limit:
            return await self._response.read(), True  # sized and small enough: one read
        chunks, size = [], 0
        async for chunk in self._response.content.iter_any():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks), self.at_eof()
        return b"".join(chunks), True

    async def _whole(self, read: Awaitable[T]) -> T:
        if self._response.content.is_eof():  # all of it has arrived: the read cannot wait or fail
            return await read
        try:
            async with asyncio.timeout_at(self._deadline):
                return await read
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise transport_error(self._upstream, exc) from exc
