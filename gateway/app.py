"""build_app(config): wires the contract, routes, credentials, metrics and the proxy together.

Nothing else lives here: each part is built once at start-up (the spec compiled, every operation
bound to its upstream and policies), and the app only adds the gateway's own endpoints:
/healthz, /readyz, /metrics, /_gateway/violations and the status page /_gateway/. The request
pipeline's stages are built here and handed to the proxy handler, which runs them in order. The
application keeps the start-up and clean-up hooks; requests go to its `DISPATCH`, which the
server calls without aiohttp's router (`gateway.dispatch`).

Credentials: one provider per credential set (a named set under `credentials`, or an upstream's
inline `auth`, named after the upstream), shared by every upstream and team that names it; the
Keycloak ones are token managers keeping their tokens in one `TokenStore` (in memory unless
another is given). They start logging in at start-up, so /readyz can say early that a set
cannot log in.
"""

from __future__ import annotations

import orjson
from aiohttp import web

from gateway.config import GatewayConfig
from gateway.contract import Contract
from gateway.credentials.inbound import KeyRing
from gateway.credentials.redis_store import token_store_for
from gateway.credentials.store import TokenStore
from gateway.credentials.token_manager import TokenManager
from gateway.credentials.upstream import UpstreamCredentials, credentials_for
from gateway.dispatch import Dispatch
from gateway.drift import DriftReport
from gateway.metrics import GatewayMetrics
from gateway.pipeline.accounting import Accounting
from gateway.pipeline.forward import Forward
from gateway.pipeline.handler import Proxy
from gateway.pipeline.identify import Identify
from gateway.pipeline.request_check import RequestCheck
from gateway.pipeline.response_check import ResponseCheck
from gateway.pipeline.routes import bind_routes, bind_unlisted
from gateway.problems import ProblemError, ProblemKind, problem_response
from gateway.recent import RecentWindow
from gateway.status_page import status_page
from gateway.upstream.client import UpstreamClient
from gateway.upstream.readiness import Readiness

# the upstream tokens' store (memory, or Redis shared by every process), for the token managers
TOKEN_STORE = web.AppKey("token_store", TokenStore)
# what answers each request (the server calls it directly: `gateway.dispatch`)
DISPATCH = web.AppKey("dispatch", Dispatch)


def _credentials(
    config: GatewayConfig, keyring: KeyRing, store: TokenStore, metrics: GatewayMetrics
) -> tuple[dict[str, UpstreamClient], dict[str, UpstreamCredentials]]:
    """The upstream clients, each with its own and its teams' credentials, and every provider by
    credential set name."""
    providers: dict[str, UpstreamCredentials] = {
        name: credentials_for(auth, keyring, name, store, metrics)
        for name, auth in config.credentials.items()
    }
    upstreams = {}
    for u in config.upstreams:
        if u.credential_set not in providers:
            providers[u.credential_set] = credentials_for(u.auth, keyring, u.credential_set, store, metrics)
        teams = {t.name: providers[t.credentials[u.name]] for t in config.teams if u.name in t.credentials}
        upstreams[u.name] = UpstreamClient(u, providers[u.credential_set], teams)
    return upstreams, providers


def build_app(config: GatewayConfig, store: TokenStore | None = None) -> web.Application:
    contract = Contract.load(config.spec_path)
    keyring = KeyRing(config.teams, config.admin_keys)
    metrics = GatewayMetrics()
    shared_gauge = metrics.token_store_shared.labels(
        store="memory" if config.token_store is None else "redis"
    )
    shared_gauge.set(0)
    token_store = store or token_store_for(config.token_store, lambda shared: shared_gauge.set(float(shared)))
    upstreams, providers = _credentials(config, keyring, token_store, metrics)
    managers = {name: p for name, p in providers.items() if isinstance(p, TokenManager)}
    metrics.spec_operations.set(len(contract.operations))
    spec_version = str(contract.document.get("info", {}).get("version", "unknown"))
    metrics.built(spec_version, contract.sha256 or "unknown")
    drift = DriftReport()
    recent = RecentWindow()
    accounting = Accounting(metrics, drift, recent)
    proxy = Proxy(
        Identify(
            contract, bind_routes(contract, config, upstreams), keyring, bind_unlisted(config, upstreams)
        ),
        RequestCheck(config.limits, accounting),
        Forward(accounting, config.trusted_proxies),
        ResponseCheck(config.validation, config.limits, accounting),
        accounting,
    )
    app = web.Application()
    app[TOKEN_STORE] = token_store

    async def healthz(request: web.BaseRequest) -> web.Response:
        return web.json_response({"status": "ok"})

    readiness = Readiness(upstreams)

    async def readyz(request: web.BaseRequest) -> web.Response:
        checks = await readiness.check()
        credentials = {name: manager.status() for name, manager in managers.items()}
        ready = all(checks.values()) and all(ok for ok, _ in credentials.values())
        body = {
            "status": "ready" if ready else "not ready",
            "operations": len(contract.operations),
            "upstreams": checks,
            "credentials": {name: {"ready": ok, "state": words} for name, (ok, words) in credentials.items()},
        }
        return web.Response(
            body=orjson.dumps(body), status=200 if ready else 503, content_type="application/json"
        )

    async def metrics_endpoint(request: web.BaseRequest) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.content_type
        return response

    async def violations(request: web.BaseRequest) -> web.Response:
        """A team key reads its own request rows and every response row; an admin key reads all."""
        if keyring.is_admin(request.headers):
            report = drift.snapshot()
        elif (team := keyring.identify(request.headers)) is not None:
            report = drift.snapshot(team.name)
        else:
            error = ProblemError(ProblemKind.UNAUTHENTICATED, "the drift report needs a gateway or admin key")
            return problem_response(error, instance=request.path, request_id=None)
        return web.Response(body=orjson.dumps(report), content_type="application/json")

    async def start_upstreams(app: web.Application) -> None:
        for upstream in upstreams.values():
            await upstream.start()
        for manager in managers.values():
            manager.start()

    async def close_upstreams(app: web.Application) -> None:
        for upstream in upstreams.values():
            await upstream.close()
        for provider in providers.values():
            await provider.close()
        await token_store.close()

    endpoints = {
        "/healthz": healthz,
        "/readyz": readyz,
        "/metrics": metrics_endpoint,
        "/_gateway/violations": violations,
        "/_gateway/": status_page(keyring, recent, drift),
    }
    app[DISPATCH] = Dispatch(endpoints, proxy.handle)  # every other path, whatever it holds
    app.on_startup.append(start_upstreams)
    app.on_cleanup.append(close_upstreams)
    return app
