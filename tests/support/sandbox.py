"""Helpers for tests against a real sandbox: settings, password-grant tokens as the documents
fetch them, and a client that checks every answer against the spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from gateway.contract import Contract
from sandbox import SandboxServer, SandboxSettings


def sandbox_settings(tmp_path: Path, **changes: Any) -> SandboxSettings:
    """Test settings: a short deployment start-up and storage under the test's tmp_path."""
    return SandboxSettings(**{"deployment_start_delay": 0.2, "storage_dir": tmp_path / "sandbox", **changes})


async def password_token(
    session: aiohttp.ClientSession,
    server: SandboxServer,
    username: str | None = None,
    password: str | None = None,
) -> str:
    """A password-grant access token: form body, client authenticated with HTTP Basic (as 002)."""
    settings = server.settings
    form = {
        "grant_type": "password",
        "username": username or settings.admin_email,
        "password": password or settings.admin_password,
    }
    auth = {"Authorization": aiohttp.encode_basic_auth(settings.client_id, settings.client_secret)}
    async with session.post(server.token_url, data=form, headers=auth) as response:
        payload = await response.json()
        assert response.status == 200, payload
    return str(payload["access_token"])


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Any
    body: Any


class SpecClient:
    """Calls a server and asserts that every answer is documented by, and valid against, the spec."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, contract: Contract) -> None:
        self.session = session
        self.base_url = base_url
        self.contract = contract
        self.token: str | None = None
        self.operations_seen: set[str] = set()

    async def post(self, path: str, *, token: str | None = None, **kwargs: Any) -> Answer:
        return await self.request("POST", path, token=token, **kwargs)

    async def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Answer:
        headers = dict(kwargs.pop("headers", {}))
        bearer = token if token is not None else self.token
        if bearer is not None:
            headers.setdefault("Authorization", f"Bearer {bearer}")
        async with self.session.request(method, self.base_url + path, headers=headers, **kwargs) as response:
            raw = await response.read()
            status, response_headers = response.status, response.headers
        body = orjson.loads(raw) if raw else None
        self.check(method, path, status, response_headers.get("Content-Type", ""), body)
        return Answer(status, response_headers, body)

    def check(self, method: str, path: str, status: int, content_type: str, body: Any) -> None:
        operation, _ = self.contract.match(method, urlsplit(path).path)
        self.operations_seen.add(operation.operation_id)
        table = operation.response_media(status)
        assert table is not None, f"{operation.operation_id} does not document status {status}: {body}"
        media = table.find(content_type)
        assert media is not None and media.validator is not None, f"undocumented {content_type!r}"
        violations = media.validator.violations(body, "response")
        assert violations == [], f"{operation.operation_id} {status}: {violations}"
