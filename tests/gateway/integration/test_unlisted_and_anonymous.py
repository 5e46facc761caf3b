"""Calls outside the contract's keys and paths: anonymous operations (`security: []`) need no
gateway key and go upstream without credentials; under `unlisted: forward` an undocumented call
goes upstream with the managed token, metered as operation `unlisted` and reported by its path
shape (no ids, no values); under the default `unlisted: reject` it is a 404 and nothing is sent.

The spec here is the packaged one plus one anonymous operation, written to a temporary file, and
the upstream a raw recorder, so each test sees exactly what left the gateway."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from gateway.config import Unlisted
from gateway.contract import DEFAULT_SPEC_PATH
from tests.support.gateway import (
    ADMIN_KEY,
    AUTH,
    JSON_AUTH,
    OTHER_TEAM_KEY,
    TEAM_KEY,
    UPSTREAM_TOKEN,
    gateway_config,
    running_gateway,
)
from tests.support.raw_http import RecordingUpstream

ANONYMOUS_PATH = "/v1/api/anonymous_probe"


@pytest.fixture
def spec_with_anonymous_operation(tmp_path: Path) -> Path:
    document = yaml.safe_load(Path(DEFAULT_SPEC_PATH).read_text())
    document["paths"][ANONYMOUS_PATH] = {
        "get": {
            "operationId": "anonymous_probe",
            "security": [],
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["ok"]}}},
                }
            },
        }
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    shutil.copy(Path(DEFAULT_SPEC_PATH).parent / "wallaroo.graphql", tmp_path)  # named by the graphql op
    return path


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingUpstream]:
    recorder = await RecordingUpstream(reply_body=b'{"ok": true}').start()
    yield recorder
    await recorder.close()


def _config(upstream: RecordingUpstream, spec: Path, unlisted: Unlisted) -> object:
    config = gateway_config(upstream.url, spec_path=spec)
    wallaroo, openlayer = config.upstreams
    wallaroo = dataclasses.replace(wallaroo, unlisted=unlisted)
    return dataclasses.replace(config, upstreams=(wallaroo, openlayer))


async def test_anonymous_operation_needs_no_key_and_sends_no_credentials(
    upstream: RecordingUpstream, spec_with_anonymous_operation: Path
) -> None:
    config = _config(upstream, spec_with_anonymous_operation, Unlisted.REJECT)
    async with running_gateway(config) as gateway, aiohttp.ClientSession() as client:
        async with client.get(gateway.url + ANONYMOUS_PATH) as anonymous:
            assert anonymous.status == 200 and await anonymous.json() == {"ok": True}
        async with client.get(gateway.url + ANONYMOUS_PATH, headers=AUTH) as keyed:
            assert keyed.status == 200
        async with client.get(gateway.url + ANONYMOUS_PATH, headers={"X-Gateway-Key": "not-a-key-at-all"}):
            pass
        # a documented operation that is not anonymous still needs the key
        async with client.post(gateway.url + "/v1/api/workspaces/list", json={}) as refused:
            assert refused.status == 401
        async with client.get(gateway.url + "/metrics") as scrape:
            metrics = await scrape.text()
    assert [r.target for r in upstream.seen] == [ANONYMOUS_PATH] * 3
    for request in upstream.seen:  # neither the gateway's token nor any client key went upstream
        assert request.header("Authorization") is None and request.header("X-Gateway-Key") is None
    probes = [
        line
        for line in metrics.splitlines()
        if line.startswith("mlops_gateway_requests_total") and 'operation="anonymous_probe"' in line
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in probes if 'team="anonymous"' in line) == 2
    assert sum(float(line.rsplit(" ", 1)[1]) for line in probes if 'team="alpha"' in line) == 1


async def test_unlisted_calls_are_refused_by_default_and_nothing_is_sent(
    upstream: RecordingUpstream, spec_with_anonymous_operation: Path
) -> None:
    config = _config(upstream, spec_with_anonymous_operation, Unlisted.REJECT)
    async with running_gateway(config) as gateway, aiohttp.ClientSession() as client:
        unknown_path = gateway.url + "/v1/api/models/list_future_versions"
        async with client.post(unknown_path, json={}, headers=AUTH) as unknown:
            assert unknown.status == 404
            assert unknown.content_type == "application/problem+json"
        async with client.get(gateway.url + "/v1/api/workspaces/list", headers=AUTH) as wrong_method:
            assert wrong_method.status == 405 and wrong_method.headers["Allow"] == "POST"
    assert upstream.seen == []


async def test_unlisted_forward_passes_calls_on_with_the_managed_token_and_reports_their_shape(
    upstream: RecordingUpstream, spec_with_anonymous_operation: Path
) -> None:
    config = _config(upstream, spec_with_anonymous_operation, Unlisted.FORWARD)
    secret_topic = "wl-secret-topic-8f3a2c"
    async with running_gateway(config) as gateway, aiohttp.ClientSession() as client:
        body = {"pipeline_name": "pricing-model", "token": "value-never-reported"}
        unknown_path = gateway.url + "/v1/api/models/list_future_versions"
        async with client.post(unknown_path, json=body, headers=AUTH) as r:
            assert r.status == 200 and await r.json() == {"ok": True}
        for offset in (0, 1):
            target = f"/v1/api/pipelines/{secret_topic}/get_future_logs?offset={offset}"
            async with client.post(gateway.url + target, data=b'{"a": 1}', headers=JSON_AUTH) as r:
                assert r.status == 200
        other = {"Authorization": f"Bearer {OTHER_TEAM_KEY}"}
        async with client.get(gateway.url + "/v1/api/workspaces/list", headers=other) as r:
            assert r.status == 200  # a documented path with an undocumented method is unlisted too
        async with client.post(gateway.url + "/v1/api/models/list_future_versions", json={}) as keyless:
            assert keyless.status == 401  # unlisted calls still need a gateway key
        async with client.post(gateway.url + "/v9/elsewhere", json={}, headers=AUTH) as outside:
            assert outside.status == 404  # under no upstream's paths: nothing to forward to
        admin = {"X-Gateway-Key": ADMIN_KEY}
        async with client.get(gateway.url + "/_gateway/violations", headers=admin) as r:
            admin_view = await r.json()
        async with client.get(gateway.url + "/_gateway/violations", headers=AUTH) as r:
            alpha_view = await r.json()
        async with client.get(gateway.url + "/metrics") as scrape:
            metrics = await scrape.text()

    sent = upstream.seen
    assert [r.target for r in sent] == [
        "/v1/api/models/list_future_versions",
        f"/v1/api/pipelines/{secret_topic}/get_future_logs?offset=0",
        f"/v1/api/pipelines/{secret_topic}/get_future_logs?offset=1",
        "/v1/api/workspaces/list",
    ]
    assert all(r.header("Authorization") == f"Bearer {UPSTREAM_TOKEN}" for r in sent)
    assert all(TEAM_KEY not in str(r.headers) and OTHER_TEAM_KEY not in str(r.headers) for r in sent)
    assert sent[0].body == b'{"pipeline_name": "pricing-model", "token": "value-never-reported"}'

    rows = {(row["method"], row["path"]): row for row in admin_view["undocumented"]}
    assert set(rows) == {
        ("POST", "/v1/api/models/list_future_versions"),
        ("POST", "/v1/api/pipelines/{param}/get_future_logs"),
        ("GET", "/v1/api/workspaces/list"),
    }
    assert rows[("POST", "/v1/api/pipelines/{param}/get_future_logs")]["count"] == 2
    assert rows[("GET", "/v1/api/workspaces/list")]["teams"] == ["beta"]
    assert all(row["upstream"] == "wallaroo" for row in rows.values())
    # a team sees only the undocumented calls it made itself
    assert {(row["method"], row["path"]) for row in alpha_view["undocumented"]} == {
        ("POST", "/v1/api/models/list_future_versions"),
        ("POST", "/v1/api/pipelines/{param}/get_future_logs"),
    }
    report = str(admin_view) + metrics
    for value in (secret_topic, "pricing-model", "value-never-reported", "offset"):
        assert value not in report
    forwarded = [
        line
        for line in metrics.splitlines()
        if line.startswith("mlops_gateway_requests_total") and 'operation="unlisted"' in line
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in forwarded) == 5  # 4 forwarded + the 401
    assert 'mlops_gateway_unvalidated_responses_total{operation="unlisted",reason="unlisted"} 4.0' in metrics
