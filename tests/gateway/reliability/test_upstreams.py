"""Misbehaving upstreams on raw sockets: refusing, resetting mid-body, stalling after the head,
trickling, answering garbage, half a Content-Length, a huge body. Each case checks the exact
problem the client gets, a bound on time, and that the gateway keeps serving other clients (whose
operations go to a healthy upstream) while it runs and after."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.gateway.reliability.conftest import TIMEOUTS, meanwhile, reliability_config
from tests.support.gateway import JSON_AUTH, running_gateway
from tests.support.misbehaving import Script, ScriptedUpstream, json_head, reset
from tests.support.raw_http import RawRequest, RecordingUpstream

PROBLEMS = "https://mlops-gateway.dev/problems/"
BODY = b'{"workspaces": []}'
HUGE = 24 * 2**20  # over validation.max_response_bytes (4 MiB): streamed through


async def _reset_mid_body(
    request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(json_head(1000) + b'{"workspaces": [')
    await writer.drain()
    await asyncio.sleep(0.05)
    reset(writer)


async def _stall_after_head(
    request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(json_head(len(BODY)))
    await writer.drain()
    await asyncio.sleep(5)


async def _silent(request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(5)


async def _trickle(request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A byte every 0.2 s: each gap within the read timeout (0.5 s), the whole past `total` (2 s)."""
    body = b'{"workspaces": []' + b" " * 40 + b"}"
    writer.write(json_head(len(body)))
    for byte in body:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.2)


async def _slow_but_in_time(
    request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(json_head(len(BODY)))
    for i in range(0, len(BODY), 3):
        writer.write(BODY[i : i + 3])
        await writer.drain()
        await asyncio.sleep(0.1)


async def _garbage(request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n")
    await writer.drain()


async def _half_content_length(
    request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(json_head(200) + b'{"workspaces": [' + b" " * 84)
    await writer.drain()  # then a clean close (FIN): 100 of 200 bytes


async def _huge(request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(json_head(HUGE) + b'{"workspaces": [')
    filler = b" " * 2**20
    sent = len(b'{"workspaces": [')
    while sent < HUGE - 2:
        piece = filler[: HUGE - 2 - sent]
        writer.write(piece)
        sent += len(piece)
        await writer.drain()
    writer.write(b"]}")
    await writer.drain()


# case: (script, expected status, problem type or None for a success, time bound in seconds)
CASES: dict[str, tuple[Script | None, int, str | None, float]] = {
    "refuses connections": (None, 502, "upstream-unavailable", 1.5),
    "resets mid-body": (_reset_mid_body, 502, "upstream-unavailable", 1.5),
    "stalls after the head": (_stall_after_head, 504, "upstream-timeout", TIMEOUTS.read + 1.5),
    "accepts and never answers": (_silent, 504, "upstream-timeout", TIMEOUTS.read + 1.5),
    "trickles past the total timeout": (_trickle, 504, "upstream-timeout", TIMEOUTS.total + 1.5),
    "slow but within the timeouts": (_slow_but_in_time, 200, None, 2.5),
    "answers garbage": (_garbage, 502, "upstream-unavailable", 1.5),
    "sends half its Content-Length": (_half_content_length, 502, "upstream-unavailable", 1.5),
    "sends a huge body": (_huge, 200, None, 8),
}


def _refused_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on (bound, then released)
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(params=CASES, ids=list(CASES))
async def case(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, ScriptedUpstream | None]]:
    script = CASES[request.param][0]
    if script is None:
        yield _refused_url(), None
        return
    upstream = await ScriptedUpstream(script).start()
    yield upstream.url, upstream
    await upstream.close()


async def test_a_misbehaving_upstream_gets_the_client_an_exact_answer_in_bounded_time(
    request: pytest.FixtureRequest, case: tuple[str, ScriptedUpstream | None], healthy: RecordingUpstream
) -> None:
    _, status, problem, bound = CASES[request.node.callspec.params["case"]]
    url, upstream = case
    async with running_gateway(reliability_config(url, healthy.url)) as gw:

        async def call() -> tuple[int, str | None, int]:
            async with (
                aiohttp.ClientSession() as session,
                session.post(gw.url + "/v1/api/workspaces/list", data=b"{}", headers=JSON_AUTH) as r,
            ):
                if r.status == 200:
                    return r.status, None, len(await r.read())
                body = await r.json(content_type=None)
                assert r.content_type == "application/problem+json" and body["upstream"] == "wallaroo"
                assert r.headers["X-Request-ID"] == body["request_id"]
                return r.status, body["type"].removeprefix(PROBLEMS), 0

        started = time.monotonic()
        answer, kind, size = await meanwhile(call(), gw.url, healthy)
        assert (answer, kind) == (status, problem)
        assert time.monotonic() - started < bound
        if request.node.callspec.params["case"] == "sends a huge body":
            assert size == HUGE
    if upstream is not None:
        assert len(upstream.seen) == 1 and upstream.seen[0].body == b"{}"  # sent once, never retried


async def _huge_then_reset(
    request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(json_head(HUGE) + b'{"workspaces": [' + b" " * (HUGE // 2))
    await writer.drain()
    reset(writer)


async def test_an_upstream_reset_in_a_streamed_body_cuts_the_client_off_promptly(
    healthy: RecordingUpstream,
) -> None:
    """Once a streamed answer's head is sent, the gateway can only cut the connection, at once."""
    upstream = await ScriptedUpstream(_huge_then_reset).start()
    try:
        async with running_gateway(reliability_config(upstream.url, healthy.url)) as gw:

            async def call() -> tuple[int, type[Exception] | None]:
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(gw.url + "/v1/api/workspaces/list", data=b"{}", headers=JSON_AUTH) as r,
                ):
                    try:
                        async with asyncio.timeout(3):
                            await r.read()
                    except (aiohttp.ClientPayloadError, TimeoutError) as exc:
                        return r.status, type(exc)
                    return r.status, None

            started = time.monotonic()
            assert await meanwhile(call(), gw.url, healthy) == (200, aiohttp.ClientPayloadError)
            assert time.monotonic() - started < 2
    finally:
        await upstream.close()
