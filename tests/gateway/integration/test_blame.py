"""Failures are put on the party that caused them: a client that leaves or stops reading is 499
(nginx's convention), never a 500 nor an upstream timeout; an unexpected gateway error is a 500
problem that still carries the request id."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp

from gateway.config import LimitsConfig, Timeouts, ValidationConfig
from gateway.pipeline.request_check import RequestCheck
from tests.support.gateway import JSON_AUTH, TEAM_KEY, gateway_config, running_gateway
from tests.support.raw_http import RecordingUpstream
from tests.support.waiting import eventually

REQUEST = (
    b"POST /v1/api/workspaces/list HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
    + TEAM_KEY.encode()
    + b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)


async def _metrics(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
        return await response.text()


def _requests(metrics: str, status: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("mlops_gateway_requests_total{") and f'status="{status}"' in line
    )


async def _answered(url: str, status: str) -> bool:
    return _requests(await _metrics(url), status) > 0


async def test_a_client_that_disconnects_is_counted_as_499_not_500() -> None:
    upstream = await RecordingUpstream(reply_delay=10).start()
    try:
        config = gateway_config(upstream.url, timeouts=Timeouts(connect=2, read=60, total=120))
        async with running_gateway(config) as gateway:
            _, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(REQUEST)
            await writer.drain()
            await eventually(lambda: bool(upstream.seen), within=5)
            writer.close()
            await writer.wait_closed()
            await eventually(lambda: _answered(gateway.url, "499"), within=5)
            metrics = await _metrics(gateway.url)
    finally:
        await upstream.close()
    assert _requests(metrics, "500") == 0
    assert "mlops_gateway_upstream_errors_total{" not in metrics


async def test_a_client_that_stops_reading_is_not_an_upstream_timeout() -> None:
    # a fast upstream with a big answer (streamed: over max_response_bytes) and a client that reads
    # nothing: before, the upstream's `total` timer fired while the gateway waited on the client
    upstream = await RecordingUpstream(reply_body=b"[" + b"0," * (16 * 2**20) + b"0]").start()
    config = gateway_config(
        upstream.url,
        timeouts=Timeouts(connect=2, read=2, total=2),
        validation=ValidationConfig(max_response_bytes=1024),
        limits=LimitsConfig(client_idle_timeout=4),
    )
    try:
        async with running_gateway(config) as gateway:
            client = socket.socket()
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.connect(("127.0.0.1", gateway.port))
            client.sendall(REQUEST)
            started = time.monotonic()
            await eventually(lambda: _answered(gateway.url, "499"), within=10, interval=0.1)
            cut_after = time.monotonic() - started
            metrics = await _metrics(gateway.url)
            client.close()
    finally:
        await upstream.close()
    assert 3.5 < cut_after < 8  # the client's idle timeout, not the upstream's 2 s total
    assert "mlops_gateway_upstream_errors_total{" not in metrics
    assert _requests(metrics, "502") == 0 and _requests(metrics, "504") == 0


async def test_an_unexpected_error_is_a_500_problem_with_the_request_id(monkeypatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("a gateway bug")

    monkeypatch.setattr(RequestCheck, "__call__", broken)
    upstream = await RecordingUpstream().start()
    try:
        async with (
            running_gateway(gateway_config(upstream.url)) as gateway,
            aiohttp.ClientSession() as session,
            session.post(
                gateway.url + "/v1/api/workspaces/list",
                data=b"{}",
                headers={**JSON_AUTH, "X-Request-ID": "r-500"},
            ) as response,
        ):
            body = await response.json(content_type=None)
            assert response.status == 500
            assert response.headers["X-Request-ID"] == "r-500"
            assert response.headers["Content-Type"].startswith("application/problem+json")
    finally:
        await upstream.close()
    assert body["type"].endswith("/internal-error") and body["request_id"] == "r-500"
    assert "a gateway bug" not in str(body) and upstream.seen == []
