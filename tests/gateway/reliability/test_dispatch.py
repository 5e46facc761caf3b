"""What the server's dispatch does without aiohttp's router: `Expect: 100-continue` answered before
the body is read, the own endpoints on GET and HEAD only (every other method is the proxy's), and
an own endpoint's crash answered 500 problem+json."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from gateway.upstream.readiness import Readiness
from tests.gateway.reliability.conftest import reached, reliability_config
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.misbehaving import RawClient
from tests.support.raw_http import RecordingUpstream

HEAD = (
    b"POST /v1/api/workspaces/list HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer "
    + TEAM_KEY.encode()
    + b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
)


async def test_a_client_that_expects_100_continue_is_told_to_send_its_body(
    healthy: RecordingUpstream,
) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        client = await RawClient.connect(gw.port)
        await client.send(HEAD + b"Expect: 100-continue\r\n\r\n")  # and no body until told
        async with asyncio.timeout(3):
            interim = await client.reader.readuntil(b"\r\n\r\n")
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        await client.send(b"{}")
        response = await client.response()
        await client.close()
    assert response is not None and response.status == 200, response
    assert reached(healthy) == ["/v1/api/workspaces/list"] and healthy.seen[-1].body == b"{}"
    assert "expect" not in {name.lower() for name, _ in healthy.seen[-1].headers}


async def test_an_expectation_other_than_100_continue_is_ignored(healthy: RecordingUpstream) -> None:
    async with running_gateway(reliability_config(healthy.url, healthy.url)) as gw:
        client = await RawClient.connect(gw.port)
        await client.send(HEAD + b"Expect: something-else\r\n\r\n{}")
        response = await client.response()
        await client.close()
    assert response is not None and response.status == 200, response


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_own_endpoints_answer_get_and_head_and_other_methods_are_the_proxys(
    healthy: RecordingUpstream, path: str
) -> None:
    async with (
        running_gateway(reliability_config(healthy.url, healthy.url)) as gw,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(gw.url + path) as r:
            assert r.status == 200 and len(await r.read()) > 0
        async with session.head(gw.url + path) as r:
            assert r.status == 200
        async with session.post(gw.url + path, headers={"Authorization": f"Bearer {TEAM_KEY}"}) as r:
            assert r.status == 404 and r.content_type == "application/problem+json"
            assert (await r.json(content_type=None))["type"].endswith("/not-found")
    assert reached(healthy, "/") == []


async def test_an_own_endpoint_that_fails_answers_500_problem(
    healthy: RecordingUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Readiness) -> dict[str, bool]:
        raise RuntimeError("readiness bug")

    monkeypatch.setattr(Readiness, "check", broken)
    async with (
        running_gateway(reliability_config(healthy.url, healthy.url)) as gw,
        aiohttp.ClientSession() as session,
        session.get(gw.url + "/readyz") as r,
    ):
        assert r.status == 500 and r.content_type == "application/problem+json"
        assert (await r.json(content_type=None))["type"].endswith("/internal-error")
        async with session.get(gw.url + "/healthz") as ok:  # and the gateway still serves
            assert ok.status == 200
