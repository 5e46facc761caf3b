"""Running the gateway: an aiohttp AppRunner with handler cancellation on, so a client that
disconnects cancels its upstream call, and no aiohttp access log (the proxy logs one line)."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from aiohttp import web

from gateway.app import build_app
from gateway.config import GatewayConfig


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


async def start_gateway(config: GatewayConfig) -> RunningGateway:
    runner = web.AppRunner(build_app(config), handler_cancellation=True, access_log=None)
    # Parsed JSON bodies are short-lived, acyclic trees: let reference counting free them, and
    # keep the cyclic collector off the long-lived start-up objects (spec, validators, modules).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    return RunningGateway(runner, config.host, port)
