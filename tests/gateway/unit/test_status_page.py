"""The status page: escaping of everything that came from the spec or the drift report, who sees
which rows, the three ways to present a key, the 401s (Basic challenge for a browser, problem+json
for an API client) and the response headers."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.config import TeamConfig
from gateway.contract import Violation
from gateway.credentials.inbound import KeyRing
from gateway.drift import DriftReport
from gateway.recent import RecentWindow
from gateway.status_page import render, status_page

ALPHA = "alpha-key-0123456789abcdef"
BETA = "beta-key-0123456789abcdef"
ADMIN = "admin-key-0123456789abcdef"
EVIL_OPERATION = "<script>alert(1)</script>"
EVIL_POINTER = "/items/*/<img src=x onerror=alert(1)>"

Client = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


def _parts() -> tuple[KeyRing, RecentWindow, DriftReport]:
    keyring = KeyRing((TeamConfig("alpha", (ALPHA,)), TeamConfig("beta", (BETA,))), (ADMIN,))
    window, drift = RecentWindow(), DriftReport()
    window.record("alpha", "workspaces_list", 200, 0.004)
    window.record("alpha", EVIL_OPERATION, 400, 0.002)
    window.record("beta", "pipelines_deploy", 502, 0.3)
    bad = Violation("body", EVIL_POINTER, "type", "integer", "string of 3 characters", "wrong")
    drift.record(EVIL_OPERATION, "request", [bad], "r1", "alpha")
    drift.record(
        "pipelines_deploy",
        "request",
        [Violation("body", "/name", "type", "string", "a number", "")],
        "r2",
        "beta",
    )
    drift.record(
        "workspaces_list",
        "response",
        [Violation("body", "/id", "type", "integer", "a string", "")],
        "r3",
        "beta",
    )
    return keyring, window, drift


async def _client(aiohttp_client: Client) -> TestClient[web.Request, web.Application]:
    app = web.Application()
    app.router.add_get("/_gateway/", status_page(*_parts()))
    return await aiohttp_client(app)


def _basic(key: str, user: str = "anyone") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


def test_operation_ids_and_pointers_are_escaped() -> None:
    _, window, drift = _parts()
    page = render(None, window.snapshot(), drift.snapshot(), window)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "/items/*/&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<meta http-equiv="refresh" content="5">' in page and "this worker" in page


def test_a_team_sees_its_rows_its_request_drift_and_all_response_drift() -> None:
    _, window, drift = _parts()
    page = render("alpha", window.snapshot("alpha"), drift.snapshot("alpha"), window)
    assert "workspaces_list" in page and "&lt;script&gt;" in page
    assert "pipelines_deploy" not in page  # beta's traffic and beta's request drift
    assert "/id" in page  # a response row (upstream drift) is everyone's
    admin = render(None, window.snapshot(), drift.snapshot(), window)
    assert "pipelines_deploy" in admin and "admin key" in admin


async def test_keys_as_bearer_header_or_basic_password(aiohttp_client: Client) -> None:
    client = await _client(aiohttp_client)
    for headers in (
        {"Authorization": f"Bearer {BETA}"},
        {"X-Gateway-Key": BETA},
        _basic(BETA),
        _basic(BETA, user=""),
    ):
        response = await client.get("/_gateway/", headers=headers)
        assert response.status == 200, headers
        page = await response.text()
        assert "pipelines_deploy" in page and "&lt;script&gt;" not in page
        assert BETA not in page
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none';")
        assert response.content_type == "text/html"
    response = await client.get("/_gateway/", headers=_basic(ADMIN))
    assert response.status == 200 and "workspaces_list" in await response.text()


async def test_without_a_valid_key_a_browser_is_challenged_and_an_api_client_gets_problem_json(
    aiohttp_client: Client,
) -> None:
    client = await _client(aiohttp_client)
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for headers in (
        {},
        _basic("not-a-key-at-all-000000"),
        {"Authorization": "Basic %%%"},
        _basic(ALPHA[:-1]),
    ):
        response = await client.get("/_gateway/", headers={**browser, **headers})
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="mlops-gateway"')
        assert response.headers["Cache-Control"] == "no-store"
    response = await client.get("/_gateway/", headers={"Accept": "application/json"})
    assert response.status == 401 and response.content_type == "application/problem+json"
    assert (await response.json())["status"] == 401
    assert not response.headers["WWW-Authenticate"].startswith("Basic")
    response = await client.get("/_gateway/?key=" + ALPHA)  # never a key in the URL
    assert response.status == 401


def test_undocumented_calls_are_listed_escaped_and_per_team() -> None:
    _, window, drift = _parts()
    drift.record_undocumented("wallaroo", "POST", "/v1/api/<b>models</b>/{param}", "r4", "alpha")
    drift.record_undocumented("wallaroo", "GET", "/v1/api/pipelines/list_everything", "r5", "beta")
    alpha = render("alpha", window.snapshot("alpha"), drift.snapshot("alpha"), window)
    assert "/v1/api/&lt;b&gt;models&lt;/b&gt;/{param}" in alpha and "<b>models" not in alpha
    assert "list_everything" not in alpha  # beta's undocumented call
    admin = render(None, window.snapshot(), drift.snapshot(), window)
    assert "list_everything" in admin and "undocumented 0" in admin
    empty = DriftReport()
    page = render(None, window.snapshot(), empty.snapshot(), window)
    assert "No undocumented calls forwarded since start." in page
