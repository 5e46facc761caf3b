"""A canned upstream: answers fixed replies per path, as fast as aiohttp can, with fault modes.

The stateful sandbox is the faithful stand-in; this one is for what the sandbox should not do:
be a near-zero-cost upstream for benchmarks (so the gateway is what gets measured), and misbehave
on purpose for the gateway's fault tests (slow answers, reset connections, broken bodies).
Request bodies are consumed as a stream and only counted and hashed, so uploads of any size pass.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web
from multidict import CIMultiDict


@dataclass(slots=True)
class CannedReply:
    """What the canned upstream answers on one path."""

    body: bytes = b"{}"
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering
    reset: bool = False  # close the connection instead of answering
    chunk_size: int | None = None  # stream the body in chunks of this size (no Content-Length)
    upload_reply: bool = False  # answer the models upload shape with the received byte count


@dataclass(slots=True)
class SeenRequest:
    method: str
    path_qs: str
    headers: CIMultiDict[str]
    body_bytes: int
    body_sha256: str
    cancelled: bool = False


@dataclass
class CannedUpstream:
    replies: dict[str, CannedReply] = field(default_factory=dict)
    default: CannedReply = field(default_factory=CannedReply)
    seen: deque[SeenRequest] = field(default_factory=lambda: deque(maxlen=1000))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.content.iter_any():
            digest.update(chunk)
            size += len(chunk)
        seen = SeenRequest(
            request.method, request.path_qs, CIMultiDict(request.headers), size, digest.hexdigest()
        )
        self.seen.append(seen)
        reply = self.replies.get(request.path, self.default)
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        except asyncio.CancelledError:
            seen.cancelled = True
            raise
        if reply.reset:
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        body = reply.body
        if reply.upload_reply:
            body = b'{"insert_models": {"returning": [{"models": [{"id": %d}]}]}}' % size
        if reply.chunk_size is None:
            return web.Response(body=body, status=reply.status, headers={"Content-Type": reply.content_type})
        response = web.StreamResponse(status=reply.status, headers={"Content-Type": reply.content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), reply.chunk_size):
            await response.write(body[start : start + reply.chunk_size])
        await response.write_eof()
        return response

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**4)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app


@dataclass(slots=True)
class RunningCanned:
    upstream: CannedUpstream
    runner: web.AppRunner
    url: str

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_canned(upstream: CannedUpstream, host: str = "127.0.0.1", port: int = 0) -> RunningCanned:
    runner = web.AppRunner(upstream.app(), handler_cancellation=True, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return RunningCanned(upstream, runner, f"http://{host}:{runner.addresses[0][1]}")
