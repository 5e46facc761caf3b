""" "Skipped" means no request at all, proven by the sandbox's own request log: a read-only run and
an include/exclude run send nothing to the operations they report as skipped, every selected
operation is called, and undeclared-method probes are safe methods unless writes are allowed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conformance.selection import OperationPlan
from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.request_log import RequestLog
from tests.support.conformance import assert_conforms, run_suite, sandbox_argv
from tests.support.sandbox import sandbox_settings

SAFE = {"GET", "HEAD", "OPTIONS", "TRACE", "QUERY"}


@pytest.fixture
async def recording(tmp_path: Path, contract: Contract) -> AsyncIterator[SandboxServer]:
    server = await start_sandbox(sandbox_settings(tmp_path, record_requests=True), contract=contract)
    yield server
    await server.close()


def assert_only_selected_called(log: RequestLog, plan: OperationPlan) -> None:
    skipped = {op.operation_id for op in plan.skipped}
    touched = log.to(skipped)
    assert not touched, f"{len(touched)} requests to skipped operations, e.g. {touched[:3]}"
    assert log.operations() == set(plan.operation_ids)


def probe_methods(log: RequestLog, server: SandboxServer) -> set[str]:
    """Methods of the API requests that matched no operation (undeclared-method probes)."""
    token_path = server.token_url.removeprefix(server.url)
    return {e.method for e in log.entries if e.operation_id is None and e.path != token_path}


async def test_a_read_only_run_sends_nothing_to_write_operations(
    recording: SandboxServer, contract: Contract
) -> None:
    plan, result = await run_suite(sandbox_argv(recording, "--max-examples", "1", "--seed", "7"), contract)
    writes = {op.operation_id for op in contract.operations.values() if op.spec.get("x-mlops-writes")}
    assert writes and {op.operation_id for op in plan.operations.skipped} == writes
    assert_only_selected_called(recording.requests, plan.operations)
    assert {"GET", "OPTIONS", "TRACE"} <= probe_methods(recording.requests, recording) <= SAFE
    assert_conforms(result)


async def test_an_include_exclude_run_sends_nothing_outside_its_selection(
    recording: SandboxServer, contract: Contract
) -> None:
    # workspaces_create's created_appears_in_list would probe workspaces_list: it must not.
    argv = sandbox_argv(
        recording,
        *("--allow-writes", "--stateful", "--include-tag", "workspaces"),
        *("--exclude-operation", "^workspaces_list$", "--max-examples", "2", "--seed", "7"),
    )
    plan, result = await run_suite(argv, contract)
    assert "workspaces_list" not in plan.operations.operation_ids
    assert "workspaces_create" in plan.operations.operation_ids
    assert_only_selected_called(recording.requests, plan.operations)
    assert result.successes.get("workspaces_create"), "no create succeeded: the list probe was never due"
    assert {"DELETE", "PUT"} <= probe_methods(recording.requests, recording)  # writes allowed
    assert_conforms(result)
