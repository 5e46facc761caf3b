"""The secrets test: a mixed session through a real gateway in front of the real sandbox, with known
secrets everywhere a secret can be (team and admin keys, the upstream client secret, password and
Openlayer key, every token the sandbox's Keycloak issued to the gateway, a wrong key a client
guessed, and a password-like and a 512 KiB value in request bodies that break the contract). Then
everything the gateway wrote - every log record, /metrics, the drift report as admin, every
answer's body and headers - is searched for each one: zero hits."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.seed import OPENLAYER_TESTS
from sandbox.keycloak.realm import TokenRealm
from tests.support.gateway import running_gateway, sandbox_gateway_config
from tests.support.logs import captured_log
from tests.support.sandbox import sandbox_settings


def _secret(name: str) -> str:
    return f"{name}-{secrets.token_hex(12)}"


ALPHA_KEY = _secret("alpha-team-key")
BETA_KEY = _secret("beta-team-key")
ADMIN_KEY = _secret("drift-admin-key")
CLIENT_SECRET = _secret("upstream-client-secret")
PASSWORD = _secret("upstream-user-password")
OPENLAYER_KEY = _secret("openlayer-api-key")
GUESSED_KEY = _secret("guessed-gateway-key")
BODY_PASSWORD = _secret("P@ssw0rd-in-a-body")
BIG_VALUE = secrets.token_hex(256 * 1024)  # 512 KiB of hex


class Session:
    """A client that keeps every answer the gateway gave: status line, headers and body."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.answers: list[str] = []

    async def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> int:
        sent = {name.replace("_", "-"): value for name, value in headers.items()}
        async with self.http.request(method, self.base + path, data=body, headers=sent) as response:
            raw = await response.read()
            self.answers.append(f"{response.status} {dict(response.headers)} {raw.decode('latin-1')}")
            return response.status

    async def post(self, path: str, document: Any, key: str = ALPHA_KEY, **headers: str) -> int:
        headers = {"Authorization": f"Bearer {key}", "Content_Type": "application/json", **headers}
        return await self.call("POST", path, orjson.dumps(document), **headers)


@pytest.fixture
async def sandbox_with_secrets(tmp_path: Path, contract: Contract) -> AsyncIterator[SandboxServer]:
    settings = sandbox_settings(
        tmp_path, client_secret=CLIENT_SECRET, admin_password=PASSWORD, openlayer_api_keys=(OPENLAYER_KEY,)
    )
    server = await start_sandbox(settings, contract=contract)
    yield server
    await server.close()


@pytest.fixture
def issued_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access, refresh and id token the sandbox's Keycloak hands out during the test."""
    tokens: list[str] = []
    issue = TokenRealm.issue

    def recording(self: TokenRealm, **kwargs: Any) -> dict[str, Any]:
        body = issue(self, **kwargs)
        tokens.extend(body[name] for name in ("access_token", "refresh_token", "id_token") if name in body)
        return body

    monkeypatch.setattr(TokenRealm, "issue", recording)
    return tokens


async def _mixed_session(client: Session, sandbox: SandboxServer) -> None:
    assert await client.post("/v1/api/workspaces/list", {}) == 200
    assert await client.post("/v1/api/workspaces/create", {"workspace_name": "secrets-ws"}, BETA_KEY) == 200
    beta_by_header = {"X_Gateway_Key": BETA_KEY, "Content_Type": "application/json"}
    assert await client.call("POST", "/v1/api/workspaces/list", b"{}", **beta_by_header) == 200
    # values that break the contract: a password-like one, a 512 KiB one, one under a free-form key
    assert await client.post("/v1/api/workspaces/remove_user", {"workspace_id": BODY_PASSWORD}) == 400
    assert await client.post("/v1/api/workspaces/remove_user", {"workspace_id": BIG_VALUE, "email": 5}) == 400
    invite = {"email": 5, "password": BODY_PASSWORD}
    assert await client.post("/v1/api/users/invite", invite, BETA_KEY) == 400
    # (a key is named in the sender's own problem pointer, so the secret is the value here)
    baseline = {"pipeline_name": "p", "workspace_id": 1, "next": {"some-run": BODY_PASSWORD}}
    assert await client.post("/v1/api/assays/get_baseline", baseline) == 400
    # a secret in malformed JSON and in a Content-Type parameter
    raw = b'{"workspace_name": "' + BODY_PASSWORD.encode()
    auth = f"Bearer {ALPHA_KEY}"
    assert (
        await client.call(
            "POST", "/v1/api/workspaces/create", raw, Authorization=auth, Content_Type="application/json"
        )
        == 400
    )
    odd_type = f"text/plain; token={BODY_PASSWORD}"
    assert (
        await client.call(
            "POST", "/v1/api/workspaces/create", b"x", Authorization=auth, Content_Type=odd_type
        )
        == 415
    )
    # keys that are not team keys
    assert await client.post("/v1/api/workspaces/list", {}, GUESSED_KEY) == 401
    assert await client.post("/v1/api/workspaces/list", {}, ADMIN_KEY) == 401
    # Openlayer, with its key held by the gateway
    evaluation = {"startTimestamp": 1699920000, "endTimestamp": 1700006400}
    assert await client.post(f"/v1/tests/{OPENLAYER_TESTS[0].id}/evaluate", evaluation) in (200, 201, 202)
    # the upstream drifts: reported, counted, relayed
    sandbox.faults.set("wrong_type", ["workspaces_list"])
    assert await client.post("/v1/api/workspaces/list", {}, BETA_KEY) == 200
    sandbox.faults.set(None)
    for path in ("/healthz", "/readyz", "/metrics", "/_gateway/violations"):
        await client.call("GET", path)
    for key in (ALPHA_KEY, BETA_KEY, GUESSED_KEY):
        await client.call("GET", "/_gateway/violations", Authorization=f"Bearer {key}")


async def test_no_secret_appears_in_anything_the_gateway_wrote(
    sandbox_with_secrets: SandboxServer, http: aiohttp.ClientSession, issued_tokens: list[str]
) -> None:
    sandbox = sandbox_with_secrets
    config = sandbox_gateway_config(sandbox, ALPHA_KEY, BETA_KEY, ADMIN_KEY)
    with captured_log() as log:
        async with running_gateway(config) as gateway:
            client = Session(http, gateway.url)
            await _mixed_session(client, sandbox)
            async with http.get(gateway.url + "/metrics") as response:
                metrics = await response.text()
            headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
            async with http.get(gateway.url + "/_gateway/violations", headers=headers) as response:
                report = await response.text()
    written = {
        "log": log.getvalue(),
        "metrics": metrics,
        "drift report": report,
        "answers": "\n".join(client.answers),
    }

    # the session did what it should: logged, counted, reported (request and response drift)
    assert "contract violation" in written["log"] and 'team="beta"' in metrics
    rows = orjson.loads(report)["violations"]
    assert {r["direction"] for r in rows} == {"request", "response"}
    assert {"alpha", "beta"} <= {team for r in rows for team in r["teams"]}
    assert issued_tokens, "the gateway logged in to the sandbox's Keycloak"

    basic = base64.b64encode(f"{sandbox.settings.client_id}:{CLIENT_SECRET}".encode()).decode()
    known = {
        "alpha team key": ALPHA_KEY,
        "beta team key": BETA_KEY,
        "admin key": ADMIN_KEY,
        "upstream client secret": CLIENT_SECRET,
        "upstream client secret as Basic auth": basic,
        "upstream password": PASSWORD,
        "openlayer key": OPENLAYER_KEY,
        "guessed key": GUESSED_KEY,
        "password-like body value": BODY_PASSWORD,
        "512 KiB body value (any 32 characters of it)": BIG_VALUE[1000:1032],
        **{f"issued token {i}": token for i, token in enumerate(issued_tokens)},
    }
    hits = [
        (name, where) for name, secret in known.items() for where, text in written.items() if secret in text
    ]
    assert hits == []
