"""The status page in a real headless browser: Debian's `chromium`, driven by Playwright for
Python (its wheel ships the driver; `playwright install` is never run: the system binary is
launched with a fresh profile and flags that keep it off the network). The sandbox and a gateway
in front of it on 127.0.0.1; two teams make valid and invalid calls; each loads the page (team
beta through a real HTTP Basic challenge, the browser answering with its credentials), waits for
its rows, and sees only its own; the admin view shows both teams and the drift. Screenshots go to
tests/artifacts/ (git-ignored). With CI=true a missing chromium or Playwright fails the test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from sandbox import SandboxServer
from tests.support.gateway import running_gateway, sandbox_gateway_config

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ALPHA_KEY = "alpha-browser-test-key-0123456789"
BETA_KEY = "beta-browser-test-key-9876543210"
ADMIN_KEY = "admin-browser-test-key-abcdefabcdef"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_WAIT_MS = 15_000  # the page reloads every 5 s; rows are there on the first load already


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing (CI=true: tests/run.sh installs it)")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def chromium() -> str:
    """The system chromium, and the artifacts folder ready for its screenshots."""
    if not Path(CHROMIUM).exists():
        _missing("chromium (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Any]:
    """A Playwright handle on the system chromium (each test opens its own contexts)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("playwright (pip install -e '.[test]')")
    async with async_playwright() as playwright:
        yield playwright.chromium


async def _post(http: aiohttp.ClientSession, url: str, key: str, body: Any) -> int:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with http.post(url, data=orjson.dumps(body), headers=headers) as response:
        await response.read()
        return response.status


async def _traffic(http: aiohttp.ClientSession, base: str, sandbox: SandboxServer) -> None:
    assert await _post(http, base + "/v1/api/workspaces/list", ALPHA_KEY, {}) == 200
    assert await _post(http, base + "/v1/api/workspaces/list", ALPHA_KEY, {}) == 200
    assert await _post(http, base + "/v1/api/workspaces/create", ALPHA_KEY, {"workspace_name": 42}) == 400
    assert await _post(http, base + "/v1/api/workspaces/create", BETA_KEY, {"workspace_name": "b-ws"}) == 200
    assert await _post(http, base + "/v1/api/users/invite", BETA_KEY, {"email": 5}) == 400
    assert await _post(http, base + "/v1/api/workspaces/list", "not-a-key-of-anyone-000", {}) == 401
    sandbox.faults.set("wrong_type", ["workspaces_list"])  # the upstream drifts: a response row
    assert await _post(http, base + "/v1/api/workspaces/list", BETA_KEY, {}) == 200
    sandbox.faults.set(None)


async def _load(browser_type: Any, profiles: Path, url: str, name: str, **context: Any) -> list[list[str]]:
    """Open the page in a fresh profile (chromium creates the folder), wait for the traffic table,
    save a screenshot as tests/artifacts/<name>.png, return the table's rows."""
    ctx = await browser_type.launch_persistent_context(
        str(profiles / name), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **context
    )
    try:
        page = await ctx.new_page()
        response = await page.goto(url)
        assert response is not None and response.status == 200
        await page.wait_for_selector("table tbody tr", timeout=PAGE_WAIT_MS)
        assert await page.title() == "mlops-gateway status"
        rows: list[list[str]] = await page.eval_on_selector_all(
            "table:first-of-type tbody tr",
            "rows => rows.map(r => Array.from(r.cells, c => c.innerText))",
        )
        await page.set_viewport_size({"width": 1200, "height": 720})
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        return rows
    finally:
        await ctx.close()


async def test_the_status_page_in_chromium(
    browser: Any, sandbox: SandboxServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    config = sandbox_gateway_config(sandbox, ALPHA_KEY, BETA_KEY, ADMIN_KEY)
    async with running_gateway(config) as gateway:
        await _traffic(http, gateway.url, sandbox)
        url = gateway.url + "/_gateway/"

        bearer = {"Authorization": f"Bearer {ALPHA_KEY}"}
        alpha = await _load(browser, tmp_path, url, "status-page-alpha", extra_http_headers=bearer)
        assert {(r[0], r[1]) for r in alpha} == {("alpha", "workspaces_list"), ("alpha", "workspaces_create")}
        create = next(r for r in alpha if r[1] == "workspaces_create")
        assert create[2:5] == ["1", "1", "0"]  # calls, 4xx, 5xx

        # beta through a real Basic challenge: the browser answers the 401 with its credentials
        basic = {"username": "beta", "password": BETA_KEY}
        beta = await _load(browser, tmp_path, url, "status-page-beta", http_credentials=basic)
        assert {(r[0], r[1]) for r in beta} == {
            ("beta", "workspaces_create"),
            ("beta", "users_invite"),
            ("beta", "workspaces_list"),
        }

        bearer = {"Authorization": f"Bearer {ADMIN_KEY}"}
        admin = await _load(browser, tmp_path, url, "status-page", extra_http_headers=bearer)
        assert {r[0] for r in admin} == {"alpha", "beta", "anonymous"}
    for name in ("status-page-alpha.png", "status-page-beta.png", "status-page.png"):
        assert (ARTIFACTS / name).stat().st_size > 1000
