"""Which handler answers a request: one of the gateway's own endpoints (GET or HEAD on its exact
path), or else the proxy.

The server calls this directly (aiohttp's low-level `web.Server`), not through an application
router and middleware chain: the proxy answers every path but five, so a dict look-up is all the
dispatch it needs, and the router's per-request resolving, match info and middleware layers took
about 4% of a small request's time in a py-spy profile. What the router did besides is done here:
a request sent with `Expect: 100-continue` (HTTP/1.1) is told to go on before its handler reads
the body; any other expectation is ignored (RFC 9110 section 10.1.1 allows that).

A problem an own endpoint raises is its answer; any other failure there is answered 500
problem+json and logged with its traceback. The proxy answers its own failures
(`gateway.pipeline.handler`); anything that still escapes reaches the server's error page, which
is problem+json too (`gateway.server`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import HttpVersion11, web

from gateway.problems import ProblemError, ProblemKind, problem_response

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_READS = frozenset({"GET", "HEAD"})

log = logging.getLogger("mlops_gateway")


class Dispatch:
    """Answers a request with its own endpoint's handler, or the proxy's."""

    def __init__(self, endpoints: Mapping[str, Handler], proxy: Handler) -> None:
        self.endpoints = dict(endpoints)
        self.proxy = proxy

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        if "Expect" in request.headers:
            await _go_on(request)
        endpoint = self.endpoints.get(request.path) if request.method in _READS else None
        if endpoint is None:
            return await self.proxy(request)
        try:
            return await endpoint(request)
        except ProblemError as problem:
            return problem_response(problem, instance=request.path, request_id=None)
        except Exception:
            log.exception("unhandled error", extra={"path": request.path})
            error = ProblemError(ProblemKind.INTERNAL_ERROR, "the gateway failed to handle this request")
            return problem_response(error, instance=request.path, request_id=None)


async def _go_on(request: web.BaseRequest) -> None:
    """Send `100 Continue` to an HTTP/1.1 client that waits for it before sending its body."""
    if request.version == HttpVersion11 and request.headers["Expect"].lower() == "100-continue":
        await request.writer.write(CONTINUE)
        request.writer.output_size = 0  # the interim answer is not the answer (see GuardedHandler)
