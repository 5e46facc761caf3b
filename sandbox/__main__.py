"""`python -m sandbox`: run the sandbox upstreams (token endpoint, MLOps API, Openlayer) until
Ctrl-C, printing their URLs and the demo credentials.

`--fault NAME` (or SANDBOX_FAULT) starts it with one contract fault switched on, limited by
`--fault-operations` (SANDBOX_FAULT_OPERATIONS, comma-separated operationIds) and timed by
`--fault-delay` (SANDBOX_FAULT_DELAY); see `sandbox.core.fault_switch`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping
from dataclasses import replace

from sandbox.core.fault_switch import DEFAULT_DELAY, Fault, FaultError, parse_fault, parse_operations
from sandbox.core.settings import SandboxSettings
from sandbox.server import SandboxServer, start_sandbox


def _fault(value: str) -> Fault | None:
    try:
        return parse_fault(value)
    except FaultError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _operations(value: str) -> tuple[str, ...] | None:
    selected = parse_operations(value)
    return tuple(sorted(selected)) if selected is not None else None


def parse_args(argv: list[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    """The command line, with the SANDBOX_* environment variables as the fault options' defaults."""
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
    parser.add_argument(
        "--fault",
        type=_fault,
        default=environ.get("SANDBOX_FAULT"),
        help=f"switch one contract fault on (env SANDBOX_FAULT): {', '.join(Fault)}",
    )
    parser.add_argument(
        "--fault-operations",
        type=_operations,
        default=environ.get("SANDBOX_FAULT_OPERATIONS"),
        metavar="ID,ID",
        help="limit the fault to these operationIds (env SANDBOX_FAULT_OPERATIONS; default: all)",
    )
    parser.add_argument(
        "--fault-delay",
        type=float,
        default=environ.get("SANDBOX_FAULT_DELAY", DEFAULT_DELAY),
        help=f"seconds slow_response holds answers back (env SANDBOX_FAULT_DELAY; default {DEFAULT_DELAY})",
    )
    parser.add_argument(
        "--admin-key",
        default=environ.get("SANDBOX_ADMIN_KEY", SandboxSettings().admin_key),
        help="bearer key of the /_sandbox/fault admin endpoint (env SANDBOX_ADMIN_KEY)",
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> SandboxSettings:
    """The settings `python -m sandbox` runs with."""
    return replace(
        SandboxSettings(),
        seed=args.seed,
        access_token_lifetime=args.token_lifetime,
        deployment_start_delay=args.deploy_delay,
        fault=args.fault,
        fault_operations=args.fault_operations,
        fault_delay=args.fault_delay,
        admin_key=args.admin_key,
    )


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
            f"  fault switch   : {server.url}/_sandbox/fault (Bearer {settings.admin_key}); "
            f"now {settings.fault or 'off'}",
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
    args = parse_args(argv, os.environ)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings_from(args), args.host, args.port))
    except FaultError as exc:  # e.g. an operationId the spec does not have
        raise SystemExit(f"python -m sandbox: {exc}") from None


if __name__ == "__main__":
    main()
