"""The edge of the pipeline: one handler for every spec operation, running the stages in order and
answering every failure on the way as problem+json.

Typed errors of the lower layers become problems here and only here: `UpstreamTimeout` is 504
upstream-timeout, `UpstreamUnavailable` 502 upstream-unavailable, `CredentialsUnavailable` 503
upstream-auth-unavailable (with Retry-After), `CredentialsRefused` 502 upstream-auth-failed (both
also counted as `identity_provider` upstream errors), `TokenRejected` 503 upstream-token-rejected,
and anything unexpected 500 internal-error (logged with its traceback).
Every answer carries X-Request-ID. Once a streamed answer's headers are sent, a failure can only
cut the connection (counted as 502). A client that disconnects, or stops reading, is counted as
499, nginx's "client closed request", never as an upstream or gateway error.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from gateway.credentials.errors import CredentialsError, CredentialsUnavailable, TokenRejected
from gateway.pipeline.accounting import Accounting
from gateway.pipeline.exchange import (
    CLIENT_CLOSED_REQUEST,
    REQUEST_ID_HEADER,
    REQUEST_VIOLATIONS_HEADER,
    Exchange,
    request_id,
)
from gateway.pipeline.forward import Forward
from gateway.pipeline.identify import Identify
from gateway.pipeline.request_check import RequestCheck
from gateway.pipeline.response_check import ResponseCheck
from gateway.problems import ProblemError, ProblemKind, problem_response
from gateway.upstream.errors import UpstreamError, UpstreamTimeout

log = logging.getLogger("mlops_gateway.proxy")
_TYPED = (ProblemError, UpstreamError, CredentialsError)


class Proxy:
    """Answers every request that is not one of the gateway's own endpoints."""

    def __init__(
        self,
        identify: Identify,
        request_check: RequestCheck,
        forward: Forward,
        response_check: ResponseCheck,
        accounting: Accounting,
    ) -> None:
        self.identify = identify
        self.request_check = request_check
        self.forward = forward
        self.response_check = response_check
        self.accounting = accounting

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.perf_counter()
        exchange = Exchange(request_id(request.headers.get(REQUEST_ID_HEADER)))
        self.accounting.metrics.in_flight.inc()
        try:
            response = await self._run(request, exchange)
            if exchange.client_gone:
                return self._cut(request, exchange, CLIENT_CLOSED_REQUEST)
            exchange.status, exchange.source = response.status, "upstream"
            if not exchange.streamed:
                exchange.response_bytes = response.content_length or 0
            return response
        except asyncio.CancelledError:  # the client disconnected: aiohttp cancels its handler
            exchange.status = CLIENT_CLOSED_REQUEST
            raise
        except Exception as failure:
            problem = self._problem(failure, exchange)
            if exchange.streamed:  # headers already sent: all that is left is to cut the connection
                log.warning(
                    "answer cut short",
                    extra={"request_id": exchange.request_id, "problem": problem.kind.value},
                )
                return self._cut(request, exchange, 502)
            response = problem_response(problem, instance=request.path, request_id=exchange.request_id)
            response.headers[REQUEST_ID_HEADER] = exchange.request_id
            exchange.status = response.status
            return response
        finally:
            self.accounting.metrics.in_flight.dec()
            self.accounting.finish(request, exchange, time.perf_counter() - started)

    async def _run(self, request: web.BaseRequest, exchange: Exchange) -> web.StreamResponse:
        target = self.identify(request, exchange)
        body = await self.request_check(request, target.route, target.path_params, exchange)
        async with await self.forward(request, target, body, exchange) as upstream:
            response = await self.response_check(request, target.route, upstream, exchange)
        if exchange.request_violations:
            response.headers[REQUEST_VIOLATIONS_HEADER] = str(exchange.request_violations)
        return response

    @staticmethod
    def _cut(request: web.BaseRequest, exchange: Exchange, status: int) -> web.StreamResponse:
        """Abort the connection so the client cannot take a cut answer for a whole one."""
        exchange.status = status
        if request.transport is not None:
            request.transport.abort()
        return web.StreamResponse(status=status)  # aiohttp's own finishing write fails quietly

    def _problem(self, failure: Exception, exchange: Exchange) -> ProblemError:
        """The problem a failure is answered with; upstream failures are also counted."""
        if isinstance(failure, ProblemError):
            return failure
        if not isinstance(failure, _TYPED):
            log.exception("unhandled error", extra={"request_id": exchange.request_id})
            return ProblemError(ProblemKind.INTERNAL_ERROR, "the gateway failed to handle this request")
        if isinstance(failure, UpstreamError):
            timeout = isinstance(failure, UpstreamTimeout)
            self.accounting.upstream_failed(exchange, "timeout" if timeout else "unavailable")
            kind = ProblemKind.UPSTREAM_TIMEOUT if timeout else ProblemKind.UPSTREAM_UNAVAILABLE
            return ProblemError(kind, str(failure), upstream=failure.upstream)
        assert isinstance(failure, CredentialsError)
        return self._credentials_problem(failure, exchange)

    def _credentials_problem(self, failure: CredentialsError, exchange: Exchange) -> ProblemError:
        """No usable upstream token: the identity provider's fault (503 or 502), or a stale token
        the upstream refused during an upload that cannot be replayed (503)."""
        upstream = exchange.upstream
        if isinstance(failure, TokenRejected):
            return ProblemError(
                ProblemKind.UPSTREAM_TOKEN_REJECTED,
                str(failure),
                headers={"Retry-After": "1"},
                upstream=upstream,
            )
        self.accounting.upstream_failed(exchange, "identity_provider")
        name = failure.credential_set
        if isinstance(failure, CredentialsUnavailable):
            retry = {"Retry-After": str(failure.retry_after)}
            return ProblemError(
                ProblemKind.UPSTREAM_AUTH_UNAVAILABLE,
                str(failure),
                headers=retry,
                upstream=upstream,
                credential_set=name,
            )
        return ProblemError(
            ProblemKind.UPSTREAM_AUTH_FAILED, str(failure), upstream=upstream, credential_set=name
        )
