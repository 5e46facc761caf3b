"""`python -m sandbox`: run the sandbox upstreams (token endpoint, MLOps API, Openlayer) until
Ctrl-C, printing their URLs and the demo credentials."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from dataclasses import replace

from sandbox.server import SandboxServer, start_sandbox
from sandbox.settings import SandboxSettings


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port to listen on (default 9000; 0: any)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated state (default 0)")
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, help="access token lifetime in seconds (default 3600)"
    )
    parser.add_argument(
        "--deploy-delay", type=float, default=1.0, help="seconds a deployment stays Starting (default 1.0)"
    )
    return parser.parse_args(argv)


def _banner(server: SandboxServer, settings: SandboxSettings) -> str:
    return "\n".join(
        [
            f"mlops sandbox listening on {server.url}",
            f"  token endpoint : {server.token_url}",
            f"  MLOps API      : {server.mlops_url}",
            f"  Openlayer API  : {server.openlayer_url}",
            f"  client         : {settings.client_id} / {settings.client_secret} (HTTP Basic)",
            f"  admin user     : {settings.admin_email} / {settings.admin_password} (password grant)",
            f"  Openlayer key  : {', '.join(settings.openlayer_api_keys)}",
            "Ctrl-C to stop.",
        ]
    )


async def _serve(settings: SandboxSettings, host: str, port: int) -> None:
    server = await start_sandbox(settings, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(_banner(server, settings), flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    settings = replace(
        SandboxSettings(),
        seed=args.seed,
        access_token_lifetime=args.token_lifetime,
        deployment_start_delay=args.deploy_delay,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, args.host, args.port))


if __name__ == "__main__":
    main()
