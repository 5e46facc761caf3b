"""Misbehaving peers on raw asyncio sockets, for the reliability tests.

`ScriptedUpstream` reads each request like `RecordingUpstream` (tests/support/raw_http.py) and
then runs a script that answers however badly it likes (garbage, half a body, a reset, a stall).
`RawClient` is a client that sends exactly the bytes it is given, when it is told, and reads one
answer (or notices the connection closing) within a bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson

from tests.support.raw_http import RawRequest, RecordingUpstream, _read_request

Script = Callable[[RawRequest, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def reset(writer: asyncio.StreamWriter) -> None:
    """Close the socket with a TCP RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def json_head(length: int, status: int = 200) -> bytes:
    return (
        f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


class ScriptedUpstream(RecordingUpstream):
    """`RecordingUpstream` that answers each request by running `script`."""

    def __init__(self, script: Script) -> None:
        super().__init__()
        self.script = script
        self.connections = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            async with asyncio.timeout(10):
                request = await _read_request(reader)
                if request is not None:
                    self.seen.append(request)
                    await self.script(request, reader, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()


@dataclass(slots=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers.get("content-type") == "application/problem+json", self.headers
        parsed = orjson.loads(self.body)
        assert isinstance(parsed, dict)
        return parsed


@dataclass
class RawClient:
    """One connection to `port` on 127.0.0.1."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> bool:
        """Whether the bytes could be written (False once the gateway has closed the connection)."""
        try:
            self.writer.write(data)
            await self.writer.drain()
        except ConnectionError:
            return False
        return not self.writer.is_closing()

    async def response(self, within: float = 3) -> RawResponse | None:
        """The next answer, or None when the connection closes first."""
        async with asyncio.timeout(within):
            try:
                line = await self.reader.readline()
                if not line:
                    return None
                status = int(line.split()[1])
                headers: dict[str, str] = {}
                while (raw := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if "content-length" in headers:
                    body = await self.reader.readexactly(int(headers["content-length"]))
                else:
                    body = await self.reader.read()
            except ConnectionError:
                return None
        return RawResponse(status, headers, body)

    async def closed(self, within: float = 3) -> bool:
        """Whether the gateway closes the connection (EOF or reset) within `within` seconds."""
        try:
            async with asyncio.timeout(within):
                while await self.reader.read(65536):
                    pass
        except ConnectionError:
            return True
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
