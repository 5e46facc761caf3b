"""Stage 1, route and identify: which operation of the contract a request is (404 and 405
otherwise) and which team sent it, by its gateway key (401 otherwise).

Routing comes first so that an unknown path is a 404 for everyone; the key is checked before any
byte of the body is read.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from gateway.contract import Contract, MethodNotAllowed, PathNotFound
from gateway.credentials.inbound import KeyRing
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.routes import Route
from gateway.problems import ProblemError, ProblemKind


class Identify:
    """Finds a request's route and team, recording both on its exchange."""

    def __init__(self, contract: Contract, routes: Mapping[str, Route], keyring: KeyRing) -> None:
        self.contract = contract
        self.routes = routes
        self.keyring = keyring

    def __call__(self, request: web.Request, exchange: Exchange) -> tuple[Route, dict[str, str]]:
        """The request's route and path parameters; raises ProblemError for 404, 405 and 401."""
        try:
            operation, path_params = self.contract.match(request.method, request.path)
        except PathNotFound:
            raise ProblemError(
                ProblemKind.NOT_FOUND, f"{request.path} is not a path of the contract", method=request.method
            ) from None
        except MethodNotAllowed as exc:
            raise ProblemError(
                ProblemKind.METHOD_NOT_ALLOWED,
                f"{request.path} takes {', '.join(exc.allowed)}, not {request.method}",
                headers={"Allow": ", ".join(exc.allowed)},
            ) from None
        route = self.routes[operation.operation_id]
        exchange.operation, exchange.upstream = operation.operation_id, route.upstream.name
        team = self.keyring.identify(request.headers)
        if team is None:
            raise ProblemError(
                ProblemKind.UNAUTHENTICATED,
                "send your team's gateway key as 'Authorization: Bearer <key>' or 'X-Gateway-Key'",
                headers={"WWW-Authenticate": 'Bearer realm="mlops-gateway"'},
            )
        exchange.team = team.name
        return route, path_params
