"""The spec as the sandbox's route table: one catch-all route, matched against the contract.

`routing_middleware` finds the spec operation for each request that reached the catch-all route
(the token endpoint has routes of its own and passes through): unknown paths answer 404, known
paths with another method 405 with `Allow`. `add_api_route` registers the catch-all, whose
handler dispatches by operationId; an operation without a handler answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from gateway.contract import Contract, MethodNotAllowed, PathNotFound
from sandbox.core.context import OPERATION, PATH_PARAMS
from sandbox.core.errors import ApiError

API_ROUTE = "api"


def routing_middleware(contract: Contract) -> Middleware:
    @web.middleware
    async def route(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.route.name != API_ROUTE:
            return await handler(request)
        raw_path = request.rel_url.raw_path
        try:
            operation, params = contract.match(request.method, raw_path)
        except PathNotFound:
            raise ApiError(404, f"no operation at {request.path}") from None
        except MethodNotAllowed as exc:
            raise ApiError(
                405,
                f"{request.method} is not allowed on {request.path}",
                headers={"Allow": ", ".join(exc.allowed)},
            ) from None
        request[OPERATION] = operation
        request[PATH_PARAMS] = {name: unquote(value) for name, value in params.items()}
        return await handler(request)

    return route


def add_api_route(app: web.Application, contract: Contract, handlers: Mapping[str, Handler]) -> None:
    """Serve every spec operation through `handlers` (operationId -> handler)."""
    unknown = sorted(set(handlers) - set(contract.operations))
    if unknown:
        raise ValueError(f"handlers for operations the spec does not have: {', '.join(unknown)}")

    async def dispatch(request: web.Request) -> web.StreamResponse:
        operation = request[OPERATION]
        handler = handlers.get(operation.operation_id)
        if handler is None:
            raise ApiError(404, f"{operation.operation_id} is not implemented by the sandbox")
        return await handler(request)

    # [\s\S]: a decoded path may hold a newline (%0A), which `.` would not match
    app.router.add_route("*", r"/{tail:[\s\S]*}", dispatch, name=API_ROUTE)
