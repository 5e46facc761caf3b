"""Problem details (RFC 9457): every failure the gateway answers, one stable kind each, and the only
place HTTP error bodies are rendered.

Each `ProblemKind` member has a stable `type` URI slug, a human headline (the `title` member) and
the HTTP status. Request handling raises `ProblemError(kind, detail, ...)`; the edge renders it with
`problem_response`, which also carries the MLOps API's own `{msg, code}` members so clients
written for that API can read it. Lower layers (upstream client, credentials) raise their own
typed errors and never know about HTTP answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import orjson
from aiohttp import web

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://mlops-gateway.dev/problems/"


class ProblemKind(StrEnum):
    """One kind of failure: its URI slug (the value), headline and HTTP status."""

    headline: str
    status: int

    def __new__(cls, slug: str, headline: str, status: int) -> ProblemKind:
        member = str.__new__(cls, slug)
        member._value_ = slug
        member.headline = headline
        member.status = status
        return member

    @property
    def type_uri(self) -> str:
        return TYPE_BASE + self.value

    # the client's request
    BAD_REQUEST = ("bad-request", "Request is not valid HTTP/1.1", 400)
    UNAUTHENTICATED = ("unauthenticated", "Missing or unknown gateway key", 401)
    INVALID_PATH = ("invalid-path", "Request path is not in canonical form", 400)
    NOT_FOUND = ("not-found", "No such operation", 404)
    METHOD_NOT_ALLOWED = ("method-not-allowed", "Method not allowed for this path", 405)
    UNSUPPORTED_MEDIA_TYPE = ("unsupported-media-type", "Content type not accepted here", 415)
    MALFORMED_JSON = ("malformed-json", "Request body is not valid JSON", 400)
    EMPTY_BODY = ("empty-body", "Request body is required", 400)
    INVALID_REQUEST = ("invalid-request", "Request does not match the contract", 400)
    INVALID_GRAPHQL = ("invalid-graphql", "GraphQL request does not match the schema", 400)
    BODY_TOO_LARGE = ("body-too-large", "Request body exceeds the size limit", 413)
    REQUEST_TIMEOUT = ("request-timeout", "Request body arrived too slowly", 408)
    # the upstream
    UPSTREAM_UNAVAILABLE = ("upstream-unavailable", "Upstream refused or reset the connection", 502)
    UPSTREAM_TIMEOUT = ("upstream-timeout", "Upstream did not answer in time", 504)
    INVALID_RESPONSE = ("invalid-response", "Upstream response does not match the contract", 502)
    UPSTREAM_AUTH_FAILED = (
        "upstream-auth-failed",
        "The identity provider refused the gateway's credentials",
        502,
    )
    UPSTREAM_AUTH_UNAVAILABLE = (
        "upstream-auth-unavailable",
        "Upstream credentials are unavailable for now",
        503,
    )
    UPSTREAM_TOKEN_REJECTED = (
        "upstream-token-rejected",
        "Upstream refused the token; send the upload again",
        503,
    )
    # the gateway itself
    TOO_MANY_CONNECTIONS = ("too-many-connections", "Gateway has too many open connections", 503)
    INTERNAL_ERROR = ("internal-error", "Internal gateway error", 500)


class ProblemError(Exception):
    """Raised anywhere in request handling; the edge answers it as problem+json.

    `violations` are rendered as given (each a mapping of location, pointer, kind, expected,
    found, message); `extra` members (operation, upstream, ...) are added when not None.
    """

    def __init__(
        self,
        kind: ProblemKind,
        detail: str,
        *,
        violations: Iterable[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.violations = [dict(v) for v in violations]
        self.headers = dict(headers or {})
        self.extra = extra


def problem_body(error: ProblemError, *, instance: str | None, request_id: str | None) -> dict[str, Any]:
    kind = error.kind
    body: dict[str, Any] = {
        "type": kind.type_uri,
        "title": kind.headline,
        "status": kind.status,
        "detail": error.detail,
        # extension members in the MLOps API's own error shape: the official Wallaroo client
        # parses every error body as {msg, code} and fails on anything else
        "msg": error.detail,
        "code": kind.status,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if error.violations:
        body["violations"] = error.violations
    body.update({k: v for k, v in error.extra.items() if v is not None})
    return body


def problem_response(error: ProblemError, *, instance: str | None, request_id: str | None) -> web.Response:
    return web.Response(
        body=orjson.dumps(problem_body(error, instance=instance, request_id=request_id)),
        status=error.kind.status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=error.headers,
    )
