"""Managed upstream tokens against the sandbox's real token endpoint: cached, refreshed before
expiry, one exchange for many concurrent callers, and failures that name no secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt
import pytest

from gateway.contract import Contract
from gateway.credentials.errors import CredentialsUnavailable
from gateway.credentials.keycloak import KeycloakLogin, TokenGrant
from sandbox import start_sandbox
from sandbox.core.context import REALM
from tests.support.sandbox import sandbox_settings


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


async def test_token_is_cached_until_the_refresh_margin_then_refreshed(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    realm = server.app[REALM]
    login = KeycloakLogin(_grant(server), refresh_margin=10, clock=clock)
    try:
        first = await login.token()
        assert realm.verify_access_token(first)["preferred_username"] == server.settings.admin_email
        clock.now += 45  # 15 s left: still outside the margin
        assert await login.token() == first
        assert (login.logins, login.refreshes) == (1, 0)
        clock.now += 6  # 9 s left: inside the margin, refreshed with the refresh token
        second = await login.token()
        assert second != first and (login.logins, login.refreshes) == (1, 1)
        assert realm.issued["password"] == 1 and realm.issued["refresh_token"] == 1
        clock.now += 1000  # the refresh token expired too: a new login
        await login.token()
        assert login.logins == 2 and realm.issued["password"] == 2
    finally:
        await login.close()


async def test_concurrent_callers_share_one_exchange(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    login = KeycloakLogin(_grant(server), clock=clock)
    try:
        tokens = await asyncio.gather(*(login.token() for _ in range(50)))
        assert len(set(tokens)) == 1 and server.app[REALM].issued["password"] == 1
    finally:
        await login.close()


async def test_client_credentials_grant(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    login = KeycloakLogin(_grant(server, username=None, password=None), clock=clock)
    try:
        claims = jwt.decode(await login.token(), options={"verify_signature": False})
        assert claims["azp"] == server.settings.client_id
        assert server.app[REALM].issued["client_credentials"] == 1
    finally:
        await login.close()


async def test_refused_login_is_a_problem_that_names_no_secret(clocked_sandbox) -> None:
    server, clock = clocked_sandbox
    login = KeycloakLogin(
        _grant(server, client_secret="wrong-secret-value", password="wrong-password"), clock=clock
    )
    try:
        with pytest.raises(CredentialsUnavailable) as error:
            await login.token()
        assert "invalid_client" in str(error.value)
        assert "wrong-secret-value" not in str(error.value) and "wrong-password" not in str(error.value)
    finally:
        await login.close()
