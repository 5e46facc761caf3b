"""Shared fixtures: the compiled contract, a real sandbox on 127.0.0.1, an HTTP session, and a
spec-checking client of the sandbox holding an admin token (helpers in tests/support/sandbox.py)."""

from __future__ import annotations

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
