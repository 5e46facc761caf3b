"""A client cannot tell the upstream it came from somewhere else: X-Forwarded-* it sends are
replaced, unless it is one of the `listen.trusted_proxies` (then they are kept and appended to)."""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network

import aiohttp
import pytest

from tests.support.gateway import JSON_AUTH, gateway_config, running_gateway
from tests.support.raw_http import RawRequest, RecordingUpstream

SPOOFED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


async def _seen(trusted: str | None) -> tuple[RawRequest, str]:
    upstream = await RecordingUpstream().start()
    config = gateway_config(upstream.url)
    if trusted:
        config = dataclasses.replace(config, trusted_proxies=(ip_network(trusted),))
    try:
        async with running_gateway(config) as gateway, aiohttp.ClientSession() as session:
            url = gateway.url + "/v1/api/workspaces/list"
            async with session.post(url, data=b"{}", headers={**JSON_AUTH, **SPOOFED}) as response:
                assert response.status == 200
            return upstream.seen[-1], f"127.0.0.1:{gateway.port}"
    finally:
        await upstream.close()


async def test_an_untrusted_clients_forwarding_headers_are_overwritten() -> None:
    seen, host = await _seen(trusted=None)
    assert seen.header("X-Forwarded-Host") == host
    assert seen.header("X-Forwarded-For") == "127.0.0.1"
    assert seen.header("X-Forwarded-Proto") == "http"
    assert not any("evil.example" in value or "203.0.113.9" in value for _, value in seen.headers)


@pytest.mark.parametrize("trusted", ["127.0.0.1/32", "127.0.0.0/8"])
async def test_a_trusted_proxys_forwarding_headers_are_kept(trusted: str) -> None:
    seen, _ = await _seen(trusted=trusted)
    assert seen.header("X-Forwarded-Host") == "evil.example"
    assert seen.header("X-Forwarded-For") == "203.0.113.9, 127.0.0.1"
    assert seen.header("X-Forwarded-Proto") == "https"
