"""Running the conformance suite from tests: settings parsed from argv exactly as the CLI parses
them, credentials for a sandbox, the run itself on a worker thread (the sandbox and gateway under
test serve from the test's event loop meanwhile), and what "conforms" means here."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence

import pytest

from conformance.options import add_options, settings_from
from conformance.plan import RunPlan
from conformance.results import Finding, RunResult
from conformance.runner import run_conformance
from conformance.settings import ConformanceSettings
from gateway.cli import main
from gateway.contract import Contract
from sandbox import SandboxServer


def sandbox_argv(sandbox: SandboxServer, *extra: str) -> list[str]:
    """CLI arguments for a run against `sandbox` with every credential it needs."""
    settings = sandbox.settings
    return [
        "--base-url", sandbox.url,
        "--token-url", sandbox.token_url,
        "--client-id", settings.client_id,
        "--client-secret", settings.client_secret,
        "--username", settings.admin_email,
        "--password", settings.admin_password,
        "--api-key", settings.openlayer_api_keys[0],
        *extra,
    ]  # fmt: skip


def parse_settings(argv: Sequence[str]) -> ConformanceSettings:
    parser = argparse.ArgumentParser()
    add_options(parser.add_argument)
    return settings_from(vars(parser.parse_args(list(argv))), {})


async def run_suite(argv: Sequence[str], contract: Contract) -> tuple[RunPlan, RunResult]:
    plan, result = await asyncio.to_thread(run_conformance, parse_settings(argv), contract=contract)
    assert result is not None
    return plan, result


async def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`mlops-gateway conformance ARGV` on a worker thread: exit status, stdout, stderr."""
    status = await asyncio.to_thread(main, ["conformance", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def describe(result: RunResult, findings: Iterable[Finding] | None = None) -> str:
    """The findings (all, or those given) and errors, for assertion messages."""
    shown = result.findings if findings is None else findings
    lines = [f"{f.operation} {f.check} ({f.phase}): {f.title}: {f.message}\n{f.curl}" for f in shown]
    lines += [f"error {e.operation}: {e.title}: {e.message}" for e in result.errors]
    return "\n\n".join(lines) or "(nothing)"


def assert_conforms(result: RunResult) -> None:
    """Nothing reported at all."""
    assert not result.findings and not result.errors, describe(result, result.findings)
