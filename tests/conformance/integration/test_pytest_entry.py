"""`pytest conformance/ --base-url ...`: the same suite as a team's CI runs it, one test per
operation (skipped ones with their reason), failing with the findings and their curl commands."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.fault_switch import Fault
from tests.support import ROOT
from tests.support.conformance import sandbox_argv
from tests.support.sandbox import sandbox_settings


async def pytest_conformance(*argv: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "conformance/", "-p", "no:cacheprovider", "-rs", *argv,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.fixture
async def broken(tmp_path: Path, contract: Contract) -> AsyncIterator[SandboxServer]:
    fault = Fault.MISSING_REQUIRED_FIELD
    settings = sandbox_settings(tmp_path, fault=fault, fault_operations=("workspaces_list",))
    server = await start_sandbox(settings, contract=contract)
    yield server
    await server.close()


async def test_one_passing_test_per_operation(sandbox: SandboxServer, contract: Contract) -> None:
    argv = sandbox_argv(sandbox, "--include-tag", "workspaces", "--max-examples", "2", "-v")
    status, out = await pytest_conformance(*argv)
    assert status == 0, out
    assert "test_operation_conforms[workspaces_list] PASSED" in out
    assert "test_operation_conforms[workspaces_list_users] PASSED" in out
    assert "writes upstream (x-mlops-writes); needs --allow-writes" in out  # workspaces_create, skipped
    assert f"3 passed, {len(contract.operations) + 1 - 3} skipped" in out  # + the spec-loads test


async def test_a_broken_operation_fails_with_its_check_and_curl(broken: SandboxServer) -> None:
    argv = sandbox_argv(broken, "--include-operation", "^workspaces_list$", "--max-examples", "2")
    status, out = await pytest_conformance(*argv)
    assert status == 1, out
    assert "workspaces_list breaks the contract" in out and "response_schema_conformance" in out
    assert "curl -X POST -H 'Authorization: ***'" in out and broken.settings.client_secret not in out


async def test_usage_errors_stop_the_session() -> None:
    status, out = await pytest_conformance("--token", "t")
    assert status == 2 and "--base-url is required" in out  # pytest: interrupted during collection
