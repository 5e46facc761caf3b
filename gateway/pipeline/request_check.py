"""Stage 2, read and check the request: parameters, content type and body against the operation,
by the route's request policy, before anything is sent upstream.

JSON bodies are read whole (size-limited), parsed and validated. Multipart uploads have the form
fields before the file part read and validated, then the whole body streams on, file included.
Other bodies (octet-stream uploads) stream unread. `enforce` refuses a violating request with
400/415 problem+json; `report` records the violations and forwards the request anyway.
A GraphQL operation's body, once it fits its JSON Schema, is checked as a GraphQL request too
(`gateway.contract.graphql_request`): `enforce` refuses a bad one with 400 invalid-graphql, which
lists value-free GraphQL-style `errors`; a valid one has its root fields counted.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from gateway.config import LimitsConfig, Policy
from gateway.contract import (
    BodyKind,
    GraphQLChecker,
    GraphQLContract,
    GraphQLLimits,
    MediaTypeSpec,
    Violation,
    graphql_detail,
)
from gateway.contract.violations import header_excerpt
from gateway.pipeline.accounting import Accounting
from gateway.pipeline.client_body import read_body, stream_body
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.multipart import MultipartPrefixError, boundary_of, read_form_prefix
from gateway.pipeline.routes import Route
from gateway.problems import ProblemError, ProblemKind
from gateway.upstream.client import RequestBody


class RequestCheck:
    """Reads a request's body as its operation needs and settles its violations by policy."""

    def __init__(self, limits: LimitsConfig, accounting: Accounting) -> None:
        self.limits = limits
        self.accounting = accounting
        self.graphql = GraphQLChecker(GraphQLLimits(limits.graphql_max_depth, limits.graphql_max_root_fields))

    async def __call__(
        self, request: web.BaseRequest, route: Route, path_params: dict[str, str], exchange: Exchange
    ) -> RequestBody:
        """The body to forward: bytes for JSON, a stream for uploads, None when there is none."""
        op = route.operation
        check = route.request_policy is not Policy.OFF
        violations = op.parameter_violations(request.query, path_params) if check else []
        content_type = request.headers.get("Content-Type")
        if not request.body_exists:
            if check and op.body_required:
                detail = f"{op.operation_id} requires a body"
                violations.append(Violation("body", "", "required", "a request body", "no body", detail))
                self._settle(route, exchange, violations, ProblemKind.EMPTY_BODY, detail)
            self._settle(route, exchange, violations)
            return None
        media = op.request_media.find(content_type)
        if media is None and check and op.request_media:
            accepted = ", ".join(op.request_media.keys)
            sent = header_excerpt(content_type) if content_type else "no Content-Type"
            detail = f"{op.operation_id} accepts {accepted}, not {sent}"
            violations.append(Violation("header", "/Content-Type", "content-type", accepted, sent, detail))
            self._settle(route, exchange, violations, ProblemKind.UNSUPPORTED_MEDIA_TYPE, detail)
        kind = media.kind if media is not None else BodyKind.BINARY
        if kind is BodyKind.JSON:
            raw = await read_body(request, self.limits.max_json_body_bytes, self.limits.client_idle_timeout)
            if check and media is not None and media.validator is not None:
                try:
                    parsed = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    detail = f"request body is not JSON: {exc}"
                    malformed = Violation("body", "", "json", "a JSON document", "malformed JSON", detail)
                    violations.append(malformed)
                    self._settle(route, exchange, violations, ProblemKind.MALFORMED_JSON, detail)
                else:
                    found = media.validator.violations(parsed, "body")
                    violations += found
                    if op.graphql is not None and not found:
                        self._graphql(route, exchange, op.graphql, parsed, violations)
            self._settle(route, exchange, violations)
            exchange.request_bytes = len(raw)
            return raw
        limit = self.limits.max_upload_bytes
        if request.content_length is not None and request.content_length > limit:
            raise ProblemError(ProblemKind.BODY_TOO_LARGE, f"the body is limited to {limit} bytes")
        prefix = b""
        if kind is BodyKind.MULTIPART and check and media is not None and media.validator is not None:
            prefix, found = await self._form_violations(request, media, content_type)
            violations += found
        self._settle(route, exchange, violations)
        return stream_body(prefix, request, limit, self.limits.client_idle_timeout, exchange)

    async def _form_violations(
        self, request: web.BaseRequest, media: MediaTypeSpec, content_type: str | None
    ) -> tuple[bytes, list[Violation]]:
        """The bytes read up to the file part, and how the form fields before it break the schema."""
        assert media.validator is not None
        boundary = boundary_of(content_type or "")
        if boundary is None:
            raise ProblemError(
                ProblemKind.INVALID_REQUEST, "multipart/form-data without a boundary parameter"
            )
        try:
            prefix = await read_form_prefix(
                request.content,
                boundary,
                self.limits.max_multipart_fields_bytes,
                self.limits.client_idle_timeout,
            )
        except MultipartPrefixError as exc:
            raise ProblemError(ProblemKind.INVALID_REQUEST, str(exc)) from None
        fields: dict[str, Any] = {name: media.form_value(name, text) for name, text in prefix.fields.items()}
        fields.update((name, "<file>") for name in prefix.files)
        found = media.validator.violations(fields, "body")
        if prefix.files:  # a field missing here may only come after the file: say so
            found = [_sent_after(v, prefix.files[0]) if v.kind == "required" else v for v in found]
        return prefix.consumed, found

    def _graphql(
        self,
        route: Route,
        exchange: Exchange,
        contract: GraphQLContract,
        body: Any,
        violations: list[Violation],
    ) -> None:
        """Check a GraphQL request: settle its problems, or count its root fields."""
        query, problems = self.graphql.check(contract, body)
        if problems:
            violations += [p.violation() for p in problems]
            errors = [p.as_error() for p in problems]
            self._settle(
                route,
                exchange,
                violations,
                ProblemKind.INVALID_GRAPHQL,
                graphql_detail(problems),
                errors=errors,
            )
        elif query is not None:
            exchange.graphql = query  # the answer is checked by it, the access line names its fields
            self.accounting.graphql_fields(exchange, query)

    def _settle(
        self,
        route: Route,
        exchange: Exchange,
        violations: list[Violation],
        kind: ProblemKind = ProblemKind.INVALID_REQUEST,
        detail: str | None = None,
        **extra: Any,
    ) -> None:
        """Enforce: refuse the request. Report: count and log, then forward it anyway."""
        if not violations:
            return
        self.accounting.record_violations(exchange, "request", violations)
        op_id = route.operation.operation_id
        if route.request_policy is Policy.ENFORCE:
            raise ProblemError(
                kind,
                detail or f"the request breaks the contract of {op_id} in {len(violations)} place(s)",
                violations=[v.as_dict() for v in violations],
                operation=op_id,
                **extra,
            )
        exchange.request_violations += len(violations)
        violations.clear()


def _sent_after(violation: Violation, file_part: str) -> Violation:
    """A required form field that did not come before the file part, told as such."""
    name = violation.pointer.lstrip("/")
    return Violation(
        violation.location,
        violation.pointer,
        violation.kind,
        f"form field {name!r} before the file part",
        f"not before the file part {file_part!r}",
        f"send the form field {name!r} before the file part {file_part!r}: the gateway checks the fields "
        "that precede the file, and streams the file without reading it",
    )
