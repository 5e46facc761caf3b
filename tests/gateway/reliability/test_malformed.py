"""Malformed HTTP and request-smuggling attempts: each is refused by the gateway's HTTP server with
400 bad-request problem+json before anything reaches the upstream, logged as one JSON line without
a traceback, and the gateway keeps serving. A bug is logged at ERROR, its traceback inside the
JSON object, and answered 500 internal-error."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from gateway.logs import configure_logging
from gateway.pipeline.handler import Proxy
from tests.gateway.reliability.conftest import meanwhile, reached, reliability_config, still_serving
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.misbehaving import RawClient
from tests.support.raw_http import RecordingUpstream

BAD_REQUEST = "https://mlops-gateway.dev/problems/bad-request"
KEY = b"Authorization: Bearer " + TEAM_KEY.encode() + b"\r\nContent-Type: application/json\r\n"
POST = b"POST /v1/api/workspaces/list HTTP/1.1\r\nHost: gateway\r\n" + KEY

MALFORMED = {
    "invalid method": b"G\x00T /v1/api/workspaces/list HTTP/1.1\r\nHost: gateway\r\n\r\n",
    "not a request line": b"hello there\r\n\r\n",
    "bad header name": POST + b"Bad Header: y\r\nContent-Length: 2\r\n\r\n{}",
    "over-long request line": b"POST /v1/api/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: gateway\r\n\r\n",
    "over-long header": POST + b"X-Big: " + b"a" * 9000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "TLS on the HTTP port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 32,
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    # smuggling attempts: framing two parsers could read differently
    "Content-Length and Transfer-Encoding": POST
    + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + b"POST /v1/api/workspaces/list HTTP/1.1\r\n\r\n",
    "two Content-Lengths": POST + b"Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}",
    "obs-fold": POST + b"X-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\n{}",
    "obs-fold on Content-Length": POST + b"Content-Length:\r\n 2\r\n\r\n{}",
    "Transfer-Encoding not chunked": POST + b"Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "signed Content-Length": POST + b"Content-Length: +2\r\n\r\n{}",
    "bad chunk size": POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "space before the colon": POST + b"Content-Length : 2\r\n\r\n{}",
    "bare LF in a header": POST + b"X-A: 1\nContent-Length: 2\r\n\r\n{}",
}


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The gateway's JSON log, in memory; the logging set-up is restored afterwards."""
    import logging

    names = ("mlops_gateway", "aiohttp", "asyncio", "")  # what configure_logging sets up
    saved = {n: (lg.handlers[:], lg.level, lg.propagate) for n in names if (lg := logging.getLogger(n))}
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield stream
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    logging.captureWarnings(False)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_request_is_400_bad_request_and_one_log_line(
    raw: bytes, healthy: RecordingUpstream, json_log: io.StringIO
) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:

        async def send() -> object:
            client = await RawClient.connect(gw.port)
            await client.send(raw)
            response = await client.response(within=2)
            closed = await client.closed(within=2)
            await client.close()
            assert response is not None and closed
            assert response.headers["x-request-id"] == response.problem()["request_id"]
            return response.status, response.problem()["type"]

        started = time.monotonic()
        assert await meanwhile(send(), gw.url, healthy, delay=0) == (400, BAD_REQUEST)
        assert time.monotonic() - started < 3
    assert reached(healthy) == []
    events = [e for e in _lines(json_log) if e["logger"] == "mlops_gateway.server"]
    assert len(events) == 1 and events[0]["level"] == "info" and "error" not in events[0]
    assert events[0]["msg"] == "malformed request" and "b'" not in str(events[0]["reason"])


async def test_an_unlisted_transfer_coding_before_chunked_is_reframed_for_the_upstream(
    healthy: RecordingUpstream,
) -> None:
    """`identity, chunked` is accepted (chunked is last); the upstream gets one request, framed by the
    gateway, never the client's framing headers."""
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        client = await RawClient.connect(gw.port)
        await client.send(POST + b"Transfer-Encoding: identity, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        response = await client.response()
        await client.close()
    assert response is not None and response.status == 200
    assert reached(healthy) == ["/v1/api/workspaces/list"]
    seen = healthy.seen[-1]
    assert seen.body == b"{}" and "identity" not in str(seen.headers).lower()


async def test_a_bug_outside_the_app_is_500_problem_and_one_error_line_with_its_traceback(
    healthy: RecordingUpstream, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Proxy, request: web.BaseRequest) -> web.StreamResponse:
        raise RuntimeError("a bug past the safety net")

    monkeypatch.setattr(Proxy, "handle", broken)  # the proxy's own safety net is in `handle`
    async with (
        running_gateway(reliability_config(healthy.url, healthy.url)) as gw,
        aiohttp.ClientSession() as session,
        session.post(gw.url + "/v1/api/workspaces/list") as r,
    ):
        assert r.status == 500 and r.content_type == "application/problem+json"
        body = await r.json(content_type=None)
        assert body["type"].endswith("/internal-error")
        assert r.headers["X-Request-ID"] == body["request_id"]
    errors = [e for e in _lines(json_log) if e["level"] == "error"]
    assert len(errors) == 1 and "RuntimeError: a bug past the safety net" in str(errors[0]["error"])
    assert "Traceback" in str(errors[0]["error"])


@pytest.fixture
async def served(
    tmp_path: Path, healthy: RecordingUpstream
) -> AsyncIterator[tuple[int, asyncio.subprocess.Process]]:
    """`mlops-gateway serve` as a process, its stderr piped: the log as a deployment sees it."""
    config = tmp_path / "gateway.yaml"
    config.write_text(
        f"""
listen: {{host: 127.0.0.1, port: 0}}
upstreams:
  - {{name: wallaroo, base_url: "{healthy.url}", paths: ["/v1/", "/v2/api/"]}}
teams: [{{name: alpha, keys: ["{TEAM_KEY}"]}}]
limits: {{header_timeout: 0.3}}
"""
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "serve", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(20):
            line = await process.stdout.readline()
        yield int(line.decode().rsplit(":", 1)[1]), process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_stderr_of_a_served_gateway_is_json_lines_only(
    served: tuple[int, asyncio.subprocess.Process], healthy: RecordingUpstream
) -> None:
    port, process = served
    for raw in MALFORMED.values():
        client = await RawClient.connect(port)
        await client.send(raw)
        assert (await client.response(within=2)) is not None
        await client.close()
    slow = await RawClient.connect(port)
    await slow.send(b"POST /v1/api/workspaces/list HTTP/1.1\r\n")
    slow_closed = await slow.closed(within=2)
    await slow.close()
    await still_serving(f"http://127.0.0.1:{port}", healthy)
    process.send_signal(signal.SIGTERM)
    assert process.stderr is not None
    async with asyncio.timeout(10):
        stderr = (await process.stderr.read()).decode()
        await process.wait()
    events = [orjson.loads(line) for line in stderr.splitlines()]  # every line is one JSON object
    malformed = [e for e in events if e["msg"] == "malformed request"]
    assert len(malformed) == len(MALFORMED) and all(e["level"] == "info" for e in malformed)
    assert [e["msg"] for e in events if e["logger"] == "mlops_gateway.server"].count(
        "request head timed out"
    ) == 1
    assert not [e for e in events if e["level"] in ("error", "critical")]
    assert "Traceback" not in stderr
    assert slow_closed
