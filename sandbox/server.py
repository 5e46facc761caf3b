"""Running the sandbox on a real socket: `start_sandbox` binds, fixes the token issuer to the
bound address, and answers a `SandboxServer` with its URLs and an async `close`."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.contract import Contract
from sandbox.app import build_sandbox_app
from sandbox.core.context import FAULTS, REALM, SETTINGS, STORE
from sandbox.core.fault_switch import FaultSwitch
from sandbox.core.request_log import REQUESTS, RequestLog
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import Store


@dataclass(slots=True)
class SandboxServer:
    """A running sandbox: its app (store, realm, settings), where it listens, how to stop it."""

    app: web.Application
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def settings(self) -> SandboxSettings:
        return self.app[SETTINGS]

    @property
    def store(self) -> Store:
        return self.app[STORE]

    @property
    def faults(self) -> FaultSwitch:
        return self.app[FAULTS]

    @property
    def requests(self) -> RequestLog:
        """What the sandbox received (empty unless `record_requests` is set)."""
        return self.app[REQUESTS]

    @property
    def token_url(self) -> str:
        return self.app[REALM].issuer_for(self.url) + "/protocol/openid-connect/token"

    @property
    def mlops_url(self) -> str:
        return f"{self.url}/v1/api"

    @property
    def openlayer_url(self) -> str:
        return f"{self.url}/v1"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(
    settings: SandboxSettings | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    contract: Contract | None = None,
) -> SandboxServer:
    app = build_sandbox_app(settings, contract)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1]
    server = SandboxServer(app, runner, host, bound_port)
    app[REALM].set_base_url(server.url)
    return server
