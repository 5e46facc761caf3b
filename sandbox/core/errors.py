"""Errors of the sandbox's API and the outermost middleware that answers them.

Handlers and middlewares raise `ApiError` (or the store's `UnknownEntity` / `DuplicateName`,
answered 404 / 409); anything else is a bug: it is logged and answered as a 500 Error body, so a
client never sees a stack trace or a non-JSON error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.typedefs import Handler

from gateway.contract import Violation
from sandbox.core.responses import error_response
from sandbox.core.store import DuplicateName, UnknownEntity

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success: HTTP status, message, extra headers, schema violations."""

    def __init__(
        self,
        status: int,
        msg: str,
        *,
        headers: Mapping[str, str] | None = None,
        violations: Sequence[Violation] = (),
    ) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg
        self.headers = dict(headers or {})
        self.violations = tuple(violations)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.msg, headers=exc.headers, violations=exc.violations)
    except UnknownEntity as exc:
        return error_response(404, str(exc))
    except DuplicateName as exc:
        return error_response(409, str(exc))
    except (ConnectionError, BadHttpMessage) as exc:
        return error_response(400, f"the request body could not be read: {exc}")
    except Exception:
        log.exception("unhandled error answering %s %s", request.method, request.path)
        return error_response(500, "internal sandbox error")
