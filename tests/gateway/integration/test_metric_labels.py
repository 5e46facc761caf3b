"""Metric labels stay bounded whatever clients send: invented methods, unknown paths and fresh
request ids do not create new series."""

from __future__ import annotations

import aiohttp

from tests.support.gateway import AUTH, gateway_config, running_gateway
from tests.support.raw_http import RecordingUpstream

# methods aiohttp's parser accepts that the gateway has no use for (WebDAV, CalDAV, UPnP, ...)
OTHER_METHODS = [
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "BIND", "REBIND", "UNBIND",
    "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE",
    "UNSUBSCRIBE", "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SEARCH",
]  # fmt: skip


def _series(exposition: str, metric: str) -> list[str]:
    return [line for line in exposition.splitlines() if line.startswith(metric + "{")]


async def test_invented_methods_and_paths_do_not_grow_the_series() -> None:
    upstream = await RecordingUpstream().start()
    try:
        async with (
            running_gateway(gateway_config(upstream.url)) as gateway,
            aiohttp.ClientSession() as session,
        ):

            async def metrics() -> str:
                async with session.get(gateway.url + "/metrics") as response:
                    return await response.text()

            async def send(method: str, path: str, request_id: str) -> None:
                headers = {**AUTH, "X-Request-ID": request_id}
                async with session.request(method, gateway.url + path, headers=headers) as response:
                    await response.read()

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
