"""The token manager alone against the sandbox's real token endpoint, on injected clocks: cached,
refreshed ahead of expiry with the refresh grant, a login when the refresh token is refused, one
exchange for many concurrent callers, a monotonic clock for expiry, and refusals naming no secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt
import pytest

from gateway.contract import Contract
from gateway.credentials.errors import CredentialsRefused
from gateway.credentials.store import MemoryStore
from gateway.credentials.token_endpoint import TokenGrant
from gateway.credentials.token_manager import TokenManager
from gateway.credentials.token_state import TokenPolicy, TokenState
from sandbox import start_sandbox
from sandbox.core.context import REALM
from tests.support.sandbox import sandbox_settings
from tests.support.waiting import eventually


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clocked_sandbox(tmp_path: Path, contract: Contract):
    clock = FakeClock()
    server = await start_sandbox(
        sandbox_settings(tmp_path, clock=clock, access_token_lifetime=60, refresh_token_lifetime=300),
        contract=contract,
    )
    yield server, clock
    await server.close()


def _grant(server, **changes) -> TokenGrant:
    s = server.settings
    values = {"token_url": server.token_url, "client_id": s.client_id, "client_secret": s.client_secret,
              "username": s.admin_email, "password": s.admin_password, **changes}  # fmt: skip
    return TokenGrant(**values)


def _manager(server, clock, wall=None, **changes) -> TokenManager:
    policy = TokenPolicy(refresh_margin=10)
    return TokenManager("wallaroo", _grant(server, **changes), MemoryStore(), policy=policy,
                        clock=clock, wall=wall or clock)  # fmt: skip


async def test_token_is_cached_until_the_margin_then_refreshed_then_logged_in_again(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    realm = server.app[REALM]
    manager = _manager(server, clock)
    try:
        first = await manager.token()
        assert realm.verify_access_token(first)["preferred_username"] == server.settings.admin_email
        clock.now += 45  # 15 s left: outside the margin
        assert await manager.token() == first and manager.exchanges == {"password": 1}
        clock.now += 6  # 9 s left: inside the margin; the old token is served while the task refreshes
        assert await manager.token() == first
        await eventually(lambda: realm.issued["refresh_token"] == 1, within=5)
        assert await manager.token() != first and realm.issued["password"] == 1
        clock.now += 1000  # the refresh token expired too: a new login
        await manager.token()
        assert realm.issued["password"] == 2
    finally:
        await manager.close()


async def test_a_refused_refresh_token_falls_back_to_a_login(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    realm = server.app[REALM]
    manager = _manager(server, clock)
    try:
        await manager.token()
        for session_id in list(realm.sessions._sessions):
            realm.sessions.revoke(session_id)
        clock.now += 55
        await manager.token()
        await eventually(lambda: realm.issued["password"] == 2, within=5)
        assert realm.rejected["invalid_grant"] == 1 and manager.machine.state is TokenState.VALID
    finally:
        await manager.close()


async def test_expiry_follows_the_monotonic_clock_not_the_wall_clock(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    monotonic = FakeClock()
    manager = _manager(server, monotonic, wall=clock)
    try:
        first = await manager.token()
        clock.now += 3600  # the wall clock jumps an hour (NTP, a VM resumed); no time passed
        assert await manager.token() == first and manager.exchanges == {"password": 1}
    finally:
        await manager.close()


async def test_concurrent_callers_share_one_exchange(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    manager = _manager(server, clock)
    try:
        tokens = await asyncio.gather(*(manager.token() for _ in range(50)))
        assert len(set(tokens)) == 1 and server.app[REALM].issued["password"] == 1
    finally:
        await manager.close()


async def test_client_credentials_grant(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    manager = _manager(server, clock, username=None, password=None)
    try:
        claims = jwt.decode(await manager.token(), options={"verify_signature": False})
        assert claims["azp"] == server.settings.client_id
        assert server.app[REALM].issued["client_credentials"] == 1
    finally:
        await manager.close()


async def test_refused_login_names_the_set_and_no_secret(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    manager = _manager(server, clock, client_secret="wrong-secret-value", password="wrong-password")
    try:
        with pytest.raises(CredentialsRefused) as error:
            await manager.token()
        message = str(error.value)
        assert "invalid_client" in message and "'wallaroo'" in message
        assert "wrong-secret-value" not in message and "wrong-password" not in message
        assert manager.status() == (False, f"cannot log in: {manager.machine.last_failure.reason}")
    finally:
        await manager.close()
