"""The sandbox's request log (`record_requests`): every request it receives, with the operation it
matched (None for an undeclared method or an unknown path), credentials seen and status; off by
default."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.request_log import LoggedRequest
from tests.support.sandbox import password_token, sandbox_settings


async def test_every_request_is_logged_with_its_operation(
    tmp_path: Path, contract: Contract, http: aiohttp.ClientSession
) -> None:
    server = await start_sandbox(sandbox_settings(tmp_path, record_requests=True), contract=contract)
    try:
        token = await password_token(http, server)
        bearer = {"Authorization": f"Bearer {token}"}
        for method, path, headers in [
            ("POST", "/v1/api/workspaces/list", bearer),
            ("DELETE", "/v1/api/workspaces/list", bearer),
            ("POST", "/v1/api/workspaces/create", {}),
            ("GET", "/nowhere", {}),
        ]:
            async with http.request(method, server.url + path, headers=headers, json={}) as response:
                await response.read()
    finally:
        await server.close()
    token_path = server.token_url.removeprefix(server.url)
    assert server.requests.entries == [
        LoggedRequest("POST", token_path, None, True, 200),
        LoggedRequest("POST", "/v1/api/workspaces/list", "workspaces_list", True, 200),
        LoggedRequest("DELETE", "/v1/api/workspaces/list", None, True, 405),
        LoggedRequest("POST", "/v1/api/workspaces/create", "workspaces_create", False, 401),
        LoggedRequest("GET", "/nowhere", None, False, 404),
    ]
    assert server.requests.operations() == {"workspaces_list", "workspaces_create"}
    assert len(server.requests.to(["workspaces_create"])) == 1


async def test_nothing_is_kept_by_default(sandbox: SandboxServer, http: aiohttp.ClientSession) -> None:
    async with http.post(sandbox.url + "/v1/api/workspaces/list", json={}) as response:
        assert response.status == 401
    assert sandbox.requests.entries == []
