"""`auth.mode: passthrough` forwards the client's own upstream token, and never a gateway key.

The client names itself with X-Gateway-Key and puts its upstream token in Authorization. Whatever
it sends, no gateway key (its own or another team's) reaches the upstream: seen at a raw upstream
that records every header byte for byte.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import aiohttp
import pytest

from gateway.config import AuthMode, UpstreamAuth
from tests.support.gateway import OTHER_TEAM_KEY, TEAM_KEY, gateway_config, running_gateway
from tests.support.raw_http import RawRequest, RecordingUpstream

UPSTREAM_TOKEN = "the-team-s-own-upstream-token"


@pytest.fixture
async def stack() -> AsyncIterator[tuple[str, RecordingUpstream]]:
    upstream = await RecordingUpstream().start()
    config = gateway_config(upstream.url)
    passthrough = dataclasses.replace(config.upstreams[0], auth=UpstreamAuth(AuthMode.PASSTHROUGH))
    config = dataclasses.replace(config, upstreams=(passthrough, config.upstreams[1]))
    async with running_gateway(config) as gateway:
        yield gateway.url, upstream
    await upstream.close()


async def _send(stack: tuple[str, RecordingUpstream], headers: dict[str, str]) -> tuple[int, RawRequest]:
    url, upstream = stack
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/api/workspaces/list", json={}, headers=headers) as response,
    ):
        await response.read()
    assert len(upstream.seen) == 1, response.status
    return response.status, upstream.seen[-1]


def _no_gateway_key(seen: RawRequest) -> None:
    for name, value in seen.headers:
        assert TEAM_KEY not in value and OTHER_TEAM_KEY not in value, name


async def test_the_clients_upstream_token_is_forwarded(stack) -> None:
    status, seen = await _send(
        stack, {"X-Gateway-Key": TEAM_KEY, "Authorization": f"Bearer {UPSTREAM_TOKEN}"}
    )
    assert status == 200
    assert seen.header("Authorization") == f"Bearer {UPSTREAM_TOKEN}"
    _no_gateway_key(seen)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Gateway-Key": TEAM_KEY, "Authorization": f"Bearer {TEAM_KEY}"},
        {"X-Gateway-Key": TEAM_KEY, "Authorization": TEAM_KEY},
        {"X-Gateway-Key": TEAM_KEY, "Authorization": f"Token {TEAM_KEY}"},
        {"X-Gateway-Key": TEAM_KEY, "Authorization": f"Bearer {OTHER_TEAM_KEY}"},
        {"X-Gateway-Key": "", "Authorization": f"Bearer {TEAM_KEY}"},
        {"X-Gateway-Key": "  ", "Authorization": f"Bearer {TEAM_KEY}"},
        {"Authorization": f"Bearer {TEAM_KEY}"},
        {"X-Gateway-Key": TEAM_KEY},
    ],
    ids=[
        "same-key",
        "bare-key",
        "other-scheme",
        "other-team",
        "empty-header",
        "blank-header",
        "no-header",
        "none",
    ],
)
async def test_a_gateway_key_never_reaches_the_upstream(stack, headers: dict[str, str]) -> None:
    _, seen = await _send(stack, headers)
    assert seen.header("Authorization") is None
    _no_gateway_key(seen)
