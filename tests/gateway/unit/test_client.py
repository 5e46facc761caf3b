"""The upstream client against a tiny real aiohttp server on 127.0.0.1: the URL the upstream
receives is base_url + path_qs byte for byte, and transport failures come out typed
(`UpstreamUnavailable`, `UpstreamTimeout`) while a failing request body keeps its own exception."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from multidict import CIMultiDict

from gateway.config import Timeouts, UpstreamConfig
from gateway.credentials.upstream import NoCredentials
from gateway.upstream.client import UpstreamClient
from gateway.upstream.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable


@dataclass
class Recorder:
    """What the tiny upstream saw: raw request targets, headers and bodies."""

    targets: list[str] = field(default_factory=list)
    headers: list[CIMultiDict[str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    delay: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.targets.append(request.raw_path)
        self.headers.append(CIMultiDict(request.headers))
        self.bodies.append(await request.read())
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(body=b'{"ok": true}', content_type="application/json")


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield recorder, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _client(base_url: str, timeouts: Timeouts | None = None) -> UpstreamClient:
    config = UpstreamConfig("up", base_url, ("/",), timeouts or Timeouts(connect=2, read=2, total=5))
    client = UpstreamClient(config, NoCredentials())
    await client.start()
    return client


async def _send(
    client: UpstreamClient, path_qs: str, body: object = None, **headers: str
) -> tuple[int, bytes]:
    async with asyncio.timeout(10), await client.send("POST", path_qs, headers, body) as response:  # type: ignore[arg-type]
        return response.status, await response.read()


@pytest.mark.parametrize(
    "path_qs",
    [
        "/v1/api/workspaces/list",
        "/v1/api/x?b=2&a=1&a=3",  # order and repeats kept
        "/v1/api/x?q=a%2Fb&r=%2f&s=%7E&t=~",  # escapes kept as sent, case and all
        "/v1/api/x?plus=a+b&space=a%20b&empty=&flag",
        "/v1/api/x?semi=1;2&eq=a=b&comma=1,2",
        "/v1/api/a%2Fb/c?x=%25",  # an encoded slash in the path stays one segment
        "/v1/api/x?bad=%zz&pct=%",  # malformed escapes are the upstream's to judge, not requoted
    ],
)
async def test_the_upstream_receives_base_url_plus_path_qs_byte_for_byte(
    upstream: tuple[Recorder, str], path_qs: str
) -> None:
    recorder, url = upstream
    client = await _client(url)
    try:
        status, body = await _send(client, path_qs)
    finally:
        await client.close()
    assert (status, body) == (200, b'{"ok": true}')
    assert recorder.targets == [path_qs]


async def test_a_base_url_with_a_path_prefix_is_prepended(upstream: tuple[Recorder, str]) -> None:
    recorder, url = upstream
    client = await _client(url + "/mlops")
    try:
        await _send(client, "/v1/api/x?a=%2F")
    finally:
        await client.close()
    assert recorder.targets == ["/mlops/v1/api/x?a=%2F"]


async def test_headers_and_bodies_go_through_unchanged(upstream: tuple[Recorder, str]) -> None:
    recorder, url = upstream
    client = await _client(url)

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            yield part

    headers = CIMultiDict([("X-Tag", "a"), ("X-Tag", "b"), ("Content-Type", "text/plain")])
    try:
        async with asyncio.timeout(10), await client.send("PUT", "/s", headers, chunks()) as response:
            assert response.status == 200
        await _send(client, "/b", b"raw-bytes")
    finally:
        await client.close()
    assert recorder.headers[0].getall("X-Tag") == ["a", "b"]
    assert "User-Agent" not in recorder.headers[0]  # nothing invented on the client's behalf
    assert recorder.bodies == [b"one,two,three", b"raw-bytes"]


async def test_no_header_is_invented_for_a_request_that_lacks_it(upstream: tuple[Recorder, str]) -> None:
    recorder, url = upstream
    client = await _client(url)
    try:
        await _send(client, "/no-type", b"{}")  # a body without a Content-Type
        await _send(client, "/typed", b"{}", **{"Content-Type": "application/json", "Accept": "text/csv"})
    finally:
        await client.close()
    untyped, typed = recorder.headers
    for invented in ("Content-Type", "User-Agent", "Accept-Encoding"):
        assert invented not in untyped, (invented, untyped)
    assert untyped["Accept"] == "*/*"  # aiohttp's default, as before
    assert typed["Content-Type"] == "application/json" and typed.getall("Accept") == ["text/csv"]


async def test_a_refused_port_raises_upstream_unavailable() -> None:
    client = await _client(f"http://127.0.0.1:{_closed_port()}")
    try:
        with pytest.raises(UpstreamUnavailable) as error:
            await _send(client, "/v1/api/x")
    finally:
        await client.close()
    assert error.value.upstream == "up"
    assert not isinstance(error.value, UpstreamTimeout)


async def test_an_upstream_that_never_answers_raises_upstream_timeout(upstream: tuple[Recorder, str]) -> None:
    recorder, url = upstream
    recorder.delay = 30
    client = await _client(url, Timeouts(connect=2, read=0.3, total=20))
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        with pytest.raises(UpstreamTimeout) as error:
            await _send(client, "/slow")
    finally:
        await client.close()
    assert loop.time() - started < 5  # the read timeout, not the total or the handler's delay
    assert error.value.upstream == "up" and "timeouts" in str(error.value)


class BodyBroke(Exception):
    """What the caller's body iterator raises (e.g. the client sent too much)."""


@pytest.mark.parametrize("after_chunks", [0, 1, 3])
async def test_a_failing_body_iterator_raises_its_own_exception(
    upstream: tuple[Recorder, str], after_chunks: int
) -> None:
    _, url = upstream
    client = await _client(url)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(after_chunks):
            yield b"x" * 1000
        raise BodyBroke("over the limit")

    try:
        with pytest.raises(BodyBroke, match="over the limit") as error:
            await _send(client, "/upload", body())
    finally:
        await client.close()
    assert not isinstance(error.value, UpstreamError)


async def test_a_body_iterator_timing_out_is_not_an_upstream_timeout(upstream: tuple[Recorder, str]) -> None:
    _, url = upstream
    client = await _client(url)

    async def body() -> AsyncIterator[bytes]:
        yield b"start"
        raise TimeoutError("the client stalled")

    try:
        with pytest.raises(TimeoutError, match="the client stalled") as error:
            await _send(client, "/upload", body())
    finally:
        await client.close()
    assert not isinstance(error.value, UpstreamError)


async def test_reachable_says_whether_a_connection_opens(upstream: tuple[Recorder, str]) -> None:
    _, url = upstream
    up, down = await _client(url), await _client(f"http://127.0.0.1:{_closed_port()}")
    try:
        assert await up.reachable() is True
        assert await down.reachable() is False
    finally:
        await up.close()
        await down.close()
