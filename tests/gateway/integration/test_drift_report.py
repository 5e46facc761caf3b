"""The drift report and the contract log through a real gateway: a team reads only its own request
rows (and every response row), an admin reads everything, no request value is kept or logged, a
512 KiB invalid value adds only a few bytes to the log, and 3,000 invented keys of free-form
objects fold into one row instead of crowding out real response drift."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from gateway.server import RunningGateway
from tests.support.gateway import (
    ADMIN_KEY,
    JSON_AUTH,
    OTHER_TEAM_KEY,
    TEAM_KEY,
    gateway_config,
    post_json,
    running_gateway,
)
from tests.support.logs import captured_log
from tests.support.raw_http import RecordingUpstream

ALPHA_VALUE = "alpha-private-value-P@ssw0rd-42"
ALPHA_KEY_NAME = "alpha-private-key-name"
PROBLEM = "application/problem+json"


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingUpstream]:
    server = await RecordingUpstream(reply_body=b'{"workspace_id": 7}').start()
    yield server
    await server.close()


@pytest.fixture
async def gateway(upstream: RecordingUpstream) -> AsyncIterator[RunningGateway]:
    async with running_gateway(gateway_config(upstream.url)) as gw:
        yield gw


async def _report(http: aiohttp.ClientSession, gateway: RunningGateway, key: str) -> dict[str, Any]:
    async with http.get(gateway.url + "/_gateway/violations", headers={"X-Gateway-Key": key}) as r:
        assert r.status == 200
        report: dict[str, Any] = await r.json()
        return report


async def test_a_team_cannot_read_another_teams_rows_or_values(gateway, upstream, http) -> None:
    # alpha: a value breaking the contract, and an invented key of a free-form object
    await post_json(http, gateway.url + "/v1/api/workspaces/remove_user", {"workspace_id": ALPHA_VALUE})
    baseline = {"pipeline_name": "p", "workspace_id": 1, "next": {ALPHA_KEY_NAME: ALPHA_VALUE}}
    await post_json(http, gateway.url + "/v1/api/assays/get_baseline", baseline)
    # beta: its own mistake, and a response that drifts
    beta = {"Authorization": f"Bearer {OTHER_TEAM_KEY}", "Content-Type": "application/json"}
    await post_json(http, gateway.url + "/v1/api/workspaces/create", {"workspace_name": 5}, beta)
    upstream.reply_body = b'{"workspace_id": "seven"}'
    await post_json(http, gateway.url + "/v1/api/workspaces/create", {"workspace_name": "w"}, beta)

    seen_by_beta = await _report(http, gateway, OTHER_TEAM_KEY)
    text = orjson.dumps(seen_by_beta).decode()
    assert ALPHA_VALUE not in text and ALPHA_KEY_NAME not in text
    rows = {(r["operation"], r["direction"], r["pointer"]) for r in seen_by_beta["violations"]}
    assert rows == {
        ("workspaces_create", "request", "/workspace_name"),
        ("workspaces_create", "response", "/workspace_id"),
    }
    assert seen_by_beta["scope"] == "team" and seen_by_beta["team"] == "beta"


async def test_the_admin_key_reads_every_row_and_still_no_value(gateway, http) -> None:
    await post_json(http, gateway.url + "/v1/api/workspaces/remove_user", {"workspace_id": ALPHA_VALUE})
    beta = {"Authorization": f"Bearer {OTHER_TEAM_KEY}", "Content-Type": "application/json"}
    await post_json(http, gateway.url + "/v1/api/workspaces/create", {"workspace_name": 5}, beta)
    report = await _report(http, gateway, ADMIN_KEY)
    assert ALPHA_VALUE not in orjson.dumps(report).decode()
    rows = {(r["operation"], r["pointer"]): r for r in report["violations"]}
    assert rows["workspaces_remove_user", "/workspace_id"]["teams"] == ["alpha"]
    assert (
        rows["workspaces_remove_user", "/workspace_id"]["found"] == f"string of {len(ALPHA_VALUE)} characters"
    )
    assert rows["workspaces_create", "/workspace_name"]["teams"] == ["beta"]
    assert report["scope"] == "all"
    # the admin key reads the report, nothing else
    admin = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
    status, _, _ = await post_json(http, gateway.url + "/v1/api/workspaces/list", {}, admin)
    assert status == 401
    async with http.get(gateway.url + "/_gateway/violations") as response:
        assert response.status == 401 and response.headers["Content-Type"].startswith(PROBLEM)


async def _logged_and_answered(
    http: aiohttp.ClientSession, gateway: RunningGateway, value: str
) -> tuple[str, str]:
    """What the gateway logs for a request whose value breaks the contract, and its answer."""
    with captured_log() as log:
        status, _, body = await post_json(
            http, gateway.url + "/v1/api/workspaces/remove_user", {"workspace_id": value, "email": "e"}
        )
    assert status == 400
    return log.getvalue(), orjson.dumps(body).decode()


async def test_a_512_kib_invalid_value_adds_a_few_bytes_to_the_log(gateway, http) -> None:
    big_value = "x" * (512 * 1024)
    small, _ = await _logged_and_answered(http, gateway, "tiny")
    big, big_answer = await _logged_and_answered(http, gateway, big_value)
    password, password_answer = await _logged_and_answered(http, gateway, ALPHA_VALUE)
    assert "contract violation" in big and "workspaces_remove_user" in big
    # same lines whatever the value: only the duration's digits may differ
    assert abs(len(big) - len(small)) <= 16, (len(small), len(big))
    assert len(big) < 1500 and "xxxxxxxx" not in big and ALPHA_VALUE not in password
    # nor is the value echoed to the client that sent it
    assert "xxxxxxxx" not in big_answer and len(big_answer) < 2000 and ALPHA_VALUE not in password_answer


async def test_3000_free_form_keys_do_not_drop_real_response_drift(gateway, upstream, http) -> None:
    baseline = {"pipeline_name": "p", "workspace_id": 1, "next": {f"key-{i}": "x" for i in range(3000)}}
    status, _, _ = await post_json(http, gateway.url + "/v1/api/assays/get_baseline", baseline)
    assert status == 400
    users = {f"user-{i}": {"id": i} for i in range(3000)}  # 3 missing fields and a wrong type, each
    upstream.reply_body = orjson.dumps({"users": users})
    status, got, _ = await post_json(http, gateway.url + "/v1/api/users/query", {})
    assert status == 200 and got["X-Gateway-Contract-Violations"] == "12000"
    upstream.reply_body = b'{"workspace_id": "seven"}'
    await post_json(http, gateway.url + "/v1/api/workspaces/create", {"workspace_name": "w"}, JSON_AUTH)
    report = await _report(http, gateway, TEAM_KEY)  # alpha sent all three
    rows = {(r["operation"], r["pointer"], r["kind"]): r["count"] for r in report["violations"]}
    assert rows[("workspaces_create", "/workspace_id", "type")] == 1
    assert rows[("assays_get_baseline", "/next/{key}", "type")] == 3000
    assert rows[("users_query", "/users/{key}/id", "type")] == 3000
    assert len(rows) == 6 and report["dropped_rows"] == {"request": 0, "response": 0, "undocumented": 0}
