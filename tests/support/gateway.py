"""A real gateway in front of a real upstream on 127.0.0.1, for integration tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from gateway.config import (
    DirectionPolicy,
    GatewayConfig,
    LimitsConfig,
    TeamConfig,
    Timeouts,
    UpstreamAuth,
    UpstreamConfig,
    ValidationConfig,
)
from gateway.demo import OPENLAYER_PATHS, sandbox_upstreams
from gateway.server import RunningGateway, start_gateway
from sandbox import SandboxServer

TEAM_KEY = "team-key-for-tests-0123456789"
OTHER_TEAM_KEY = "other-team-key-9876543210"
ADMIN_KEY = "admin-key-for-tests-reads-all-drift"
UPSTREAM_TOKEN = "upstream-static-token-abcdef"
OPENLAYER_KEY = "upstream-openlayer-key-xyz"
TEST_TIMEOUTS = Timeouts(connect=2, read=2, total=10)
AUTH = {"Authorization": f"Bearer {TEAM_KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


def gateway_config(
    upstream_url: str,
    *,
    openlayer_url: str | None = None,
    response_policy: str = "report",
    overrides: dict[str, DirectionPolicy] | None = None,
    timeouts: Timeouts = TEST_TIMEOUTS,
    **changes: Any,
) -> GatewayConfig:
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=(
            UpstreamConfig(
                "wallaroo",
                upstream_url,
                ("/v1/api/", "/v2/api/", "/v1/graphql", "/v1/logs/"),
                timeouts,
                auth=UpstreamAuth("static", UPSTREAM_TOKEN),
            ),
            UpstreamConfig(
                "openlayer",
                openlayer_url or upstream_url,
                OPENLAYER_PATHS,
                timeouts,
                auth=UpstreamAuth("static", OPENLAYER_KEY),
            ),
        ),
        teams=(TeamConfig("alpha", (TEAM_KEY,)), TeamConfig("beta", (OTHER_TEAM_KEY,))),
        admin_keys=(ADMIN_KEY,),
        validation=ValidationConfig(response=response_policy, overrides=overrides or {}),
        limits=LimitsConfig(),
    )
    return dataclasses.replace(config, **changes)


def sandbox_gateway_config(
    sandbox: SandboxServer, alpha_key: str, beta_key: str, admin_key: str
) -> GatewayConfig:
    """A gateway in front of the real sandbox for teams alpha and beta and one admin key, enforcing
    requests and reporting responses."""
    return GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("alpha", (alpha_key,)), TeamConfig("beta", (beta_key,))),
        admin_keys=(admin_key,),
        validation=ValidationConfig(request="enforce", response="report"),
    )


@asynccontextmanager
async def running_gateway(config: GatewayConfig) -> AsyncIterator[RunningGateway]:
    gateway = await start_gateway(config)
    try:
        yield gateway
    finally:
        await gateway.close()


async def post_json(
    session: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    import orjson

    async with session.post(url, data=orjson.dumps(body), headers=headers or JSON_AUTH) as response:
        raw = await response.read()
        return response.status, dict(response.headers), orjson.loads(raw) if raw else None
