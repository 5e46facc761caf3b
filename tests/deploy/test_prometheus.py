"""deploy/prometheus/ checked by promtool, and the dashboard and rules proven against a real Prometheus.

The proof: the sandbox (short-lived tokens, so the gateway renews them), a gateway in front of it
whose Openlayer upstream is a closed port, and Debian's `prometheus` as a plain process on a free
127.0.0.1 port scraping the gateway every second, with the repository's rules loaded. A short mixed
load, then every dashboard and rule expression goes through Prometheus's query API: each parses,
and every dashboard expression returns data.
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from gateway.config import DirectionPolicy, UpstreamAuth, UpstreamConfig
from gateway.demo import OPENLAYER_PATHS, sandbox_upstreams
from gateway.server import RunningGateway
from sandbox import SandboxServer, start_sandbox
from tests.deploy.monitoring import (
    PROMETHEUS_DIR,
    RULES,
    binary,
    filled,
    panel_expressions,
    rule_expressions,
    variable_expressions,
)
from tests.support.gateway import JSON_AUTH, gateway_config, running_gateway
from tests.support.redis import free_port, terminate
from tests.support.sandbox import sandbox_settings

TOKEN_LIFETIME = 6  # seconds: the gateway renews the sandbox's tokens every few seconds
READY_TIMEOUT = 20.0
DATA_TIMEOUT = 30.0
# variables as someone picking values in Grafana would set them: one team, some operations, both upstreams
SELECTED = {
    "team": "alpha",
    "operation": "workspaces_list|workspaces_create|assays_v2_get|openlayer_tests_evaluate",
    "upstream": "wallaroo|openlayer",
}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *args], capture_output=True, text=True, timeout=60, cwd=PROMETHEUS_DIR
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "config", "prometheus.yml"),
        ("check", "rules", "rules.yml"),
        ("test", "rules", "rules_test.yml"),
    ],
    ids=["check-config", "check-rules", "test-rules"],
)
def test_promtool_passes(args: tuple[str, ...]) -> None:
    result = _promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_and_annotations() -> None:
    tested = {
        case["alertname"]
        for test in yaml.safe_load((PROMETHEUS_DIR / "rules_test.yml").read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    }
    groups = yaml.safe_load(RULES.read_text())["groups"]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} == tested
    for a in alerts:
        assert {"summary", "description", "runbook"} <= set(a["annotations"]), a["alert"]
        assert a["labels"]["severity"] in {"page", "ticket"}, a["alert"]


@pytest.fixture
def prometheus_port() -> int:
    return free_port()


@dataclasses.dataclass
class Prometheus:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def prometheus_for(tmp_path: Path, prometheus_port: int) -> Iterator[Any]:
    """`prometheus_for(target)`: a real Prometheus scraping `host:port` every second (stopped after)."""
    started: list[Prometheus] = []

    def start(target: str) -> Prometheus:
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{"job_name": "mlops-gateway", "static_configs": [{"targets": [target]}]}],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        log = (tmp_path / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [
                binary("prometheus"),
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(Prometheus(f"http://127.0.0.1:{prometheus_port}", process))
        return started[-1]

    yield start
    for p in started:
        terminate(p.process, grace=10)


@pytest.fixture
async def gateway_on_sandbox(tmp_path: Path) -> AsyncIterator[tuple[RunningGateway, SandboxServer]]:
    sandbox = await start_sandbox(sandbox_settings(tmp_path, access_token_lifetime=TOKEN_LIFETIME))
    wallaroo, _ = sandbox_upstreams(sandbox)
    wallaroo = dataclasses.replace(wallaroo, unlisted="forward")  # for the unlisted panel
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: every Openlayer call fails
    openlayer = UpstreamConfig("openlayer", closed, OPENLAYER_PATHS, auth=UpstreamAuth("static", "key"))
    config = gateway_config(sandbox.url, overrides={"assays_v2_get": DirectionPolicy(response="off")})
    config = dataclasses.replace(config, upstreams=(wallaroo, openlayer))
    try:
        async with running_gateway(config) as gateway:
            yield gateway, sandbox
    finally:
        await sandbox.close()


async def _mixed_load(session: aiohttp.ClientSession, gateway: str, sandbox: SandboxServer) -> None:
    """Good calls, invalid ones, unknown paths (one forwarded as unlisted), a GraphQL query, no key, a
    drifted answer, an unreachable upstream."""

    async def call(path: str, body: bytes | None = b"{}", headers: dict[str, str] = JSON_AUTH) -> int:
        async with session.post(gateway + path, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def fault(name: str | None) -> None:
        key = {"Authorization": f"Bearer {sandbox.settings.admin_key}"}
        async with session.post(sandbox.url + "/_sandbox/fault", json={"fault": name}, headers=key) as r:
            assert r.status == 200, await r.text()

    for _ in range(5):
        assert await call("/v1/api/workspaces/list") == 200
        assert await call("/v2/api/assays/get", b'{"active": "All"}') == 200  # response policy off
        assert await call("/v1/api/workspaces/create", b'{"workspace_name": 42}') == 400
        assert await call("/v9/no/such/operation") == 404  # under no upstream: unmatched
        assert await call("/v1/api/no/such_operation") == 404  # forwarded as unlisted; the sandbox 404s
        assert await call("/v1/graphql", b'{"query": "{ workspace { id name } }"}') == 200
        assert await call("/v1/api/workspaces/list", headers={"Content-Type": "application/json"}) == 401
        body = b'{"startTimestamp": 1699920000, "endTimestamp": 1700006400}'
        assert await call("/v1/tests/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/evaluate", body) == 502
    await fault("wrong_type")
    try:
        for _ in range(3):
            assert await call("/v1/api/workspaces/list") == 200  # reported, passed on
    finally:
        await fault(None)


async def _query(session: aiohttp.ClientSession, prometheus: str, expr: str) -> dict[str, Any]:
    async with session.get(prometheus + "/api/v1/query", params={"query": expr}) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def _wait_for(what: str, check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.5)


async def test_every_dashboard_and_rule_expression_against_a_real_prometheus(
    gateway_on_sandbox: tuple[RunningGateway, SandboxServer], prometheus_for: Any
) -> None:
    gateway, sandbox = gateway_on_sandbox
    prometheus = prometheus_for(f"127.0.0.1:{gateway.port}")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def ready() -> bool:
            try:
                async with session.get(prometheus.url + "/-/ready") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                assert prometheus.process.poll() is None, "prometheus exited"
                return False

        async def scraped() -> bool:
            answer = await _query(session, prometheus.url, 'up{job="mlops-gateway"} == 1')
            return bool(answer["data"]["result"])

        await _wait_for("prometheus to start", ready, READY_TIMEOUT)
        await _wait_for("the first scrape", scraped, READY_TIMEOUT)
        await _mixed_load(session, gateway.url, sandbox)
        await asyncio.sleep(2.5)  # a few scrapes, so the rates have two samples
        await _mixed_load(session, gateway.url, sandbox)

        dashboard = [(title, filled(expr)) for title, expr in panel_expressions()]
        dashboard += [(name, filled(expr)) for name, expr in variable_expressions()]
        dashboard += [(title, filled(expr, SELECTED)) for title, expr in panel_expressions()]
        empty: list[tuple[str, str]] = []

        async def every_panel_has_data() -> bool:
            empty.clear()
            for title, expr in dashboard:
                answer = await _query(session, prometheus.url, expr)
                assert answer["status"] == "success", (title, expr, answer)
                if not answer["data"]["result"]:
                    empty.append((title, expr))
            return not empty

        try:
            await _wait_for("data in every dashboard expression", every_panel_has_data, DATA_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"no data: {empty}") from None
        for name, expr in rule_expressions():
            answer = await _query(session, prometheus.url, expr)
            assert answer["status"] == "success", (name, expr, answer)
        ok = 'sum(mlops_gateway_token_renewals_total{outcome="ok"})'
        renewed = await _query(session, prometheus.url, ok)
        assert float(renewed["data"]["result"][0]["value"][1]) >= 2  # the first token and a renewal
        rules = await _query(session, prometheus.url, "source:mlops_gateway_requests_5xx:ratio_rate5m")
        sources = {r["metric"]["source"] for r in rules["data"]["result"]}
    counts = f"{len(dashboard)} dashboard and {len(rule_expressions())} rule expressions"
    print(f"\n{counts} evaluated, every dashboard one with data")
    assert sources == {"gateway", "upstream"}  # the recording rules ran on the scraped series
