"""Problem details (RFC 9457): every failure the gateway answers, one stable kind each.

Each kind is a small frozen dataclass instance with a stable `type` URI, a human title and the
HTTP status; `problem_response(...)` renders it as `application/problem+json`, which also carries
the upstream's own `{msg, code}` members so clients written for the MLOps API can read it.
Handlers never build error bodies by hand: they raise `ProblemError(kind, detail, ...)` and the
proxy (or the app's last-resort middleware) renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from gateway.contract import Violation

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://mlops-gateway.dev/problems/"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """One kind of failure: its URI slug, title and status."""

    slug: str
    title: str
    status: int

    @property
    def type_uri(self) -> str:
        return TYPE_BASE + self.slug


# -- the client's request ----------------------------------------------------------------------
UNAUTHENTICATED = ProblemKind("unauthenticated", "Missing or unknown gateway key", 401)
NOT_FOUND = ProblemKind("not-found", "No such operation", 404)
METHOD_NOT_ALLOWED = ProblemKind("method-not-allowed", "Method not allowed for this path", 405)
UNSUPPORTED_MEDIA_TYPE = ProblemKind("unsupported-media-type", "Content type not accepted here", 415)
MALFORMED_JSON = ProblemKind("malformed-json", "Request body is not valid JSON", 400)
EMPTY_BODY = ProblemKind("empty-body", "Request body is required", 400)
INVALID_REQUEST = ProblemKind("invalid-request", "Request does not match the contract", 400)
BODY_TOO_LARGE = ProblemKind("body-too-large", "Request body exceeds the size limit", 413)
REQUEST_TIMEOUT = ProblemKind("request-timeout", "Request body arrived too slowly", 408)
# -- the upstream ------------------------------------------------------------------------------
UPSTREAM_UNAVAILABLE = ProblemKind("upstream-unavailable", "Upstream refused or reset the connection", 502)
UPSTREAM_TIMEOUT = ProblemKind("upstream-timeout", "Upstream did not answer in time", 504)
INVALID_RESPONSE = ProblemKind("invalid-response", "Upstream response does not match the contract", 502)
UPSTREAM_AUTH_FAILED = ProblemKind("upstream-auth-failed", "Could not obtain upstream credentials", 502)
# -- the gateway itself ------------------------------------------------------------------------
INTERNAL_ERROR = ProblemKind("internal-error", "Internal gateway error", 500)


class ProblemError(Exception):
    """Raised anywhere in request handling; the middleware answers it as problem+json."""

    def __init__(
        self,
        kind: ProblemKind,
        detail: str,
        *,
        violations: Iterable[Violation] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.violations = list(violations)
        self.headers = dict(headers or {})
        self.extra = extra


def problem_body(
    kind: ProblemKind,
    detail: str,
    *,
    instance: str | None = None,
    request_id: str | None = None,
    violations: Iterable[Violation] = (),
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind.type_uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        # extension members in the MLOps API's own error shape: the official Wallaroo client
        # parses every error body as {msg, code} and fails on anything else
        "msg": detail,
        "code": kind.status,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    listed = [v.as_dict() for v in violations]
    if listed:
        body["violations"] = listed
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(error: ProblemError, *, instance: str | None, request_id: str | None) -> web.Response:
    body = problem_body(
        error.kind,
        error.detail,
        instance=instance,
        request_id=request_id,
        violations=error.violations,
        **error.extra,
    )
    return web.Response(
        body=orjson.dumps(body),
        status=error.kind.status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=error.headers,
    )
