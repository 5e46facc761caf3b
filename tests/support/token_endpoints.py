"""Token endpoints that misbehave on purpose, on raw asyncio sockets, for the token-manager tests.

`ScriptedTokenEndpoint` reads each token request, records its grant type and when it came, and
answers what its `script` says: a status and a JSON body, or `HANG` (accept, read, never
answer). It can be stopped (connection refused) and started again on the same port. `token_body`
is a Keycloak-shaped success answer with made-up tokens; `Upstream401Once` is an upstream that
refuses the first token it is shown and accepts every other one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from tests.support.raw_http import RawRequest, RecordingUpstream, _read_request

HANG = None
Answer = tuple[int, Any] | None  # (status, JSON body) or HANG
Script = Callable[[int, dict[str, str]], Answer]  # (request number from 1, form) -> answer
_serial = itertools.count(1)


def _answer(status: int, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def token_body(expires_in: Any = 3600, refresh: bool = True) -> dict[str, Any]:
    n = next(_serial)
    body: dict[str, Any] = {"access_token": f"access-{n}", "expires_in": expires_in, "token_type": "Bearer"}
    if refresh:
        body |= {"refresh_token": f"refresh-{n}", "refresh_expires_in": 1800}
    return body


def always(status: int, body: Any) -> Script:
    return lambda n, form: (status, body)


@dataclass
class ScriptedTokenEndpoint:
    script: Script
    delay: float = 0.0  # seconds to hold every answer back
    requests: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, grant type)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/auth/realms/master/protocol/openid-connect/token"

    def grants(self, grant_type: str | None = None) -> int:
        return sum(1 for _, g in self.requests if grant_type is None or g == grant_type)

    async def start(self) -> ScriptedTokenEndpoint:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening (new connections are refused) and drop the open ones."""
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while (request := await _read_request(reader)) is not None:
                form = dict(parse_qsl(request.body.decode()))
                self.requests.append((time.monotonic(), form.get("grant_type", "")))
                answer = self.script(len(self.requests), form)
                if self.delay:
                    await asyncio.sleep(self.delay)
                if answer is HANG:
                    await asyncio.Event().wait()
                    return
                status, body = answer
                writer.write(_answer(status, orjson.dumps(body)))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await writer.wait_closed()


@dataclass
class Upstream401Once(RecordingUpstream):
    """Answers 401 to every request carrying the first bearer token it saw, 200 otherwise."""

    refused: str | None = None

    def answer_for(self, request: RawRequest) -> int:
        token = request.header("Authorization")
        if self.refused is None:
            self.refused = token
        return 401 if token == self.refused else 200

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                self.seen.append(request)
                status = self.answer_for(request)
                body = self.reply_body if status == 200 else b'{"msg": "token revoked", "code": 401}'
                writer.write(_answer(status, body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await writer.wait_closed()
