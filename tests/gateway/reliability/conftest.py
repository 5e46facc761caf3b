"""Shared set-up of the reliability suite: short timeouts, a healthy upstream, and the check that
the gateway keeps serving other clients while (and after) a peer misbehaves."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import aiohttp
import orjson
import pytest

from gateway.config import GatewayConfig, LimitsConfig, Timeouts
from tests.support.gateway import JSON_AUTH, gateway_config
from tests.support.raw_http import RecordingUpstream

T = TypeVar("T")

IDLE = 0.4  # limits.client_idle_timeout
HEAD = 0.4  # limits.header_timeout
TIMEOUTS = Timeouts(connect=0.5, read=0.5, total=2)
EVALUATE = "/v1/tests/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/evaluate"
EVALUATE_BODY = orjson.dumps({"startTimestamp": 1699920000, "endTimestamp": 1700006400})


def reliability_config(wallaroo_url: str, healthy_url: str, **limits: Any) -> GatewayConfig:
    """Wallaroo's operations go to `wallaroo_url`; Openlayer's evaluate to the healthy upstream."""
    limits = {"client_idle_timeout": IDLE, "header_timeout": HEAD, **limits}
    return gateway_config(
        wallaroo_url,
        openlayer_url=healthy_url,
        timeouts=TIMEOUTS,
        limits=dataclasses.replace(LimitsConfig(), **limits),
    )


@pytest.fixture
async def healthy() -> AsyncIterator[RecordingUpstream]:
    upstream = await RecordingUpstream(reply_body=b"{}").start()
    yield upstream
    await upstream.close()


def reached(upstream: RecordingUpstream, prefix: str = "/v1/api/") -> list[str]:
    """The targets of the requests under `prefix` the upstream received (the serving checks use
    Openlayer's path, so they are not counted)."""
    return [r.target for r in upstream.seen if r.target.startswith(prefix)]


async def still_serving(gateway_url: str, healthy: RecordingUpstream) -> None:
    """A normal request from another client succeeds, promptly, and reaches the upstream."""
    before = len(healthy.seen)
    started = time.monotonic()
    url = gateway_url + EVALUATE
    async with (
        asyncio.timeout(3),
        aiohttp.ClientSession() as session,
        session.post(url, data=EVALUATE_BODY, headers=JSON_AUTH) as response,
    ):
        assert response.status == 200, await response.text()
    assert time.monotonic() - started < 1.5
    assert len(healthy.seen) == before + 1


async def meanwhile(
    case: Awaitable[T], gateway_url: str, healthy: RecordingUpstream, delay: float = 0.15
) -> T:
    """Run `case`; `delay` seconds in, and again after it, another client must be served."""
    task = asyncio.ensure_future(case)
    await asyncio.sleep(delay)
    try:
        await still_serving(gateway_url, healthy)
    finally:
        result = await task
    await still_serving(gateway_url, healthy)
    return result
