"""Reading the client's request body with a size limit and an idle timeout: whole for JSON, or
chunk by chunk as a stream for uploads.

A client that sends more than allowed gets 413, and one that sends nothing for
`client_idle_timeout` seconds gets 408. The timeout is idle, not total: it restarts with every
chunk, so a slow but steady client of a big body is never cut off (every read of the body,
the multipart form fields included, goes through `next_chunk`). A body shorter than its
Content-Length is malformed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import StreamReader, web

from gateway.pipeline.exchange import Exchange
from gateway.problems import ProblemError, ProblemKind


async def next_chunk(stream: StreamReader, idle_timeout: float) -> bytes:
    """The next chunk of the body (b"" at its end); 408 when nothing came for `idle_timeout` seconds."""
    if stream.is_eof():  # all of it has arrived (a small body comes with its head): nothing to wait for
        return await stream.readany()
    try:
        async with asyncio.timeout(idle_timeout):
            return await stream.readany()
    except TimeoutError:
        raise ProblemError(
            ProblemKind.REQUEST_TIMEOUT, f"the request body stalled for more than {idle_timeout:g} seconds"
        ) from None


async def client_chunks(request: web.BaseRequest, idle_timeout: float) -> AsyncIterator[bytes]:
    """The request body's chunks, each within `idle_timeout` of the one before."""
    while chunk := await next_chunk(request.content, idle_timeout):
        yield chunk


async def read_body(request: web.BaseRequest, limit: int, idle_timeout: float) -> bytes:
    """The whole body, at most `limit` bytes."""
    length = request.content_length
    if length is not None and length > limit:
        raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
    chunks, size = [], 0
    while size != length and (chunk := await next_chunk(request.content, idle_timeout)):
        size += len(chunk)
        if size > limit:
            raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
        chunks.append(chunk)
    if length is not None and size < length:
        raise ProblemError(ProblemKind.MALFORMED_JSON, "the request body is shorter than its Content-Length")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def stream_body(
    prefix: bytes, request: web.BaseRequest, limit: int, idle_timeout: float, exchange: Exchange
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
