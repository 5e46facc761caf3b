"""Stage 4, check and relay the answer: status, content type and JSON body against the operation,
by the route's response policy and the size limit, then the answer to the client.

Sized answers up to `max_response_bytes` are read in one piece, checked and sent whole; larger or
unsized ones are streamed on as they arrive (and counted as unvalidated). `enforce` turns a
violating answer into 502 invalid-response; `report` passes it on with the violations header.

Large answers (`large_response_bytes`, 256 KiB by default) cost milliseconds to parse, so under
`report` they are relayed first and checked after the client has them: a violation is still
counted, logged and reported, but the violations header cannot follow. A route's
`large_response_sample` checks only that fraction of its large answers; the rest are relayed
unread and counted as unvalidated (`sampled_out`).
The answer to a valid GraphQL request also has its `data` checked against the types of the
query's selection (`gateway.contract.graphql_response`), its violations settled like any other.

While streaming, reading the upstream and writing to the client fail apart: an upstream read
raises `UpstreamError`; a client that is gone, or that accepts nothing for `client_idle_timeout`,
ends the relay as the client's doing (`exchange.client_gone`, counted as 499).
"""

from __future__ import annotations

import asyncio
import random
from contextlib import aclosing

import orjson
from aiohttp import web

from gateway.config import LimitsConfig, Policy, ValidationConfig
from gateway.contract import BodyKind, MediaTypeSpec, Operation, Violation, data_violations
from gateway.pipeline.accounting import Accounting
from gateway.pipeline.exchange import REQUEST_ID_HEADER, VIOLATIONS_HEADER, Exchange
from gateway.pipeline.routes import Route
from gateway.problems import ProblemError, ProblemKind
from gateway.upstream.answer import UpstreamAnswer
from gateway.upstream.headers import relay_response_headers


class ResponseCheck:
    """Checks an upstream answer by policy and relays it to the client."""

    def __init__(self, validation: ValidationConfig, limits: LimitsConfig, accounting: Accounting) -> None:
        self.max_bytes = validation.max_response_bytes
        self.large_bytes = validation.large_response_bytes
        self.client_idle_timeout = limits.client_idle_timeout
        self.accounting = accounting

    async def __call__(
        self, request: web.BaseRequest, route: Route, upstream: UpstreamAnswer, exchange: Exchange
    ) -> web.StreamResponse:
        if route.response_policy is Policy.OFF:
            self.accounting.unvalidated(exchange, "unlisted" if route.unlisted else "policy_off")
            return await self._pass_through(request, upstream, exchange)
        op = route.operation
        violations, media = _framing_violations(op, upstream)
        body = b""
        if media is not None and media.kind is BodyKind.JSON and media.validator is not None:
            if upstream.content_length is not None and upstream.content_length > self.max_bytes:
                self.accounting.unvalidated(exchange, "too_large")
            else:
                body, complete = await upstream.read_up_to(self.max_bytes)
                if not complete:
                    self.accounting.unvalidated(exchange, "too_large")
                    return await self._stream(request, upstream, body, exchange)
                if len(body) >= self.large_bytes:
                    if random.random() >= route.large_response_sample:
                        self.accounting.unvalidated(exchange, "sampled_out")
                        return _whole(upstream, exchange, body)
                    if route.response_policy is Policy.REPORT:  # the client does not wait for the check
                        response = await self._stream(request, upstream, body, exchange)
                        found = _body_violations(media, body, exchange)
                        if found:
                            self._settle(route, upstream, exchange, found)
                        return response
                violations += _body_violations(media, body, exchange)
                if not violations:
                    return _whole(upstream, exchange, body)
        elif not violations:
            self.accounting.unvalidated(exchange, "not_json")
            return await self._pass_through(request, upstream, exchange)
        if violations:
            self._settle(route, upstream, exchange, violations)
        if body or upstream.at_eof():
            return _whole(upstream, exchange, body, len(violations))
        return await self._stream(request, upstream, body, exchange, len(violations))

    def _settle(
        self, route: Route, upstream: UpstreamAnswer, exchange: Exchange, violations: list[Violation]
    ) -> None:
        """Record the answer's violations; under `enforce`, refuse it with 502 invalid-response."""
        op_id = route.operation.operation_id
        self.accounting.record_violations(exchange, "response", violations)
        exchange.response_violations = len(violations)
        if route.response_policy is Policy.ENFORCE:
            raise ProblemError(
                ProblemKind.INVALID_RESPONSE,
                f"upstream {route.upstream.name!r} answered {op_id} with status "
                f"{upstream.status} that breaks the contract in {len(violations)} place(s)",
                violations=[v.as_dict() for v in violations],
                operation=op_id,
                upstream=route.upstream.name,
                upstream_status=upstream.status,
            )

    async def _pass_through(
        self, request: web.BaseRequest, upstream: UpstreamAnswer, exchange: Exchange
    ) -> web.StreamResponse:
        """Relay unchecked: small bodies in one piece (cheapest), large or unsized ones streamed."""
        length = upstream.content_length
        if length is not None and length <= self.max_bytes:
            return _whole(upstream, exchange, await upstream.read())
        return await self._stream(request, upstream, b"", exchange)

    async def _stream(
        self,
        request: web.BaseRequest,
        upstream: UpstreamAnswer,
        prefix: bytes,
        exchange: Exchange,
        violations: int = 0,
    ) -> web.StreamResponse:
        """Send the answer's headers, `prefix`, then the rest of the upstream body as it arrives."""
        response = web.StreamResponse(status=upstream.status)
        _relay_headers(upstream, exchange, response, violations)
        if upstream.content_length is not None:
            response.content_length = upstream.content_length
        elif upstream.at_eof():  # the whole body is in `prefix`
            response.content_length = len(prefix)
        await response.prepare(request)
        exchange.streamed = True
        exchange.response_bytes = 0
        if prefix and not await self._send(response, prefix, exchange):
            return response
        async with aclosing(upstream.chunks()) as chunks:
            async for chunk in chunks:
                if not await self._send(response, chunk, exchange):
                    return response
        await response.write_eof()
        return response

    async def _send(self, response: web.StreamResponse, chunk: bytes, exchange: Exchange) -> bool:
        """Write one chunk to the client; False when the client is gone or stopped reading."""
        try:
            async with asyncio.timeout(self.client_idle_timeout):
                await response.write(chunk)
        except (ConnectionResetError, TimeoutError):
            exchange.client_gone = True
            return False
        exchange.response_bytes += len(chunk)
        return True


def _whole(upstream: UpstreamAnswer, exchange: Exchange, body: bytes, violations: int = 0) -> web.Response:
    """The answer sent in one piece."""
    response = web.Response(body=body, status=upstream.status)
    _relay_headers(upstream, exchange, response, violations)
    return response


def _relay_headers(
    upstream: UpstreamAnswer, exchange: Exchange, response: web.StreamResponse, violations: int
) -> None:
    """The upstream's headers on the answer, with the request id and any violations count."""
    headers = response.headers
    relay_response_headers(upstream.headers, headers)
    headers[REQUEST_ID_HEADER] = exchange.request_id
    if violations:
        headers[VIOLATIONS_HEADER] = str(violations)


def _body_violations(media: MediaTypeSpec, body: bytes, exchange: Exchange) -> list[Violation]:
    """How a JSON answer breaks its schema (and, for a GraphQL request, its query's types)."""
    assert media.validator is not None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return [Violation("response", "", "json", "a JSON body", "malformed JSON", str(exc))]
    found = media.validator.violations(parsed, "response")
    if exchange.graphql is not None:
        found += data_violations(exchange.graphql, parsed)
    return found


def _framing_violations(
    op: Operation, upstream: UpstreamAnswer
) -> tuple[list[Violation], MediaTypeSpec | None]:
    """An undocumented status or content type, and the documented media type the answer has."""
    table = op.response_media(upstream.status)
    if table is None:
        documented = ", ".join(sorted(op.responses))
        detail = f"status {upstream.status} is not documented for {op.operation_id}"
        return [
            Violation("response", "", "status", f"one of {documented}", str(upstream.status), detail)
        ], None
    if not table:
        return [], None
    content_type = upstream.headers.get("Content-Type")
    media = table.find(content_type)
    if media is None:
        detail = f"content type {content_type} is not documented for status {upstream.status}"
        return [
            Violation("response", "", "content-type", ", ".join(table.keys), str(content_type), detail)
        ], None
    return [], media
