"""The floor: the bare aiohttp proxy plus only the work a validating gateway cannot skip, done the
cheapest way, to show what the gateway's own pipeline costs beyond it.

    python -m benchmarks.floor_proxy --port N --upstream http://127.0.0.1:M [--loop uvloop]

Per request, on the same aiohttp server and one shared ClientSession as `benchmarks.bare_proxy`:
the team's key looked up (a digest, as the gateway's key ring), the operation matched and its body
validated by the gateway's own compiled contract, hop-by-hop and credential headers dropped both
ways, the upstream token, X-Forwarded-For and a request id added, the answer's status, content type
and JSON body validated, its headers relayed, one counter and one histogram observation, and one
JSON access line (written in batches to /dev/null); the cyclic garbage collector kept off the
start-up objects, as the gateway does. No error handling beyond a bare refusal: a
request the floor refuses fails the benchmark's answer check.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time

import orjson
from aiohttp import ClientSession, DummyCookieJar, TCPConnector, web
from prometheus_client import CollectorRegistry, Counter, Histogram

from benchmarks.bare_proxy import serve
from benchmarks.processes import BENCH_KEY, ROOT
from gateway.contract import Contract
from gateway.metrics import LATENCY_BUCKETS
from gateway.upstream.headers import HOP_BY_HOP

_REQUEST_DROP = HOP_BY_HOP | {"host", "content-length", "authorization", "x-gateway-key", "accept-encoding"}
_RESPONSE_DROP = HOP_BY_HOP | {"content-length", "server", "date"}


def floor_proxy(upstream: str) -> web.Application:
    contract = Contract.load(ROOT / "spec" / "openapi.yaml")
    teams = {hashlib.sha256(BENCH_KEY.encode()).digest(): "bench"}
    registry = CollectorRegistry()
    requests = Counter("requests", "requests", ["operation", "status", "team"], registry=registry)
    duration = Histogram("duration", "seconds", ["operation"], buckets=LATENCY_BUCKETS, registry=registry)
    log = open(os.devnull, "wb")  # noqa: SIM115 - lives as long as the process

    async def session_context(app: web.Application):  # type: ignore[no-untyped-def]
        app["session"] = ClientSession(
            connector=TCPConnector(limit=100), cookie_jar=DummyCookieJar(), auto_decompress=False
        )
        yield
        await app["session"].close()

    async def forward(request: web.Request) -> web.Response:
        started = time.perf_counter()
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        team = teams.get(hashlib.sha256(key.encode()).digest())
        operation, _params = contract.match(request.method, request.path)
        media = operation.request_media.find(request.headers.get("Content-Type"))
        checks = media.validator if media is not None else None
        body = await request.read()
        if team is None or checks is None or checks.violations(orjson.loads(body), "body"):
            return web.Response(status=400)
        request_id = os.urandom(16).hex()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _REQUEST_DROP}
        headers["Authorization"] = "Bearer upstream-token"
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Request-ID"] = request_id
        session: ClientSession = request.app["session"]
        async with session.request(
            request.method, upstream + request.path_qs, data=body, headers=headers, allow_redirects=False
        ) as r:
            payload = await r.read()
            table = operation.response_media(r.status)
            answer = table.find(r.headers.get("Content-Type")) if table else None
            checks = answer.validator if answer is not None else None
            if checks is None or checks.violations(orjson.loads(payload), "response"):
                return web.Response(status=502)
            relayed = {k: v for k, v in r.headers.items() if k.lower() not in _RESPONSE_DROP}
        relayed["X-Request-ID"] = request_id
        elapsed = time.perf_counter() - started
        requests.labels(operation.operation_id, str(r.status), team).inc()
        duration.labels(operation.operation_id).observe(elapsed)
        line = {"request_id": request_id, "team": team, "operation": operation.operation_id}
        log.write(orjson.dumps({**line, "status": r.status, "duration_ms": elapsed * 1000}) + b"\n")
        return web.Response(body=payload, status=r.status, headers=relayed)

    app = web.Application(client_max_size=64 * 2**20)
    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", "/{tail:.*}", forward)
    gc.collect()
    gc.freeze()  # the compiled contract is long-lived: keep the cyclic collector off it
    gc.set_threshold(50_000, 20, 20)
    return app


if __name__ == "__main__":
    serve(floor_proxy, __doc__)
