"""Metric labels stay bounded whatever clients send: invented methods, unknown paths and fresh
request ids do not create new series."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from tests.support.gateway import AUTH, gateway_config, running_gateway
from tests.support.raw_http import RecordingUpstream

# methods aiohttp's parser accepts that the gateway has no use for (WebDAV, CalDAV, UPnP, ...)
OTHER_METHODS = [
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "BIND", "REBIND", "UNBIND",
    "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE",
    "UNSUBSCRIBE", "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SEARCH",
]  # fmt: skip


Send = Callable[[str, str, str], Awaitable[None]]


def _client(session: aiohttp.ClientSession, url: str) -> tuple[Callable[[], Awaitable[str]], Send]:
    """Read the gateway's /metrics, and send one authenticated call (a `{}` body with POST)."""

    async def metrics() -> str:
        async with session.get(url + "/metrics") as response:
            return await response.text()

    async def send(method: str, path: str, request_id: str) -> None:
        headers = {**AUTH, "X-Request-ID": request_id, "Content-Type": "application/json"}
        body = b"{}" if method == "POST" else None
        async with session.request(method, url + path, headers=headers, data=body) as response:
            await response.read()

    return metrics, send


def _series(exposition: str, metric: str) -> list[str]:
    return [line for line in exposition.splitlines() if line.startswith(metric + "{")]


async def test_invented_methods_and_paths_do_not_grow_the_series() -> None:
    upstream = await RecordingUpstream().start()
    try:
        async with (
            running_gateway(gateway_config(upstream.url)) as gateway,
            aiohttp.ClientSession() as session,
        ):
            metrics, send = _client(session, gateway.url)
            await send("PATCH", "/no/such/path", "warm-up")
            before = _series(await metrics(), "mlops_gateway_requests_total")
            for i in range(200):
                await send(OTHER_METHODS[i % len(OTHER_METHODS)], f"/v1/api/unknown/{i}", f"id-{i}")
            after = _series(await metrics(), "mlops_gateway_requests_total")
    finally:
        await upstream.close()
    assert len(after) == len(before) + 1  # one series: method "other"
    assert any('method="other"' in line and 'operation="unmatched"' in line for line in after), after
    assert not any("PROPFIND" in line or "/unknown/" in line or "id-1" in line for line in after), after
    assert upstream.seen == []


def _all_series(exposition: str) -> set[str]:
    """Every sample's name and labels (no value) of the gateway's own families."""
    return {line.rsplit(" ", 1)[0] for line in exposition.splitlines() if line.startswith("mlops_gateway_")}


# (path shape, whether it names a spec operation): unknown, an operation with a path parameter, a fixed one
SHAPES = ["/v1/api/unknown/{i}/x", "/v1/tests/test-{i}/evaluate", "/v1/api/workspaces/list"]
STANDARD_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


async def test_a_thousand_distinct_calls_do_not_grow_any_series() -> None:
    """1,000 calls, each with a fresh request id, most with a fresh path, over every method shape:
    once each (method, path shape) was seen, the series count of every family stays the same."""
    upstream = await RecordingUpstream().start()
    methods = STANDARD_METHODS + OTHER_METHODS
    try:
        async with (
            running_gateway(gateway_config(upstream.url)) as gateway,
            aiohttp.ClientSession() as session,
        ):
            metrics, send = _client(session, gateway.url)
            for m in methods:
                for shape in SHAPES:
                    await send(m, shape.format(i="warm"), f"warm-{m}")
            before = _all_series(await metrics())
            for i in range(1000):
                await send(methods[i % len(methods)], SHAPES[i % len(SHAPES)].format(i=i), f"call-{i}")
            after = _all_series(await metrics())
    finally:
        await upstream.close()
    assert after == before, sorted(after ^ before)
    requests = [s for s in after if s.startswith("mlops_gateway_requests_total{")]
    assert any('operation="unmatched"' in s and 'source="gateway"' in s for s in requests), requests
    assert any('operation="workspaces_list"' in s and 'source="upstream"' in s for s in requests), requests
    assert all('source="gateway"' in s or 'source="upstream"' in s for s in requests), requests
    assert not any("call-" in s or "test-1" in s or "PROPFIND" in s for s in after)
    assert any(s.startswith("mlops_gateway_build_info{") and "spec_sha256=" in s for s in after)
