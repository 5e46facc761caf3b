"""Misbehaving clients on raw sockets: slowloris heads, silent connections, trickled and stalled
bodies (JSON, multipart fields, streamed uploads), disconnects and too many connections.

Each case bounds its time, checks what reached the upstream, and that another client is served
while it runs and after it (`meanwhile`)."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp

from tests.gateway.reliability.conftest import (
    HEAD,
    IDLE,
    meanwhile,
    reached,
    reliability_config,
    still_serving,
)
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.misbehaving import RawClient, ScriptedUpstream, json_head
from tests.support.raw_http import RawRequest, RecordingUpstream

AUTH_LINE = b"Authorization: Bearer " + TEAM_KEY.encode() + b"\r\n"


def head(path: str, content_type: str, length: int | None = None) -> bytes:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (
        f"POST {path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: {content_type}\r\n{framing}".encode()
        + AUTH_LINE
        + b"\r\n"
    )


LIST = b"POST /v1/api/workspaces/list HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
LIST += AUTH_LINE + b"Content-Length: 2\r\n\r\n{}"


async def test_slowloris_heads_are_closed_after_the_header_timeout(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:

        async def slowloris() -> list[bool]:
            clients = [await RawClient.connect(gw.port) for _ in range(50)]
            for client in clients:
                await client.send(b"POST /v1/api/workspaces/list HTTP/1.1\r\n")

            async def trickle(client: RawClient) -> None:
                for i in range(40):  # a header line every 0.1 s: 4 s if nobody stops it
                    if not await client.send(f"X-Trickle-{i}: a\r\n".encode()):
                        return
                    await asyncio.sleep(0.1)

            trickling = [asyncio.ensure_future(trickle(c)) for c in clients]
            closed = await asyncio.gather(*(c.closed(within=HEAD + 1.5) for c in clients))
            await asyncio.gather(*trickling)
            for client in clients:
                await client.close()
            return list(closed)

        started = time.monotonic()
        closed = await meanwhile(slowloris(), gw.url, healthy)
        assert all(closed) and time.monotonic() - started < HEAD + 2.5
        assert reached(healthy) == []


async def test_a_silent_connection_is_closed_after_the_header_timeout(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        client = await RawClient.connect(gw.port)
        started = time.monotonic()
        assert await meanwhile(client.closed(within=HEAD + 1.5), gw.url, healthy)
        assert HEAD - 0.1 < time.monotonic() - started < HEAD + 1.5
        await client.close()


async def test_keep_alive_outlives_the_header_timeout_but_a_trickled_next_head_does_not(
    healthy: RecordingUpstream,
) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        client = await RawClient.connect(gw.port)
        for _ in range(2):  # idle between requests for longer than the header timeout
            await client.send(LIST)
            response = await client.response()
            assert response is not None and response.status == 200
            await asyncio.sleep(HEAD * 2)
        assert reached(healthy) == ["/v1/api/workspaces/list"] * 2
        started = time.monotonic()
        await client.send(b"POST /v1/api/workspaces/list HTTP/1.1\r\n")
        for _ in range(3):
            await asyncio.sleep(HEAD / 2)
            await client.send(b"X-Trickle: a\r\n")
        assert await client.closed(within=HEAD + 1.5)
        assert time.monotonic() - started < HEAD + 1.5
        await client.close()
        assert len(reached(healthy)) == 2


async def test_a_slow_but_steady_json_body_is_not_cut_off(healthy: RecordingUpstream) -> None:
    """The idle timeout restarts with every chunk: a body taking 3x client_idle_timeout passes."""
    body = b'{"workspace_name": "' + b"w" * 30 + b'"}'
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:

        async def trickle() -> int | None:
            client = await RawClient.connect(gw.port)
            await client.send(head("/v1/api/workspaces/create", "application/json", len(body)))
            for i in range(0, len(body), 4):
                await client.send(body[i : i + 4])
                await asyncio.sleep(IDLE * 3 / (len(body) / 4))
            response = await client.response()
            await client.close()
            return response.status if response else None

        started = time.monotonic()
        assert await meanwhile(trickle(), gw.url, healthy) == 200
        assert IDLE * 3 <= time.monotonic() - started < IDLE * 3 + 2
        assert [r.body for r in healthy.seen if r.target == "/v1/api/workspaces/create"] == [body]


STALLS = {
    "json": (
        "/v1/api/workspaces/create",
        "application/json",
        b'{"name": "half',
        50,
    ),
    "multipart field": (
        "/v1/api/models/upload",
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nmodel-',
        500,
    ),
}


async def _stalled(gw_port: int, path: str, content_type: str, part: bytes, length: int) -> tuple[int, str]:
    client = await RawClient.connect(gw_port)
    await client.send(head(path, content_type, length) + part)
    response = await client.response(within=IDLE + 2)
    await client.close()
    assert response is not None
    return response.status, str(response.problem()["type"])


async def test_a_stalled_json_body_is_408_within_the_idle_timeout(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        started = time.monotonic()
        answer = await meanwhile(_stalled(gw.port, *STALLS["json"]), gw.url, healthy)
        assert answer == (408, "https://mlops-gateway.dev/problems/request-timeout")
        assert IDLE - 0.1 < time.monotonic() - started < IDLE + 1.5
        assert reached(healthy) == []


async def test_a_multipart_upload_stalled_in_its_form_fields_is_408(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        started = time.monotonic()
        answer = await meanwhile(_stalled(gw.port, *STALLS["multipart field"]), gw.url, healthy)
        assert answer == (408, "https://mlops-gateway.dev/problems/request-timeout")
        assert time.monotonic() - started < IDLE + 1.5
        assert reached(healthy) == []


async def test_a_streamed_upload_that_stalls_is_408_and_the_upstream_gets_no_whole_request(
    healthy: RecordingUpstream,
) -> None:
    path = "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1"
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        started = time.monotonic()
        answer = await meanwhile(
            _stalled(gw.port, path, "application/octet-stream", b"\x00" * 1000, 10_000), gw.url, healthy
        )
        assert answer == (408, "https://mlops-gateway.dev/problems/request-timeout")
        assert time.monotonic() - started < IDLE + 1.5
        assert reached(healthy) == []  # the upstream saw the head and a part, never a whole request


async def test_a_client_that_disconnects_mid_body_sends_nothing_upstream(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:

        async def disconnect(path: str, content_type: str) -> None:
            client = await RawClient.connect(gw.port)
            await client.send(head(path, content_type, 1000) + b'{"name": "')
            await asyncio.sleep(0.05)
            await client.close()

        started = time.monotonic()
        await meanwhile(disconnect("/v1/api/workspaces/create", "application/json"), gw.url, healthy)
        upload = "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1"
        await meanwhile(disconnect(upload, "application/octet-stream"), gw.url, healthy)
        assert time.monotonic() - started < 3
        assert reached(healthy) == []


async def test_connections_over_the_cap_are_answered_503_and_the_cap_frees_up(
    healthy: RecordingUpstream,
) -> None:
    config = reliability_config(healthy.url, healthy.url, max_client_connections=3, header_timeout=5)
    async with running_gateway(config) as gw:
        holders = [await RawClient.connect(gw.port) for _ in range(3)]
        await asyncio.sleep(0.05)
        extra = await RawClient.connect(gw.port)
        started = time.monotonic()
        await extra.send(LIST)
        response = await extra.response()
        assert response is not None and response.status == 503
        assert response.problem()["type"] == "https://mlops-gateway.dev/problems/too-many-connections"
        assert response.headers["retry-after"] == "1" and await extra.closed(within=1)
        assert response.headers["x-request-id"] == response.problem()["request_id"]
        assert time.monotonic() - started < 1
        assert reached(healthy) == []
        await holders[0].close()
        await asyncio.sleep(0.1)
        again = await RawClient.connect(gw.port)
        await again.send(LIST)
        response = await again.response()
        assert response is not None and response.status == 200
        for client in [*holders[1:], extra, again]:
            await client.close()


async def test_a_client_that_disconnects_while_the_upstream_answers_is_counted_499(
    healthy: RecordingUpstream,
) -> None:
    async def slow(request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.3)
        writer.write(json_head(2) + b"{}")
        await writer.drain()

    upstream = await ScriptedUpstream(slow).start()
    try:
        async with running_gateway(reliability_config(upstream.url, healthy.url)) as gw:
            client = await RawClient.connect(gw.port)
            await client.send(LIST)
            await asyncio.sleep(0.1)
            await client.close()
            await asyncio.sleep(0.4)
            await still_serving(gw.url, healthy)
            async with aiohttp.ClientSession() as session, session.get(gw.url + "/metrics") as response:
                metrics = await response.text()
        statuses = re.findall(r'requests_total\{[^}]*operation="workspaces_list"[^}]*status="(\d+)"', metrics)
        assert statuses == ["499"]
    finally:
        await upstream.close()
