"""build_app(config): wires the contract, routes, credentials, metrics and the proxy together.

Nothing else lives here: each part is built once at start-up (the spec compiled, every operation
bound to its upstream and policies), and the app only adds the gateway's own endpoints:
/healthz, /readyz, /metrics and /_gateway/violations.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from aiohttp import web

from gateway.config import ConfigError, GatewayConfig
from gateway.contract import Contract
from gateway.credentials.inbound import KeyRing
from gateway.credentials.upstream import credentials_for
from gateway.forward import UpstreamClient
from gateway.metrics import GatewayMetrics
from gateway.problems import INTERNAL_ERROR, UNAUTHENTICATED, ProblemError, problem_response
from gateway.proxy import Proxy, Route
from gateway.violations import DriftReport

log = logging.getLogger("mlops_gateway")


def bind_routes(
    contract: Contract, config: GatewayConfig, upstreams: dict[str, UpstreamClient]
) -> dict[str, Route]:
    """Every operation to the upstream with the longest matching path prefix, and its policies."""
    prefixes = sorted(
        ((prefix, u.name) for u in config.upstreams for prefix in u.paths), key=lambda p: -len(p[0])
    )
    routes = {}
    for op_id, op in contract.operations.items():
        name = next((n for prefix, n in prefixes if op.path_template.startswith(prefix)), None)
        if name is None:
            raise ConfigError("upstreams", f"no upstream's paths cover {op.path_template} ({op_id})")
        policy = config.validation.for_operation(op_id)
        routes[op_id] = Route(op, upstreams[name], policy.request, policy.response)
    unknown = set(config.validation.overrides) - set(contract.operations)
    if unknown:
        raise ConfigError("validation.overrides", f"unknown operationId(s): {', '.join(sorted(unknown))}")
    return routes


@web.middleware
async def _last_resort(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """A bug must still answer problem+json, never a stack trace."""
    try:
        return await handler(request)
    except (web.HTTPException, ProblemError, asyncio.CancelledError):
        raise
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        error = ProblemError(INTERNAL_ERROR, "the gateway failed to handle this request")
        return problem_response(error, instance=request.path, request_id=None)


def build_app(config: GatewayConfig) -> web.Application:
    contract = Contract.load(config.spec_path)
    upstreams = {u.name: UpstreamClient(u, credentials_for(u.auth)) for u in config.upstreams}
    metrics = GatewayMetrics()
    metrics.spec_operations.set(len(contract.operations))
    keyring = KeyRing(config.teams)
    drift = DriftReport()
    proxy = Proxy(
        contract,
        bind_routes(contract, config, upstreams),
        keyring,
        metrics,
        drift,
        config.validation,
        config.limits,
    )
    app = web.Application(middlewares=[_last_resort], client_max_size=config.limits.max_json_body_bytes)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        reachable = await asyncio.gather(*(u.reachable() for u in upstreams.values()))
        checks = dict(zip(upstreams, reachable, strict=True))
        ready = all(reachable)
        body = {
            "status": "ready" if ready else "not ready",
            "operations": len(contract.operations),
            "upstreams": checks,
        }
        return web.Response(
            body=orjson.dumps(body), status=200 if ready else 503, content_type="application/json"
        )

    async def metrics_endpoint(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.content_type
        return response

    async def violations(request: web.Request) -> web.Response:
        if keyring.identify(request.headers) is None:
            error = ProblemError(UNAUTHENTICATED, "the drift report needs a gateway key")
            return problem_response(error, instance=request.path, request_id=None)
        return web.Response(body=orjson.dumps(drift.snapshot()), content_type="application/json")

    async def start_upstreams(app: web.Application) -> None:
        for upstream in upstreams.values():
            await upstream.start()

    async def close_upstreams(app: web.Application) -> None:
        for upstream in upstreams.values():
            await upstream.close()

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_get("/_gateway/violations", violations)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    app.on_startup.append(start_upstreams)
    app.on_cleanup.append(close_upstreams)
    return app
