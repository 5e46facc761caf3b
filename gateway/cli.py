"""The `mlops-gateway` command: serve | demo | conformance | spec-check."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from openapi_spec_validator import validate as validate_spec

from conformance import cli as conformance_cli
from gateway.config import MAX_WORKERS, ConfigError, load_config
from gateway.contract import DEFAULT_SPEC_PATH, Contract, ContractError, read_spec
from gateway.credentials.upstream import NoCredentials
from gateway.logs import configure_logging
from gateway.pipeline.routes import bind_routes
from gateway.upstream.client import UpstreamClient
from gateway.workers import serve as serve_gateway
from gateway.workers import wait_for_stop

# Nothing imported above imports prometheus_client: `gateway.workers` must switch it to
# multiprocess mode first when there are several workers (tests/gateway/unit pins it).


def missing_extra(extra: str, exc: ModuleNotFoundError) -> str:
    """The one-line error for a command whose optional dependencies (`extra`) are not installed."""
    return f"needs the [{extra}] extra (no module {exc.name!r}): pip install 'mlops-gateway[{extra}]'"


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be an integer from 1 to {MAX_WORKERS}")
    return int(text)


def _spec_check(spec: Path, config_path: Path | None) -> str:
    """Validate the spec (and the config against it); answer a summary or raise with the reason."""
    document, digest = read_spec(spec)  # unreadable, not YAML, no paths: its own ContractError
    try:
        validate_spec(document)
    except Exception as exc:  # openapi-spec-validator's errors carry the reason
        raise ContractError(f"{spec} is not a valid OpenAPI document: {exc}") from exc
    contract = Contract(document, digest, spec.parent)
    summary = (
        f"{spec}: valid OpenAPI {document.get('openapi')}, {len(contract.operations)} operations compiled"
    )
    if config_path is not None:
        config = load_config(config_path)
        upstreams = {u.name: UpstreamClient(u, NoCredentials()) for u in config.upstreams}
        same_spec = (config.spec_path or DEFAULT_SPEC_PATH).resolve() == spec.resolve()
        routes = bind_routes(contract if same_spec else Contract.load(config.spec_path), config, upstreams)
        summary += f"\n{config_path}: valid, {len(routes)} operations routed to {', '.join(upstreams)}"
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlops-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway from a YAML config")
    serve.add_argument("--config", required=True, type=Path)
    serve.add_argument("--workers", type=_workers, help="processes serving (default: listen.workers, 1)")
    demo = commands.add_parser("demo", help="run the sandbox and a gateway in front of it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    check = commands.add_parser("spec-check", help="validate the spec and, optionally, a config")
    check.add_argument("--spec", type=Path, default=DEFAULT_SPEC_PATH)
    check.add_argument("--config", type=Path)
    conformance_cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "conformance":
        return conformance_cli.run(args)
    try:
        if args.command == "spec-check":
            print(_spec_check(args.spec, args.config))
            return 0
        if args.command == "serve":
            config = load_config(args.config)
            if args.workers is not None:
                config = dataclasses.replace(config, workers=args.workers)
            configure_logging(config.log_level, with_pid=config.workers > 1)
            return serve_gateway(config)
        else:
            configure_logging("WARNING")
            try:
                from gateway.demo import run_demo  # the sandbox is only imported for the demo
            except ModuleNotFoundError as exc:  # its dependencies are the [sandbox] extra
                print(f"mlops-gateway demo: {missing_extra('sandbox', exc)}", file=sys.stderr)
                return 2

            asyncio.run(run_demo(args.host, args.port, wait_for_stop))
    except (ConfigError, ContractError) as exc:
        print(f"mlops-gateway: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mlops-gateway: cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
