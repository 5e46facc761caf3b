"""Running the gateway: an aiohttp AppRunner with handler cancellation on, so a client that
disconnects cancels its upstream call, and no aiohttp access log (the proxy logs one line).

aiohttp's connection handler (`web_protocol.RequestHandler`) has no timeout for reading a request's
head: a client that trickles its request line and headers (slowloris) holds its connection
forever. `GuardedHandler`, a small subclass the runner's `web.Server` creates for every
connection, adds three things:

- a header timeout (`limits.header_timeout`): a timer armed when the connection opens, and on a
  kept-alive connection when the first byte of its next request arrives; it is disarmed when the
  parser has the whole head (aiohttp's per-connection request count goes up). If it fires, the
  connection is closed without an answer. Idle kept-alive connections close after
  `KEEPALIVE_TIMEOUT`; body reads have their own idle timeout (`client_idle_timeout`, 408);
- a cap on open connections (`limits.max_client_connections`): a connection opened beyond it
  has its requests answered 503 too-many-connections and is then closed;
- problem+json for what aiohttp refuses before any handler runs (a bad request line, method or
  header, an over-long line, an ambiguous length): 400 bad-request, logged as one INFO line
  without a traceback; anything else reaching aiohttp's error page is a gateway bug, answered 500
  internal-error and logged at ERROR with its traceback (in the JSON line, see `gateway.logs`).

It relies on `RequestHandler` internals (`_waiter`, `_messages`, `_request_count`,
`_request_handler`, `handle_error`) and on `web.Server`'s; tests/gateway/reliability pins them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import socket
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from gateway.app import DISPATCH, build_app
from gateway.config import GatewayConfig, LimitsConfig
from gateway.pipeline.exchange import REQUEST_ID_HEADER, request_id
from gateway.problems import ProblemError, ProblemKind, problem_response

BACKLOG = 1024  # pending connections the listening socket queues
KEEPALIVE_TIMEOUT = 75.0  # seconds an idle kept-alive connection stays open (aiohttp's run_app default)

_QUOTED_BYTES = re.compile(r":?\s*(?:bytearray\()?b['\"]")

log = logging.getLogger("mlops_gateway.server")


class GuardedServer(web.Server):
    """aiohttp's low-level server, making `GuardedHandler`s with the gateway's limits."""

    def __init__(self, limits: LimitsConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits

    def __call__(self) -> RequestHandler:
        return GuardedHandler(self, loop=self._loop, **self._kwargs)


class GuardedHandler(RequestHandler):
    """One client connection: aiohttp's handler plus a header timeout, the connection cap and
    problem+json error pages."""

    __slots__ = ("_head_timer", "_heads", "_limits")

    def __init__(self, manager: GuardedServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._limits = manager.limits
        self._head_timer: asyncio.TimerHandle | None = None
        self._heads = 0  # request heads parsed so far (aiohttp's _request_count when last seen)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(self._manager, GuardedServer)
        if len(self._manager.connections) >= self._limits.max_client_connections:
            self._request_handler = self._refuse_busy
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        # the first bytes of the next request on a kept-alive connection start its head's clock,
        # unless they hold the whole head (the usual case: no timer to make and cancel)
        starts_head = self._head_timer is None and self._waiter is not None and not self._messages
        super().data_received(data)
        if self._request_count != self._heads:  # the parser has a whole head (or refused one)
            self._heads = self._request_count
            self._disarm()
        elif starts_head and self.transport is not None:
            self._arm()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self._loop.call_later(self._limits.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        log.info(
            "request head timed out",
            extra={"peer": _peer(self), "header_timeout": self._limits.header_timeout},
        )
        self.force_close()

    async def _refuse_busy(self, request: BaseRequest) -> web.StreamResponse:
        cap, rid = self._limits.max_client_connections, request_id(request.headers.get(REQUEST_ID_HEADER))
        log.warning("too many connections", extra={"peer": request.remote, "max_client_connections": cap})
        detail = f"the gateway has {cap} open connections; retry later"
        headers = {"Retry-After": "1", REQUEST_ID_HEADER: rid}
        response = problem_response(
            ProblemError(ProblemKind.TOO_MANY_CONNECTIONS, detail, headers=headers),
            instance=request.path,
            request_id=rid,
        )
        response.force_close()
        return response

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's error page, as problem+json and one log line (see the module docstring)."""
        if request.writer.output_size > 0:  # an answer is under way: all that is left is to cut it
            raise ConnectionError("response already started, cannot send the error page")
        rid = request_id(request.headers.get(REQUEST_ID_HEADER))
        if status == 400:
            reason = _reason(message or str(exc))
            log.info("malformed request", extra={"peer": request.remote, "reason": reason, "request_id": rid})
            error = ProblemError(ProblemKind.BAD_REQUEST, f"the request is not valid HTTP/1.1: {reason}")
        else:
            log.error(
                "unhandled error in the HTTP server",
                exc_info=exc,
                extra={"peer": request.remote, "status": status, "request_id": rid},
            )
            error = ProblemError(ProblemKind.INTERNAL_ERROR, "the gateway failed to handle this request")
        response = problem_response(error, instance=None, request_id=rid)
        response.headers[REQUEST_ID_HEADER] = rid
        response.force_close()
        return response


def _reason(message: str) -> str:
    """aiohttp's parser message without the client's bytes it may quote (first line, no b'...')."""
    first = _QUOTED_BYTES.split(message.strip(), maxsplit=1)[0].splitlines()
    return first[0].strip().rstrip(":.") if first and first[0].strip() else "malformed request"


def _peer(handler: RequestHandler) -> str | None:
    peer = handler.peername
    return peer[0] if isinstance(peer, tuple) else peer


class GatewayRunner(web.AppRunner):
    """`web.AppRunner` whose server makes `GuardedHandler`s and hands every request to the app's
    `DISPATCH` (no router, no middleware chain: `gateway.dispatch`)."""

    def __init__(self, app: web.Application, limits: LimitsConfig, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts the app up; its settings are reused
        return GuardedServer(
            self.limits,
            self.app[DISPATCH],
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            **plain._kwargs,
        )


@dataclass(slots=True)
class RunningGateway:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_gateway(config: GatewayConfig, sock: socket.socket | None = None) -> RunningGateway:
    """Serve `config` on its host and port, or on `sock`, a listening socket shared by several
    workers. `close()` is graceful: the listening socket is closed first, requests in flight get
    `shutdown_timeout` seconds to finish (then they are cancelled), idle connections are closed."""
    runner = GatewayRunner(
        build_app(config),
        config.limits,
        handler_cancellation=True,
        access_log=None,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=config.shutdown_timeout,
    )
    # Parsed JSON bodies are short-lived, acyclic trees: let reference counting free them, and
    # keep the cyclic collector off the long-lived start-up objects (spec, validators, modules).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    await runner.setup()
    site: web.BaseSite
    if sock is None:
        site = web.TCPSite(runner, config.host, config.port, backlog=BACKLOG)
    else:
        site = web.SockSite(runner, sock, backlog=BACKLOG)
    await site.start()
    port = runner.addresses[0][1]
    return RunningGateway(runner, config.host, port)
