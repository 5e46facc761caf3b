"""The reference the gateway is measured against: a bare aiohttp reverse proxy, no validation, no
metrics, no logs - read the request, forward it on one shared ClientSession, relay the answer.

    python -m benchmarks.bare_proxy --port N --upstream http://127.0.0.1:M [--loop uvloop]

It runs on the event loop it is told to (`--loop asyncio|uvloop`), the gateway's being measured on
the same one, so the ratio "gateway / bare" in `benchmarks.proxy_throughput` is the cost of the
gateway's own pipeline.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvloop
from aiohttp import ClientSession, TCPConnector, web

_DROP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def bare_proxy(upstream: str) -> web.Application:
    async def session_context(app: web.Application):  # type: ignore[no-untyped-def]
        app["session"] = ClientSession(connector=TCPConnector(limit=100))
        yield
        await app["session"].close()

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP}
        body = await request.read()
        session: ClientSession = request.app["session"]
        async with session.request(
            request.method, upstream + request.path_qs, data=body, headers=headers
        ) as r:
            payload = await r.read()
            return web.Response(body=payload, status=r.status, content_type=r.content_type)

    app = web.Application(client_max_size=64 * 2**20)
    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def serve(make_app: Callable[[str], web.Application], description: str | None) -> None:
    """The command line of a reference proxy: `--port`, `--upstream`, `--loop`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    loop = uvloop.new_event_loop() if args.loop == "uvloop" else None
    app = make_app(args.upstream.rstrip("/"))
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, loop=loop)


if __name__ == "__main__":
    serve(bare_proxy, __doc__)
