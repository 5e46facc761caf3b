"""Stage 1, route and identify: which operation of the contract a request is (404 and 405
otherwise) and which team sent it, by its gateway key (401 otherwise).

A path that could mean one thing here and another upstream is refused before matching (400
invalid-path): dot segments, and encoded slashes, backslashes or dots. What the upstream then
receives is not the client's path but the canonical path of the matched operation with its
parameters (`Operation.path_for`), plus the client's query string byte for byte - so the upstream
only ever sees the operation that was validated. Routing comes first so that an unknown path is
a 404 for everyone; the key is checked before any byte of the body is read.

An operation the contract marks anonymous (`security: []`) needs no key: a valid key still names
the team it is metered under, otherwise it is `anonymous`. Under an upstream with `unlisted:
forward`, a call no operation describes (an unknown path, or a documented path with another
method) is not refused but routed as operation `unlisted`, with its path as sent (already proven
canonical) and its shape kept for the drift report; it needs a gateway key like any other call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from gateway.contract import Contract, MethodNotAllowed, PathNotFound
from gateway.contract.path_shape import PathShaper
from gateway.credentials.inbound import KeyRing
from gateway.metrics import method_label
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.routes import Route
from gateway.problems import ProblemError, ProblemKind

_ENCODED_SEPARATOR = re.compile(r"%(?:2[fF]|5[cC]|2[eE])")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request goes: its route, its decoded path parameters, and the exact path and query
    the upstream receives."""

    route: Route
    path_params: dict[str, str]
    upstream_path_qs: str


def _path_refusal(raw_path: str) -> str | None:
    """Why a raw request path is not canonical, or None when it is (the usual path, with no `%`,
    backslash or dot segment, is told apart by substring tests alone)."""
    if "%" in raw_path and _ENCODED_SEPARATOR.search(raw_path):
        return "the path holds an encoded '/', '\\' or '.'; send the path unencoded"
    if "\\" in raw_path:
        return "the path holds a backslash"
    if ("/." in raw_path or raw_path.startswith(".")) and any(
        segment in (".", "..") for segment in raw_path.split("/")
    ):
        return "the path holds a '.' or '..' segment"
    return None


class Identify:
    """Finds a request's route and team, recording both on its exchange."""

    def __init__(
        self,
        contract: Contract,
        routes: Mapping[str, Route],
        keyring: KeyRing,
        unlisted: Sequence[tuple[str, Route]] = (),
    ) -> None:
        self.contract = contract
        self.routes = routes
        self.keyring = keyring
        self.unlisted = tuple(unlisted)  # (path prefix, route), longest prefix first
        self.shaper = PathShaper(op.path_template for op in contract.operations.values())

    def __call__(self, request: web.BaseRequest, exchange: Exchange) -> Target:
        """The request's target; raises ProblemError for 400 invalid-path, 404, 405 and 401."""
        raw_path, _, raw_query = request.raw_path.partition("?")
        refusal = _path_refusal(raw_path)
        if refusal is not None:
            raise ProblemError(ProblemKind.INVALID_PATH, refusal)
        try:
            operation, path_params = self.contract.match(request.method, request.path)
        except (PathNotFound, MethodNotAllowed) as unmatched:
            return self._unlisted(request, exchange, unmatched)
        route = self.routes[operation.operation_id]
        exchange.operation, exchange.upstream = operation.operation_id, route.upstream.name
        self._identify_team(request, exchange, required=not operation.anonymous)
        upstream_path = operation.path_for(path_params)
        return Target(route, path_params, f"{upstream_path}?{raw_query}" if raw_query else upstream_path)

    def _identify_team(self, request: web.BaseRequest, exchange: Exchange, *, required: bool) -> None:
        team = self.keyring.identify(request.headers)
        if team is not None:
            exchange.team = team.name
        elif required:
            raise ProblemError(
                ProblemKind.UNAUTHENTICATED,
                "send your team's gateway key as 'Authorization: Bearer <key>' or 'X-Gateway-Key'",
                headers={"WWW-Authenticate": 'Bearer realm="mlops-gateway"'},
            )

    def _unlisted(self, request: web.BaseRequest, exchange: Exchange, unmatched: LookupError) -> Target:
        """The unlisted route of the upstream whose paths hold this request, or the 404/405."""
        path = request.path
        route = next((r for prefix, r in self.unlisted if path.startswith(prefix)), None)
        if route is None:
            if isinstance(unmatched, MethodNotAllowed):
                raise ProblemError(
                    ProblemKind.METHOD_NOT_ALLOWED,
                    f"{path} takes {', '.join(unmatched.allowed)}, not {request.method}",
                    headers={"Allow": ", ".join(unmatched.allowed)},
                ) from None
            raise ProblemError(
                ProblemKind.NOT_FOUND, f"{path} is not a path of the contract", method=request.method
            ) from None
        exchange.operation, exchange.upstream = route.operation.operation_id, route.upstream.name
        self._identify_team(request, exchange, required=True)
        exchange.undocumented = (method_label(request.method), self.shaper.shape(path))
        return Target(route, {}, request.raw_path)
