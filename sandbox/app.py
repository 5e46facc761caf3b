"""`build_sandbox_app`: wires the sandbox's parts into one aiohttp application.

Routes: the Keycloak token endpoints of `sandbox.keycloak.http`, the fault switch's admin endpoint
(`sandbox.faults.admin`), then one catch-all route serving every spec operation. Middlewares,
outermost first: the request log (with `record_requests`), errors (every failure an Error body),
routing (spec operation or 404/405), auth (per the operation's security), validation (params,
content type, body), faults (breaks success answers while a fault is switched on). Handlers
come from the handler modules by operationId; an operation without one would answer 404.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.contract import Contract
from sandbox.assays import v1 as assays_v1
from sandbox.assays import v2 as assays_v2
from sandbox.core.auth import auth_middleware
from sandbox.core.context import FAULTS, REALM, SETTINGS, STORE
from sandbox.core.errors import error_middleware
from sandbox.core.fault_switch import FaultSwitch
from sandbox.core.request_log import REQUESTS, RequestLog, request_log_middleware
from sandbox.core.routing import add_api_route, routing_middleware
from sandbox.core.seed import seed_store
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import Store
from sandbox.core.validation import validation_middleware
from sandbox.faults.admin import add_fault_routes
from sandbox.faults.bodies import BodyFaults
from sandbox.faults.middleware import accept_invalid_hook, fault_middleware, stand_in_hook
from sandbox.graphql import http as graphql_http
from sandbox.keycloak.http import add_token_routes
from sandbox.keycloak.realm import TokenRealm
from sandbox.mlops import (
    deployments,
    features,
    inference,
    logs,
    models,
    pipelines,
    platform,
    users,
    workspaces,
)
from sandbox.openlayer import evaluate, inference_pipelines, results, tasks

HANDLER_MODULES = (
    platform,
    graphql_http,
    users,
    workspaces,
    models,
    pipelines,
    deployments,
    inference,
    logs,
    features,
    evaluate,
    results,
    tasks,
    inference_pipelines,
    assays_v1,
    assays_v2,
)


@cache
def default_contract() -> Contract:
    """spec/openapi.yaml, compiled once per process (compiling takes about a second)."""
    return Contract.load()


def collect_handlers() -> dict[str, Handler]:
    """operationId -> handler, from every handler module's `HANDLERS`."""
    return {op: handler for module in HANDLER_MODULES for op, handler in module.HANDLERS.items()}


def build_sandbox_app(
    settings: SandboxSettings | None = None, contract: Contract | None = None
) -> web.Application:
    settings = settings or SandboxSettings()
    contract = contract or default_contract()
    storage = settings.storage_dir or Path(tempfile.mkdtemp(prefix="mlops-sandbox-"))
    realm = TokenRealm(
        clients={settings.client_id: settings.client_secret},
        access_token_lifetime=settings.access_token_lifetime,
        refresh_token_lifetime=settings.refresh_token_lifetime,
        clock=settings.clock,
    )
    store = Store(storage, seed=settings.seed, clock=settings.clock)
    seed_store(store, realm, settings)
    admin = realm.users[settings.admin_email.lower()]
    faults = FaultSwitch(contract.operations, stand_in_subject=admin.user_id)
    faults.set(settings.fault, settings.fault_operations, settings.fault_delay)
    bodies = BodyFaults(contract)

    requests = RequestLog()
    app = web.Application(
        middlewares=[
            *([request_log_middleware(requests)] if settings.record_requests else []),
            error_middleware,
            routing_middleware(contract),
            auth_middleware(contract, realm, settings.openlayer_api_keys, stand_in_hook(faults)),
            validation_middleware(
                contract, settings, store.incoming_dir, accept_invalid_hook(faults, bodies)
            ),
            fault_middleware(faults, bodies),
        ]
    )
    app[SETTINGS], app[STORE], app[REALM], app[FAULTS] = settings, store, realm, faults
    app[REQUESTS] = requests
    add_token_routes(app, realm)
    add_fault_routes(app, faults, settings.admin_key, settings.fault_delay)
    add_api_route(app, contract, collect_handlers())
    if settings.storage_dir is None:

        async def remove_storage(_: web.Application) -> None:
            shutil.rmtree(storage, ignore_errors=True)

        app.on_cleanup.append(remove_storage)
    return app
