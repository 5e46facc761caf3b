"""A raw HTTP/1.1 upstream on an asyncio socket, for tests that must see the exact bytes the gateway
sends (aiohttp's own server normalises paths and headers before a handler sees them).

`RecordingUpstream` reads each request (request line, headers, a Content-Length or chunked body),
records the raw target and headers, and answers a fixed JSON reply.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass(slots=True)
class RawRequest:
    method: str
    target: str  # the request-target exactly as sent: path and query, percent-encoding untouched
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class RecordingUpstream:
    reply_body: bytes = b'{"workspaces": []}'
    reply_status: int = 200
    reply_delay: float = 0.0  # seconds to hold each answer back
    reply_headers: tuple[tuple[str, str], ...] = ()  # sent with each answer, after Content-Length
    seen: list[RawRequest] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> RecordingUpstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                async with asyncio.timeout(30):
                    request = await _read_request(reader)
                if request is None:
                    return
                self.seen.append(request)
                if self.reply_delay:
                    await asyncio.sleep(self.reply_delay)
                extra = "".join(f"{name}: {value}\r\n" for name, value in self.reply_headers)
                head = (
                    f"HTTP/1.1 {self.reply_status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(self.reply_body)}\r\n{extra}\r\n"
                )
                writer.write(head.encode() + self.reply_body)
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> RawRequest | None:
    line = await reader.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while (raw := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    request = RawRequest(method, target, headers, b"")
    if (length := request.header("Content-Length")) is not None:
        request.body = await reader.readexactly(int(length))
    elif (request.header("Transfer-Encoding") or "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        request.body = b"".join(chunks)
    return request
