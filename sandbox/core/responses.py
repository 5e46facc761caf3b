"""JSON responses of the sandbox: success bodies and the spec's shared `Error` body.

Bodies are serialised with orjson. Every error answers `{"msg": ..., "code": <status>}` (plus
the schema violations when a request failed validation), as components/schemas/Error describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from aiohttp import web

from gateway.contract import Violation

JSON = "application/json"


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type=JSON)


def error_response(
    status: int,
    msg: str,
    *,
    headers: Mapping[str, str] | None = None,
    violations: Sequence[Violation] = (),
) -> web.Response:
    payload: dict[str, Any] = {"msg": msg, "code": status}
    if violations:
        payload["violations"] = [v.as_dict() for v in violations]
    response = json_response(payload, status)
    response.headers.update(headers or {})
    return response
