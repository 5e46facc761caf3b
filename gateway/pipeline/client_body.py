"""Reading the client's request body with a size limit and an idle timeout: in one timed read
when its length is known and it is JSON, or chunk by chunk as a stream for uploads.

A client that sends more than allowed gets 413, one that pauses longer than
`client_idle_timeout` gets 408, and a body shorter than its Content-Length is malformed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.pipeline.exchange import Exchange
from gateway.problems import ProblemError, ProblemKind


async def client_chunks(request: web.Request, idle_timeout: float) -> AsyncIterator[bytes]:
    """The request body's chunks; a client that sends nothing for `idle_timeout` seconds gets 408."""
    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                chunk = await request.content.readany()
        except TimeoutError:
            raise ProblemError(
                ProblemKind.REQUEST_TIMEOUT,
                f"the request body stalled for more than {idle_timeout:g} seconds",
            ) from None
        if not chunk:
            return
        yield chunk


async def read_body(request: web.Request, limit: int, idle_timeout: float) -> bytes:
    """The whole body, at most `limit` bytes."""
    length = request.content_length
    if length is not None and length > limit:
        raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
    if length is not None:  # the common case: one read, one timer
        try:
            async with asyncio.timeout(idle_timeout):
                return await request.content.readexactly(length)
        except TimeoutError:
            raise ProblemError(
                ProblemKind.REQUEST_TIMEOUT,
                f"the request body did not arrive within {idle_timeout:g} seconds",
            ) from None
        except asyncio.IncompleteReadError as exc:
            raise ProblemError(
                ProblemKind.MALFORMED_JSON, "the request body is shorter than its Content-Length"
            ) from exc
    chunks, size = [], 0
    async for chunk in client_chunks(request, idle_timeout):
        size += len(chunk)
        if size > limit:
            raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def stream_body(
    prefix: bytes, request: web.Request, limit: int, idle_timeout: float, exchange: Exchange
) -> AsyncIterator[bytes]:
    """`prefix` (bytes already read), then the rest of the body as it arrives; 413 past `limit`."""
    exchange.request_bytes = len(prefix)
    if prefix:
        yield prefix
    async for chunk in client_chunks(request, idle_timeout):
        exchange.request_bytes += len(chunk)
        if exchange.request_bytes > limit:
            raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"the body is limited to {limit} bytes")
        yield chunk
