"""GraphQL through a real gateway in front of a raw recording upstream: bad queries answered 400
invalid-graphql with located, value-free errors (nothing of them in the drift report or the log),
valid ones forwarded byte for byte with the gateway's upstream token and counted per root field
in /metrics and named in the access line, and answers whose `data` breaks the selection's types
reported in the drift report at folded pointers while the client gets the upstream's bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from graphql import get_introspection_query

from gateway.config import DirectionPolicy
from gateway.server import RunningGateway
from tests.support.gateway import ADMIN_KEY, JSON_AUTH, TEAM_KEY, UPSTREAM_TOKEN, running_gateway
from tests.support.graphql import GRAPHQL_PATH, graphql_body, graphql_gateway_config, write_graphql_spec
from tests.support.logs import captured_log
from tests.support.raw_http import RecordingUpstream

PROBLEM = "application/problem+json"
SECRET = "client-secret-literal-4711"


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingUpstream]:
    server = await RecordingUpstream(reply_body=b'{"data": {"workspace": []}}').start()
    yield server
    await server.close()


@pytest.fixture
async def gateway(upstream: RecordingUpstream, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    async with running_gateway(graphql_gateway_config(upstream.url, write_graphql_spec(tmp_path))) as gw:
        yield gw


async def _post(
    http: aiohttp.ClientSession, gateway: RunningGateway, body: bytes
) -> tuple[int, dict[str, str], bytes]:
    async with http.post(gateway.url + GRAPHQL_PATH, data=body, headers=JSON_AUTH) as response:
        return response.status, dict(response.headers), await response.read()


async def _get(http: aiohttp.ClientSession, url: str, key: str = ADMIN_KEY) -> Any:
    async with http.get(url, headers={"X-Gateway-Key": key}) as response:
        assert response.status == 200
        return orjson.loads(await response.read()) if url.endswith("violations") else await response.text()


async def test_a_parse_error_is_400_with_its_location(gateway, upstream, http) -> None:
    status, headers, body = await _post(http, gateway, graphql_body("{ workspace {\n  id\n  name\n"))
    assert status == 400 and headers["Content-Type"].startswith(PROBLEM)
    problem = orjson.loads(body)
    assert problem["type"].endswith("/invalid-graphql") and problem["operation"] == "graphql"
    assert problem["errors"] == [
        {"message": "Syntax Error: Expected Name, found <EOF>.", "locations": [{"line": 3, "column": 7}]}
    ]
    assert problem["violations"][0]["pointer"] == "/query"
    assert upstream.seen == []


async def test_unknown_names_and_literals_reach_neither_body_nor_report_nor_log(
    gateway, upstream, http
) -> None:
    query = f'{{ workspace(limit: "{SECRET}") {{ id unknown_secret_field }} }}'
    with captured_log() as log:
        status, _, body = await _post(http, gateway, graphql_body(query))
    assert status == 400 and upstream.seen == []
    messages = [e["message"] for e in orjson.loads(body)["errors"]]
    assert messages == [
        "Cannot query field '<name>' on type 'workspace'.",
        "Expected a value of type 'Int'; the literal given is not one (value not shown).",
    ]
    report = await _get(http, gateway.url + "/_gateway/violations")
    kept = orjson.dumps(report).decode() + log.getvalue()
    for text in (body.decode(), kept):
        assert SECRET not in text and "unknown_secret_field" not in text
    assert {(r["pointer"], r["kind"]) for r in report["violations"]} == {("/query", "graphql-validation")}


async def test_a_valid_query_is_forwarded_byte_for_byte_with_the_gateway_token(
    gateway, upstream, http
) -> None:
    sent = b'{"query":"query Q($n: Int) { w: workspace(limit: $n) { id name } }","variables":{"n":2}}'
    with captured_log() as log:
        status, _, body = await _post(http, gateway, sent)
    assert (status, body) == (200, b'{"data": {"workspace": []}}')
    (seen,) = upstream.seen
    assert (seen.method, seen.target, seen.body) == ("POST", GRAPHQL_PATH, sent)
    assert seen.header("Authorization") == f"Bearer {UPSTREAM_TOKEN}"
    assert TEAM_KEY not in str(seen.headers)
    (access,) = [line for line in log.getvalue().splitlines() if '"mlops_gateway.access"' in line]
    assert orjson.loads(access)["graphql_fields"] == ["workspace"]  # checked as GraphQL on the way


async def test_root_fields_are_counted_in_metrics_and_named_in_the_access_line(
    gateway, upstream, http
) -> None:
    with captured_log() as log:
        for _ in range(3):
            await _post(
                http, gateway, graphql_body("{ workspace { id } m: model { id } again: model { id } }")
            )
        await _post(http, gateway, graphql_body("{ __schema { queryType { name } } }"))
        await _post(http, gateway, graphql_body('mutation { insert_workspace_one(name: "w") { id } }'))
        await _post(http, gateway, graphql_body("{ nosuch { id } }"))  # refused: counts nothing
    exposition = await _get(http, gateway.url + "/metrics")
    counted = {
        line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith("mlops_gateway_graphql_fields_total{")
    }
    labels = 'field="{}",operation="graphql",operation_type="{}",team="alpha",upstream="wallaroo"'
    assert counted == {
        labels.format("model", "query"): 3.0,
        labels.format("workspace", "query"): 3.0,
        labels.format("introspection", "query"): 1.0,
        labels.format("insert_workspace_one", "mutation"): 1.0,
    }
    lines = [orjson.loads(line) for line in log.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "mlops_gateway.access"]
    assert access[0]["graphql_fields"] == ["model", "workspace"]
    assert access[0]["graphql_operation_type"] == "query"
    assert access[3]["graphql_fields"] == ["introspection"]
    assert "graphql_fields" not in access[5]


async def test_introspection_is_forwarded_as_introspection(gateway, upstream, http) -> None:
    upstream.reply_body = b'{"data": {"__schema": {"queryType": {"name": "Query"}}}}'
    with captured_log() as log:
        status, headers, body = await _post(http, gateway, graphql_body(get_introspection_query()))
    assert status == 200 and body == upstream.reply_body
    assert "X-Gateway-Contract-Violations" not in headers
    assert len(upstream.seen) == 1
    (access,) = [line for line in log.getvalue().splitlines() if '"mlops_gateway.access"' in line]
    assert orjson.loads(access)["graphql_fields"] == ["introspection"]


async def test_a_wrongly_typed_answer_is_reported_and_relayed(gateway, upstream, http) -> None:
    answer = {
        "data": {"ws": [{"id": 1, "name": "a"}, {"id": "two", "name": None}]},
        "errors": [{"message": "x"}],
    }
    upstream.reply_body = orjson.dumps(answer)
    status, headers, body = await _post(http, gateway, graphql_body("{ ws: workspace { id name } }"))
    assert (status, body) == (200, upstream.reply_body)
    assert headers["X-Gateway-Contract-Violations"] == "2"
    report = await _get(http, gateway.url + "/_gateway/violations")
    rows = {
        (r["direction"], r["pointer"], r["kind"], r["expected"], r["found"]) for r in report["violations"]
    }
    assert rows == {
        ("response", "/data/workspace/*/id", "type", "GraphQL type Int!", "string of 3 characters"),
        ("response", "/data/workspace/*/name", "type", "GraphQL type String!", "null"),
    }


async def test_the_depth_limit_is_answered_400(upstream, http, tmp_path) -> None:
    config = graphql_gateway_config(upstream.url, write_graphql_spec(tmp_path))
    async with running_gateway(replace(config, limits=replace(config.limits, graphql_max_depth=3))) as gw:
        status, _, body = await _post(http, gw, graphql_body("{ model { owner { models { id } } } }"))
        assert status == 400
        message = orjson.loads(body)["errors"][0]["message"]
        assert message == "The operation selects fields nested deeper than 3 levels."
        status, _, _ = await _post(http, gw, graphql_body("{ model { owner { id } } }"))
        assert status == 200
    assert len(upstream.seen) == 1


async def test_report_mode_forwards_a_bad_query_and_counts_its_violations(upstream, http, tmp_path) -> None:
    config = graphql_gateway_config(upstream.url, write_graphql_spec(tmp_path))
    overrides = {"graphql": DirectionPolicy("report", "report")}
    async with running_gateway(
        replace(config, validation=replace(config.validation, overrides=overrides))
    ) as gw:
        status, headers, _ = await _post(http, gw, graphql_body("{ nosuch { id } }"))
        exposition = await _get(http, gw.url + "/metrics")
    assert status == 200 and headers["X-Gateway-Request-Violations"] == "1"
    assert len(upstream.seen) == 1
    assert "mlops_gateway_graphql_fields_total{" not in exposition
    assert (
        'mlops_gateway_contract_violations_total{direction="request",kind="graphql-validation",'
        'operation="graphql"} 1.0'
    ) in exposition
