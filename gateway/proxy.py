"""The request pipeline: one handler for every spec operation.

For each request: take or make a request id, match the operation in the compiled contract, identify
the team by its gateway key, validate the request (parameters, content type, body) by the route's
policy, obtain upstream credentials, forward (bodies streamed where they may be large), validate
the response by policy and size, then count, log one line and answer. Every failure on the way is a
`ProblemError` rendered as problem+json.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from gateway.config import LimitsConfig, ValidationConfig
from gateway.contract import (
    BINARY,
    JSON,
    MULTIPART,
    Contract,
    MethodNotAllowed,
    Operation,
    PathNotFound,
    Violation,
)
from gateway.credentials.inbound import KeyRing
from gateway.forward import UpstreamClient, client_response_headers, upstream_request_headers
from gateway.metrics import UNMATCHED, GatewayMetrics
from gateway.multipart import MultipartPrefixError, boundary_of, read_form_prefix
from gateway.problems import (
    BODY_TOO_LARGE,
    EMPTY_BODY,
    INVALID_REQUEST,
    INVALID_RESPONSE,
    MALFORMED_JSON,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    REQUEST_TIMEOUT,
    UNAUTHENTICATED,
    UNSUPPORTED_MEDIA_TYPE,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    ProblemError,
    problem_response,
)
from gateway.violations import DriftReport

REQUEST_ID_HEADER = "X-Request-ID"
VIOLATIONS_HEADER = "X-Gateway-Contract-Violations"
REQUEST_VIOLATIONS_HEADER = "X-Gateway-Request-Violations"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("mlops_gateway.access")
contract_log = logging.getLogger("mlops_gateway.contract")


@dataclass(frozen=True, slots=True)
class Route:
    """Where an operation goes and how strictly each direction is checked (compiled at start)."""

    operation: Operation
    upstream: UpstreamClient
    request_policy: str
    response_policy: str


@dataclass(slots=True)
class _Exchange:
    """What one request has accumulated for its metrics and its log line."""

    request_id: str
    operation: str = UNMATCHED
    upstream: str = "none"
    team: str = "anonymous"
    status: int = 500
    request_violations: int = 0
    response_violations: int = 0
    request_bytes: int = 0
    response_bytes: int = 0
    streamed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _request_id(offered: str | None) -> str:
    if offered and _REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class Proxy:
    """Answers every request that is not one of the gateway's own endpoints."""

    def __init__(
        self,
        contract: Contract,
        routes: dict[str, Route],
        keyring: KeyRing,
        metrics: GatewayMetrics,
        drift: DriftReport,
        validation: ValidationConfig,
        limits: LimitsConfig,
    ) -> None:
        self.contract = contract
        self.routes = routes
        self.keyring = keyring
        self.metrics = metrics
        self.drift = drift
        self.validation = validation
        self.limits = limits

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        state = _Exchange(_request_id(request.headers.get(REQUEST_ID_HEADER)))
        self.metrics.in_flight.inc()
        try:
            response = await self._handle(request, state)
            state.status = response.status
            if not state.streamed:
                state.response_bytes = response.content_length or 0
            return response
        except ProblemError as error:
            if error.kind in (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT):
                kind = "timeout" if error.kind is UPSTREAM_TIMEOUT else "unavailable"
                self.metrics.upstream_errors.labels(state.upstream, kind).inc()
            if state.streamed:  # headers already sent: all that is left is to cut the connection
                state.status = 502
                raise
            response = problem_response(error, instance=request.path, request_id=state.request_id)
            response.headers[REQUEST_ID_HEADER] = state.request_id
            state.status = response.status
            return response
        finally:
            self.metrics.in_flight.dec()
            self._account(request, state, time.perf_counter() - started)

    async def _handle(self, request: web.Request, state: _Exchange) -> web.StreamResponse:
        try:
            operation, path_params = self.contract.match(request.method, request.path)
        except PathNotFound:
            raise ProblemError(
                NOT_FOUND, f"{request.path} is not a path of the contract", method=request.method
            ) from None
        except MethodNotAllowed as exc:
            raise ProblemError(
                METHOD_NOT_ALLOWED,
                f"{request.path} takes {', '.join(exc.allowed)}, not {request.method}",
                headers={"Allow": ", ".join(exc.allowed)},
            ) from None
        route = self.routes[operation.operation_id]
        state.operation, state.upstream = operation.operation_id, route.upstream.name
        team = self.keyring.identify(request.headers)
        if team is None:
            raise ProblemError(
                UNAUTHENTICATED,
                "send your team's gateway key as 'Authorization: Bearer <key>' or 'X-Gateway-Key'",
                headers={"WWW-Authenticate": 'Bearer realm="mlops-gateway"'},
            )
        state.team = team.name
        data = await self._request_body(request, route, path_params, state)
        authorization = await route.upstream.credentials.authorization(request.headers)
        headers = upstream_request_headers(request, state.request_id, authorization)
        sent = time.perf_counter()
        async with route.upstream.exchange(request.method, request.path_qs, headers, data) as upstream:
            self.metrics.upstream_duration.labels(state.operation, state.upstream).observe(
                time.perf_counter() - sent
            )
            response = await self._relay(request, route, upstream, state)
        if state.request_violations:
            response.headers[REQUEST_VIOLATIONS_HEADER] = str(state.request_violations)
        return response

    # -- request -------------------------------------------------------------------------------

    async def _request_body(
        self, request: web.Request, route: Route, path_params: dict[str, str], state: _Exchange
    ) -> Any:
        op, policy = route.operation, route.request_policy
        check = policy != "off"
        violations = op.parameter_violations(request.query, path_params) if check else []
        content_type = request.headers.get("Content-Type")
        if not request.body_exists:
            if check and op.body_required:
                detail = f"{op.operation_id} requires a body"
                violations.append(Violation("body", "", "required", "a request body", "no body", detail))
                self._settle_request(route, state, violations, EMPTY_BODY, detail)
            self._settle_request(route, state, violations)
            return None
        media = op.request_media.find(content_type)
        if media is None and check and op.request_media:
            accepted = ", ".join(op.request_media.keys)
            detail = f"{op.operation_id} accepts {accepted}, not {content_type or 'no Content-Type'}"
            violations.append(
                Violation(
                    "header",
                    "/Content-Type",
                    "content-type",
                    ", ".join(op.request_media.keys),
                    str(content_type),
                    detail,
                )
            )
            self._settle_request(route, state, violations, UNSUPPORTED_MEDIA_TYPE, detail)
        kind = media.kind if media is not None else BINARY
        if kind == JSON:
            raw = await _read_limited(
                request, self.limits.max_json_body_bytes, self.limits.client_idle_timeout
            )
            if check and media is not None and media.validator is not None:
                try:
                    parsed = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    detail = f"request body is not JSON: {exc}"
                    violations.append(
                        Violation("body", "", "json", "a JSON document", "malformed JSON", detail)
                    )
                    self._settle_request(route, state, violations, MALFORMED_JSON, detail)
                else:
                    violations += media.validator.violations(parsed, "body")
            self._settle_request(route, state, violations)
            state.request_bytes = len(raw)
            return raw
        if kind == MULTIPART and check and media is not None and media.validator is not None:
            boundary = boundary_of(content_type or "")
            if boundary is None:
                raise ProblemError(INVALID_REQUEST, "multipart/form-data without a boundary parameter")
            try:
                prefix = await read_form_prefix(
                    request.content, boundary, self.limits.max_multipart_fields_bytes
                )
            except MultipartPrefixError as exc:
                raise ProblemError(INVALID_REQUEST, str(exc)) from None
            fields: dict[str, Any] = {
                name: media.form_value(name, text) for name, text in prefix.fields.items()
            }
            fields.update((name, "<file>") for name in prefix.files)
            violations += media.validator.violations(fields, "body")
            self._settle_request(route, state, violations)
            return _stream_body(
                prefix.consumed, request, self.limits.max_upload_bytes, self.limits.client_idle_timeout, state
            )
        self._settle_request(route, state, violations)
        if request.content_length is not None and request.content_length > self.limits.max_upload_bytes:
            raise ProblemError(BODY_TOO_LARGE, f"the body is limited to {self.limits.max_upload_bytes} bytes")
        return _stream_body(
            b"", request, self.limits.max_upload_bytes, self.limits.client_idle_timeout, state
        )

    def _settle_request(
        self,
        route: Route,
        state: _Exchange,
        violations: list[Violation],
        kind: Any = INVALID_REQUEST,
        detail: str | None = None,
    ) -> None:
        """Enforce: refuse the request. Report: count and log, then forward it anyway."""
        if not violations:
            return
        op_id = route.operation.operation_id
        if route.request_policy == "enforce":
            self._record(op_id, "request", violations, state.request_id)
            raise ProblemError(
                kind,
                detail or f"the request breaks the contract of {op_id} in {len(violations)} place(s)",
                violations=violations,
                operation=op_id,
            )
        if violations:
            self._record(op_id, "request", violations, state.request_id)
            state.request_violations += len(violations)
            violations.clear()

    # -- response ------------------------------------------------------------------------------

    async def _relay(
        self, request: web.Request, route: Route, upstream: aiohttp.ClientResponse, state: _Exchange
    ) -> web.StreamResponse:
        op, policy = route.operation, route.response_policy
        headers = client_response_headers(upstream.headers)
        headers[REQUEST_ID_HEADER] = state.request_id
        if policy == "off":
            self.metrics.unvalidated.labels(state.operation, "policy_off").inc()
            return await self._pass_through(request, upstream, headers, state)
        violations: list[Violation] = []
        table = op.response_media(upstream.status)
        media = None
        if table is None:
            documented = ", ".join(sorted(op.responses))
            violations.append(
                Violation(
                    "response",
                    "",
                    "status",
                    f"one of {documented}",
                    str(upstream.status),
                    f"status {upstream.status} is not documented for {op.operation_id}",
                )
            )
        elif table:
            content_type = upstream.headers.get("Content-Type")
            media = table.find(content_type)
            if media is None:
                violations.append(
                    Violation(
                        "response",
                        "",
                        "content-type",
                        ", ".join(table.keys),
                        str(content_type),
                        f"content type {content_type} is not documented for status {upstream.status}",
                    )
                )
        body = b""
        if media is not None and media.kind == JSON and media.validator is not None:
            limit = self.validation.max_response_bytes
            if upstream.content_length is not None and upstream.content_length > limit:
                self.metrics.unvalidated.labels(state.operation, "too_large").inc()
            else:
                body, complete = await _read_up_to(upstream, limit)
                if not complete:
                    self.metrics.unvalidated.labels(state.operation, "too_large").inc()
                    return await self._stream(request, upstream, headers, body, state)
                try:
                    parsed = orjson.loads(body)
                except orjson.JSONDecodeError as exc:
                    violations.append(
                        Violation("response", "", "json", "a JSON body", "malformed JSON", str(exc))
                    )
                else:
                    violations += media.validator.violations(parsed, "response")
                if not violations:
                    return web.Response(body=body, status=upstream.status, headers=headers)
        elif not violations:
            self.metrics.unvalidated.labels(state.operation, "not_json").inc()
            return await self._pass_through(request, upstream, headers, state)
        if violations:
            self._record(op.operation_id, "response", violations, state.request_id)
            state.response_violations = len(violations)
            if policy == "enforce":
                raise ProblemError(
                    INVALID_RESPONSE,
                    f"upstream {route.upstream.name!r} answered {op.operation_id} with status "
                    f"{upstream.status} that breaks the contract in {len(violations)} place(s)",
                    violations=violations,
                    operation=op.operation_id,
                    upstream=route.upstream.name,
                    upstream_status=upstream.status,
                )
            headers[VIOLATIONS_HEADER] = str(len(violations))
        if body or upstream.content.at_eof():
            return web.Response(body=body, status=upstream.status, headers=headers)
        return await self._stream(request, upstream, headers, body, state)

    async def _pass_through(
        self, request: web.Request, upstream: aiohttp.ClientResponse, headers: Any, state: _Exchange
    ) -> web.StreamResponse:
        """Relay unchecked: small bodies in one piece (cheapest), large or unsized ones streamed."""
        length = upstream.content_length
        if length is not None and length <= self.validation.max_response_bytes:
            body = await upstream.read()
            return web.Response(body=body, status=upstream.status, headers=headers)
        return await self._stream(request, upstream, headers, b"", state)

    async def _stream(
        self,
        request: web.Request,
        upstream: aiohttp.ClientResponse,
        headers: Any,
        prefix: bytes,
        state: _Exchange,
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=upstream.status, headers=headers)
        if upstream.content_length is not None:
            response.content_length = upstream.content_length
        await response.prepare(request)
        state.streamed = True
        state.response_bytes = len(prefix)
        if prefix:
            await response.write(prefix)
        async for chunk in upstream.content.iter_any():
            state.response_bytes += len(chunk)
            await response.write(chunk)
        await response.write_eof()
        return response

    # -- accounting ----------------------------------------------------------------------------

    def _record(self, operation: str, direction: str, violations: list[Violation], request_id: str) -> None:
        self.drift.record(operation, direction, violations, request_id)
        for v in violations:
            self.metrics.violations.labels(operation, direction, v.kind).inc()
        contract_log.warning(
            "contract violation",
            extra={
                "request_id": request_id,
                "operation": operation,
                "direction": direction,
                "violations": [v.as_dict() for v in violations[:20]],
            },
        )

    def _account(self, request: web.Request, state: _Exchange, elapsed: float) -> None:
        m = self.metrics
        m.requests.labels(
            state.operation, request.method, str(state.status), state.team, state.upstream
        ).inc()
        m.request_duration.labels(state.operation, state.upstream).observe(elapsed)
        if state.operation != UNMATCHED:
            m.request_bytes.labels(state.operation).observe(state.request_bytes)
            m.response_bytes.labels(state.operation).observe(state.response_bytes)
        access_log.info(
            "request",
            extra={
                "request_id": state.request_id,
                "team": state.team,
                "operation": state.operation,
                "method": request.method,
                "status": state.status,
                "upstream": state.upstream,
                "duration_ms": round(elapsed * 1000, 3),
                "request_violations": state.request_violations,
                "response_violations": state.response_violations,
            },
        )


async def _client_chunks(request: web.Request, idle_timeout: float) -> AsyncIterator[bytes]:
    """The request body's chunks; a client that sends nothing for `idle_timeout` seconds gets 408."""
    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                chunk = await request.content.readany()
        except TimeoutError:
            raise ProblemError(
                REQUEST_TIMEOUT, f"the request body stalled for more than {idle_timeout:g} seconds"
            ) from None
        if not chunk:
            return
        yield chunk


async def _read_limited(request: web.Request, limit: int, idle_timeout: float) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise ProblemError(BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
    if length is not None:  # the common case: one read, one timer
        try:
            async with asyncio.timeout(idle_timeout):
                return await request.content.readexactly(length)
        except TimeoutError:
            raise ProblemError(
                REQUEST_TIMEOUT, f"the request body did not arrive within {idle_timeout:g} seconds"
            ) from None
        except asyncio.IncompleteReadError as exc:
            raise ProblemError(MALFORMED_JSON, "the request body is shorter than its Content-Length") from exc
    chunks, size = [], 0
    async for chunk in _client_chunks(request, idle_timeout):
        size += len(chunk)
        if size > limit:
            raise ProblemError(BODY_TOO_LARGE, f"JSON bodies are limited to {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_up_to(upstream: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Read the response body up to `limit` bytes; False when more remains unread."""
    if upstream.content_length is not None and upstream.content_length <= limit:
        return await upstream.read(), True  # sized and small enough: one read
    chunks, size = [], 0
    async for chunk in upstream.content.iter_any():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), upstream.content.at_eof()
    return b"".join(chunks), True


async def _stream_body(
    prefix: bytes, request: web.Request, limit: int, idle_timeout: float, state: _Exchange
) -> AsyncIterator[bytes]:
    """The request body as it arrives, cut off with 413 past `limit` bytes."""
    state.request_bytes = len(prefix)
    if prefix:
        yield prefix
    async for chunk in _client_chunks(request, idle_timeout):
        state.request_bytes += len(chunk)
        if state.request_bytes > limit:
            raise ProblemError(BODY_TOO_LARGE, f"the body is limited to {limit} bytes")
        yield chunk
