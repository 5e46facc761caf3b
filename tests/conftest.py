"""Shared fixtures: the compiled contract, a real sandbox on 127.0.0.1, an HTTP session, and a
spec-checking client of the sandbox holding an admin token (helpers in tests/support/sandbox.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.app import default_contract
from tests.support.sandbox import SpecClient, password_token, sandbox_settings


@pytest.fixture(scope="session")
def contract() -> Contract:
    return default_contract()


@pytest.fixture
async def sandbox(tmp_path: Path, contract: Contract) -> AsyncIterator[SandboxServer]:
    server = await start_sandbox(sandbox_settings(tmp_path), contract=contract)
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def api(sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract) -> SpecClient:
    """A spec-checking client of the sandbox, holding an admin token."""
    client = SpecClient(http, sandbox.url, contract)
    client.token = await password_token(http, sandbox)
    return client


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true (tests/run.sh sets it) nothing may be skipped: a skip there is a missing tool."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if os.environ.get("CI") == "true" and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"CI=true: {len(skipped)} test(s) skipped, which fails the run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
