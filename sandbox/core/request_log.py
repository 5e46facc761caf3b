"""Every request the sandbox received, when asked to keep them: method, path, the spec operation
it matched (None for unknown paths and undeclared methods), whether it carried credentials, and
the status answered.

This is the evidence behind the conformance suite's safety promise: a run proves "skipped means
no request at all" by reading the log of the sandbox it ran against. Off by default
(`SandboxSettings.record_requests`), so a long-running sandbox does not grow a list forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sandbox.core.context import OPERATION


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    operation_id: str | None
    authenticated: bool
    status: int


class RequestLog:
    """The requests received, oldest first."""

    def __init__(self) -> None:
        self.entries: list[LoggedRequest] = []

    def operations(self) -> set[str]:
        """The operationIds that received at least one request."""
        return {entry.operation_id for entry in self.entries if entry.operation_id is not None}

    def to(self, operation_ids: Iterable[str]) -> list[LoggedRequest]:
        """The requests that reached any of `operation_ids`."""
        wanted = set(operation_ids)
        return [entry for entry in self.entries if entry.operation_id in wanted]


def request_log_middleware(log: RequestLog) -> Middleware:
    """Outermost: records each request with the answer the other middlewares made of it."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        operation = request.get(OPERATION)
        log.entries.append(
            LoggedRequest(
                request.method,
                request.path,
                operation.operation_id if operation is not None else None,
                "Authorization" in request.headers,
                response.status,
            )
        )
        return response

    return record


REQUESTS = web.AppKey("requests", RequestLog)
