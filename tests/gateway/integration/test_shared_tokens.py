"""One token per credential set for every gateway process: two gateways sharing Redis, and one
gateway with two workers sharing Redis, make exactly one token request for 200 concurrent cold
requests; with the memory store each worker logs in for itself (the documented cost)."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.gateway import JSON_AUTH
from tests.support.raw_http import RecordingUpstream
from tests.support.redis import RedisServer, redis_server
from tests.support.served import ServedGateway, served_gateway
from tests.support.token_endpoints import ScriptedTokenEndpoint, always, token_body
from tests.support.waiting import eventually

__all__ = ["redis_server"]  # the fixture, used by name below


@pytest.fixture
async def endpoint() -> AsyncIterator[ScriptedTokenEndpoint]:
    served = await ScriptedTokenEndpoint(always(200, token_body(600))).start()
    yield served
    await served.stop()


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingUpstream]:
    served = await RecordingUpstream().start()
    yield served
    await served.close()


def _auth(endpoint: ScriptedTokenEndpoint) -> str:
    return f'{{mode: keycloak, token_url: "{endpoint.url}", client_id: api-client, client_secret: s3cret}}'


def _redis(redis: RedisServer) -> str:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return f'token_store: {{url: "{redis.url}", key: "{key}"}}'


async def _burst(gateways: list[ServedGateway], count: int = 200) -> list[int]:
    """`count` concurrent requests, spread over `gateways`."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(i: int) -> int:
            url = gateways[i % len(gateways)].url + "/v1/api/workspaces/list"
            async with session.post(url, data=b"{}", headers=JSON_AUTH) as response:
                await response.read()
                return response.status

        async with asyncio.timeout(60):
            return await asyncio.gather(*(one(i) for i in range(count)))


async def test_two_gateways_sharing_redis_make_one_token_request(
    tmp_path: Path, redis_server: RedisServer, endpoint: ScriptedTokenEndpoint, upstream: RecordingUpstream
) -> None:
    shared = {"auth": _auth(endpoint), "extra": _redis(redis_server)}
    async with (
        served_gateway(tmp_path, upstream.url, name="a", **shared) as a,
        served_gateway(tmp_path, upstream.url, name="b", **shared) as b,
    ):
        statuses = await _burst([a, b])
    assert statuses == [200] * 200
    assert endpoint.grants() == 1, endpoint.requests
    tokens = {r.header("Authorization") for r in upstream.seen}
    assert len(tokens) == 1 and len(upstream.seen) == 200


async def test_two_workers_sharing_redis_make_one_token_request(
    tmp_path: Path, redis_server: RedisServer, endpoint: ScriptedTokenEndpoint, upstream: RecordingUpstream
) -> None:
    async with served_gateway(
        tmp_path, upstream.url, workers=2, auth=_auth(endpoint), extra=_redis(redis_server)
    ) as gateway:
        statuses = await _burst([gateway])
        serving = gateway.serving_pids()
    assert statuses == [200] * 200
    assert len(serving) == 2, "both workers answered"
    assert endpoint.grants() == 1, endpoint.requests


async def test_two_workers_with_the_memory_store_log_in_once_each(
    tmp_path: Path, endpoint: ScriptedTokenEndpoint, upstream: RecordingUpstream
) -> None:
    async with served_gateway(tmp_path, upstream.url, workers=2, auth=_auth(endpoint)) as gateway:
        statuses = await _burst([gateway])
    assert statuses == [200] * 200
    assert endpoint.grants() == 2, endpoint.requests


async def test_redis_killed_mid_run_fails_no_request_and_sharing_resumes(
    tmp_path: Path, redis_server: RedisServer, endpoint: ScriptedTokenEndpoint, upstream: RecordingUpstream
) -> None:
    async def shared(gateway: ServedGateway) -> float:
        async with aiohttp.ClientSession() as session, session.get(gateway.url + "/metrics") as response:
            text = await response.text()
        return next(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith('mlops_gateway_token_store_shared{store="redis"}')
        )

    async def is_shared(gateway: ServedGateway, expected: float) -> bool:
        return await shared(gateway) == expected

    extra = _redis(redis_server)[:-1] + ", probe_interval: 0.3}"
    async with served_gateway(tmp_path, upstream.url, auth=_auth(endpoint), extra=extra) as gateway:
        assert await _burst([gateway], 20) == [200] * 20
        assert await shared(gateway) == 1
        redis_server.kill()
        assert await _burst([gateway], 50) == [200] * 50  # served with the token the process holds
        await eventually(lambda: is_shared(gateway, 0), within=5, interval=0.2)  # noticed unasked
        assert await _burst([gateway], 20) == [200] * 20
        redis_server.start()
        await eventually(lambda: is_shared(gateway, 1), within=10, interval=0.2)
        assert await _burst([gateway], 20) == [200] * 20
    assert endpoint.grants() == 1, endpoint.requests
    said = [e["msg"] for e in gateway.events() if e["logger"] == "mlops_gateway.token_store"]
    assert said[-2:] == [
        "token store: Redis unreachable; tokens kept in this process only until it returns",
        "token store: Redis reachable; tokens shared",
    ]
