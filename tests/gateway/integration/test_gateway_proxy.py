"""The gateway's request pipeline against a controllable upstream over real sockets: routing,
inbound keys, header hygiene, request and response validation, streaming, upstream faults."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import time
from collections.abc import Callable

import aiohttp
import orjson
import pytest

from gateway.config import AuthMode, DirectionPolicy, LimitsConfig, Timeouts, UpstreamAuth, ValidationConfig
from sandbox.canned import CannedReply, CannedUpstream, SeenRequest, start_canned
from tests.support.gateway import (
    AUTH,
    JSON_AUTH,
    OPENLAYER_KEY,
    OTHER_TEAM_KEY,
    TEAM_KEY,
    UPSTREAM_TOKEN,
    gateway_config,
    post_json,
    running_gateway,
)
from tests.support.raw_http import RecordingUpstream

PROBLEM = "application/problem+json"
WORKSPACES = {
    "workspaces": [
        {
            "id": 1,
            "name": "alpha",
            "created_at": "2022-11-23T16:34:47.914362+00:00",
            "created_by": "5e9c9a2b-7a7f-454a-b8e7-91e3c2d86c9f",
            "archived": False,
            "models": [],
            "pipelines": [],
        }
    ]
}


@pytest.fixture
async def canned():
    upstream = CannedUpstream(
        replies={
            "/v1/api/workspaces/list": CannedReply(orjson.dumps(WORKSPACES)),
            "/v1/api/workspaces/create": CannedReply(b'{"workspace_id": 7}'),
            "/v1/api/models/upload_stream": CannedReply(upload_reply=True),
            "/v1/api/models/upload": CannedReply(upload_reply=True),
        }
    )
    running = await start_canned(upstream)
    yield running
    await running.close()


@pytest.fixture
async def gateway(canned):
    async with running_gateway(gateway_config(canned.url)) as gw:
        yield gw


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def _problem(headers: dict[str, str], body: dict, status: int, slug: str) -> None:
    assert headers["Content-Type"].startswith(PROBLEM)
    assert body["status"] == status
    assert body["type"].endswith("/" + slug)
    assert body["title"] and body["detail"]
    assert body["request_id"] == headers["X-Request-ID"]


async def test_valid_request_is_forwarded_with_clean_headers(gateway, canned, session) -> None:
    headers = {
        **JSON_AUTH,
        "X-Request-ID": "req-123",
        "Connection": "keep-alive, X-Hop",
        "X-Hop": "must-not-pass",
        "Keep-Alive": "timeout=5",
        "X-Team-Header": "passes",
    }
    status, got, body = await post_json(session, gateway.url + "/v1/api/workspaces/list", {}, headers)
    assert status == 200 and body == WORKSPACES
    assert got["X-Request-ID"] == "req-123"
    seen = canned.upstream.seen[-1]
    assert seen.headers["Authorization"] == f"Bearer {UPSTREAM_TOKEN}"
    assert seen.headers["X-Request-ID"] == "req-123"
    assert seen.headers["X-Forwarded-For"] == "127.0.0.1"
    assert seen.headers["X-Forwarded-Proto"] == "http"
    assert seen.headers["X-Forwarded-Host"] == gateway.url.removeprefix("http://")
    assert seen.headers["X-Team-Header"] == "passes"
    for hop in ("X-Hop", "Keep-Alive"):
        assert hop not in seen.headers
    assert TEAM_KEY not in str(seen.headers)


async def test_cookies_an_upstream_sets_for_one_client_are_never_sent_for_another(session) -> None:
    """One pooled session serves every team: it must not keep the upstream's cookies."""
    upstream = await RecordingUpstream(reply_headers=(("Set-Cookie", "sid=alpha-only; Path=/"),)).start()
    try:
        # by name: aiohttp's default cookie jar would keep cookies from a host name, not from an IP
        by_name = upstream.url.replace("127.0.0.1", "localhost")
        async with running_gateway(gateway_config(by_name)) as gw:
            for key in (TEAM_KEY, OTHER_TEAM_KEY):
                headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                async with session.post(gw.url + "/v1/api/workspaces/list", data=b"{}", headers=headers) as r:
                    assert r.status == 200 and r.headers["Set-Cookie"] == "sid=alpha-only; Path=/"
    finally:
        await upstream.close()
    assert [seen.header("Cookie") for seen in upstream.seen] == [None, None]


async def test_openlayer_operation_goes_to_its_upstream_with_its_credentials(
    gateway, canned, session
) -> None:
    url = gateway.url + "/v1/tests/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/evaluate"
    await post_json(session, url, {"startTimestamp": 1699920000, "endTimestamp": 1700006400})
    assert canned.upstream.seen[-1].headers["Authorization"] == f"Bearer {OPENLAYER_KEY}"


async def test_request_id_is_made_when_missing_or_unsafe(gateway, session) -> None:
    _, first, _ = await post_json(session, gateway.url + "/v1/api/workspaces/list", {})
    _, second, _ = await post_json(
        session,
        gateway.url + "/v1/api/workspaces/list",
        {},
        {**JSON_AUTH, "X-Request-ID": "bad id\twith spaces"},
    )
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert " " not in second["X-Request-ID"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-key-of-any-team"}, {"Authorization": "Basic abc"}],
    ids=["none", "unknown", "not-bearer"],
)
async def test_requests_without_a_gateway_key_are_refused(gateway, canned, session, headers) -> None:
    before = len(canned.upstream.seen)
    _status, got, body = await post_json(
        session, gateway.url + "/v1/api/workspaces/list", {}, {**headers, "Content-Type": "application/json"}
    )
    _problem(got, body, 401, "unauthenticated")
    assert got["WWW-Authenticate"].startswith("Bearer")
    assert len(canned.upstream.seen) == before


async def test_x_gateway_key_header_identifies_a_team_too(gateway, session) -> None:
    status, _, _ = await post_json(
        session,
        gateway.url + "/v1/api/workspaces/list",
        {},
        {"X-Gateway-Key": OTHER_TEAM_KEY, "Content-Type": "application/json"},
    )
    assert status == 200


async def test_unknown_path_is_404_and_wrong_method_405(gateway, session) -> None:
    _status, got, body = await post_json(session, gateway.url + "/v1/api/nothing/here", {})
    _problem(got, body, 404, "not-found")
    async with session.get(gateway.url + "/v1/api/workspaces/list", headers=AUTH) as response:
        body = await response.json(content_type=None)
        _problem(dict(response.headers), body, 405, "method-not-allowed")
        assert response.headers["Allow"] == "POST"


async def test_invalid_body_lists_every_violation_and_never_reaches_upstream(
    gateway, canned, session
) -> None:
    before = len(canned.upstream.seen)
    _status, got, body = await post_json(
        session, gateway.url + "/v1/api/workspaces/remove_user", {"workspace_id": "five", "email": 3}
    )
    _problem(got, body, 400, "invalid-request")
    found = {(v["pointer"], v["kind"], v["expected"], v["found"]) for v in body["violations"]}
    assert ("/workspace_id", "type", "type integer", "string of 4 characters") in found
    assert ("/email", "type", "type string", "integer") in found
    assert body["operation"] == "workspaces_remove_user"
    assert len(canned.upstream.seen) == before


async def test_missing_required_field_names_the_field(gateway, session) -> None:
    _, got, body = await post_json(session, gateway.url + "/v1/api/workspaces/create", {})
    _problem(got, body, 400, "invalid-request")
    assert body["violations"][0]["pointer"] == "/workspace_name"
    assert body["violations"][0]["found"] == "missing"


async def test_malformed_json_empty_body_and_wrong_content_type_each_get_their_own_answer(
    gateway, session
) -> None:
    url = gateway.url + "/v1/api/workspaces/create"
    async with session.post(url, data=b'{"workspace_name": ', headers=JSON_AUTH) as response:
        _problem(dict(response.headers), await response.json(content_type=None), 400, "malformed-json")
    async with session.post(url, headers=AUTH) as response:
        _problem(dict(response.headers), await response.json(content_type=None), 400, "empty-body")
    async with session.post(
        url, data=b"workspace_name=x", headers={**AUTH, "Content-Type": "text/plain"}
    ) as response:
        body = await response.json(content_type=None)
        _problem(dict(response.headers), body, 415, "unsupported-media-type")
        assert "application/json" in body["detail"]


async def test_body_over_the_limit_is_413(canned, session) -> None:
    config = gateway_config(canned.url, limits=LimitsConfig(max_json_body_bytes=1024, max_upload_bytes=4096))
    async with running_gateway(config) as gw:
        big = {"workspace_name": "x" * 2000}
        _status, got, body = await post_json(session, gw.url + "/v1/api/workspaces/create", big)
        _problem(got, body, 413, "body-too-large")
        url = gw.url + "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1"

        async def chunks():  # no Content-Length: the limit must hold on the stream itself
            for _ in range(10):
                yield b"z" * 1000

        headers = {**AUTH, "Content-Type": "application/octet-stream"}
        async with session.post(url, data=chunks(), headers=headers) as response:
            _problem(dict(response.headers), await response.json(content_type=None), 413, "body-too-large")


async def test_response_report_mode_passes_through_and_counts(canned, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/create"] = CannedReply(b'{"workspace_id": "seven"}')
    async with running_gateway(gateway_config(canned.url, response_policy="report")) as gw:
        status, got, body = await post_json(
            session, gw.url + "/v1/api/workspaces/create", {"workspace_name": "a"}
        )
        assert status == 200 and body == {"workspace_id": "seven"}
        assert got["X-Gateway-Contract-Violations"] == "1"
        async with session.get(gw.url + "/_gateway/violations", headers=AUTH) as response:
            report = await response.json()
        row = report["violations"][0]
        assert row["operation"] == "workspaces_create" and row["direction"] == "response"
        assert row["pointer"] == "/workspace_id" and row["kind"] == "type" and row["count"] == 1
        assert row["sample_request_id"] == got["X-Request-ID"]
        async with session.get(gw.url + "/metrics") as response:
            metrics = await response.text()
        assert (
            "mlops_gateway_contract_violations_total"
            '{direction="response",kind="type",operation="workspaces_create"} 1.0' in metrics
        )


async def test_response_enforce_mode_answers_502_naming_operation_status_and_fields(canned, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/create"] = CannedReply(b'{"id": 7}', status=200)
    async with running_gateway(gateway_config(canned.url, response_policy="enforce")) as gw:
        _status, got, body = await post_json(
            session, gw.url + "/v1/api/workspaces/create", {"workspace_name": "a"}
        )
        _problem(got, body, 502, "invalid-response")
        assert body["operation"] == "workspaces_create" and body["upstream_status"] == 200
        assert body["upstream"] == "wallaroo"
        assert [v["pointer"] for v in body["violations"]] == ["/workspace_id"]


async def test_undocumented_status_and_content_type_are_violations(canned, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/create"] = CannedReply(b'{"msg": "teapot"}', status=418)
    canned.upstream.replies["/v1/api/workspaces/list"] = CannedReply(b"<html/>", content_type="text/html")
    async with running_gateway(gateway_config(canned.url, response_policy="report")) as gw:
        status, got, _ = await post_json(
            session, gw.url + "/v1/api/workspaces/create", {"workspace_name": "a"}
        )
        assert status == 418 and got["X-Gateway-Contract-Violations"] == "1"
        async with session.post(
            gw.url + "/v1/api/workspaces/list", data=b"{}", headers=JSON_AUTH
        ) as response:
            assert response.status == 200 and await response.read() == b"<html/>"
            assert response.headers["X-Gateway-Contract-Violations"] == "1"
        async with session.get(gw.url + "/_gateway/violations", headers=AUTH) as response:
            kinds = {(r["operation"], r["kind"]) for r in (await response.json())["violations"]}
        assert kinds == {("workspaces_create", "status"), ("workspaces_list", "content-type")}


async def test_per_operation_override_turns_validation_off(canned, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/create"] = CannedReply(b'{"id": 7}')
    overrides = {"workspaces_create": DirectionPolicy(request="off", response="off")}
    config = gateway_config(canned.url, response_policy="enforce", overrides=overrides)
    async with running_gateway(config) as gw:
        status, got, body = await post_json(
            session, gw.url + "/v1/api/workspaces/create", {"workspace_name": 5}
        )
        assert status == 200 and body == {"id": 7} and "X-Gateway-Contract-Violations" not in got


async def test_response_over_the_validation_size_streams_through_unvalidated(canned, session) -> None:
    big = orjson.dumps({"workspaces": [{"id": "not-an-int", "pad": "p" * 1000}] * 400})
    canned.upstream.replies["/v1/api/workspaces/list"] = CannedReply(big, chunk_size=16384)
    config = gateway_config(
        canned.url,
        response_policy="enforce",
        validation=ValidationConfig(response="enforce", max_response_bytes=65536),
    )
    async with running_gateway(config) as gw:
        async with session.post(
            gw.url + "/v1/api/workspaces/list", data=b"{}", headers=JSON_AUTH
        ) as response:
            assert response.status == 200 and await response.read() == big
        async with session.get(gw.url + "/metrics") as response:
            assert (
                "mlops_gateway_unvalidated_responses_total"
                '{operation="workspaces_list",reason="too_large"} 1.0' in (await response.text())
            )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_refused_connection_is_502_naming_the_upstream(session) -> None:
    async with running_gateway(gateway_config(f"http://127.0.0.1:{_closed_port()}")) as gw:
        _status, got, body = await post_json(session, gw.url + "/v1/api/workspaces/list", {})
        _problem(got, body, 502, "upstream-unavailable")
        assert body["upstream"] == "wallaroo" and "wallaroo" in body["detail"]
        async with session.get(gw.url + "/readyz") as response:
            assert response.status == 503
            assert (await response.json())["upstreams"]["wallaroo"] is False


async def test_unreachable_token_endpoint_is_503_upstream_auth_unavailable_naming_no_secret(
    canned, session
) -> None:
    config = gateway_config(canned.url)
    keycloak = UpstreamAuth(
        AuthMode.KEYCLOAK,
        token_url=f"http://127.0.0.1:{_closed_port()}/realms/wallaroo/protocol/openid-connect/token",
        client_id="api-client",
        client_secret="client-secret-value-123",
        username="svc@example.com",
        password="password-value-456",
    )
    wallaroo = dataclasses.replace(config.upstreams[0], auth=keycloak)
    config = dataclasses.replace(config, upstreams=(wallaroo, *config.upstreams[1:]))
    async with running_gateway(config) as gw:
        async with asyncio.timeout(15):
            status, got, body = await post_json(session, gw.url + "/v1/api/workspaces/list", {})
        assert status == 503
        _problem(got, body, 503, "upstream-auth-unavailable")
        assert body["type"] == "https://mlops-gateway.dev/problems/upstream-auth-unavailable"
        assert body["upstream"] == "wallaroo" and body["credential_set"] == "wallaroo"
        assert int(got["Retry-After"]) >= 1
        text = orjson.dumps(body).decode()
        for secret in ("client-secret-value-123", "password-value-456", TEAM_KEY, UPSTREAM_TOKEN):
            assert secret not in text
    assert not canned.upstream.seen  # nothing went upstream without its credentials


async def test_reset_connection_is_502(canned, gateway, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/list"] = CannedReply(reset=True)
    _status, got, body = await post_json(session, gateway.url + "/v1/api/workspaces/list", {})
    _problem(got, body, 502, "upstream-unavailable")


async def test_slow_upstream_is_504_within_the_read_timeout(canned, session) -> None:
    canned.upstream.replies["/v1/api/workspaces/list"] = CannedReply(orjson.dumps(WORKSPACES), delay=5)
    config = gateway_config(canned.url, timeouts=Timeouts(connect=1, read=0.5, total=3))
    async with running_gateway(config) as gw:
        started = time.monotonic()
        _status, got, body = await post_json(session, gw.url + "/v1/api/workspaces/list", {})
        assert time.monotonic() - started < 3
        _problem(got, body, 504, "upstream-timeout")


async def _until(condition: Callable[[], bool]) -> None:
    """Poll `condition` until it holds; the caller bounds the wait with asyncio.timeout."""
    while True:
        if condition():
            return
        await asyncio.sleep(0.02)


async def test_client_disconnect_cancels_the_upstream_call(canned) -> None:
    # the gateway's own timeouts are far beyond the test's deadlines: only the disconnect can cancel
    canned.upstream.replies["/v1/api/workspaces/list"] = CannedReply(orjson.dumps(WORKSPACES), delay=10)
    config = gateway_config(canned.url, timeouts=Timeouts(connect=2, read=60, total=120))
    async with running_gateway(config) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        body = b"{}"
        writer.write(
            b"POST /v1/api/workspaces/list HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\n"
            b"Authorization: Bearer " + TEAM_KEY.encode() + b"\r\n"
            b"Content-Type: application/json\r\n"
            b"X-Request-ID: gone\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        await writer.drain()

        def arrived() -> list[SeenRequest]:
            return [s for s in canned.upstream.seen if s.headers.get("X-Request-ID") == "gone"]

        async with asyncio.timeout(5):
            await _until(lambda: bool(arrived()))  # the upstream now holds its answer
        seen = arrived()[0]
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await reader.read(1)  # nothing answered yet
        assert not seen.cancelled
        writer.close()  # the client goes away mid-request
        await writer.wait_closed()
        async with asyncio.timeout(3):  # far within the upstream's delay and the gateway's timeouts
            await _until(lambda: seen.cancelled)


async def test_octet_stream_upload_streams_to_the_upstream_byte_for_byte(gateway, canned, session) -> None:
    payload = bytes(range(256)) * 4096 * 8  # 8 MiB
    url = (
        gateway.url + "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1&visibility=private"
    )
    async with session.post(
        url, data=payload, headers={**AUTH, "Content-Type": "application/octet-stream"}
    ) as r:
        assert r.status == 200
        assert (await r.json())["insert_models"]["returning"][0]["models"][0]["id"] == len(payload)
    import hashlib

    assert canned.upstream.seen[-1].body_sha256 == hashlib.sha256(payload).hexdigest()


async def test_multipart_upload_checks_fields_then_streams(gateway, canned, session) -> None:
    form = aiohttp.FormData()
    form.add_field("name", "model-a")
    form.add_field("workspace_id", "5")
    form.add_field("file", b"\x00" * 100_000, filename="m.onnx", content_type="application/octet-stream")
    async with session.post(gateway.url + "/v1/api/models/upload", data=form, headers=AUTH) as response:
        assert response.status == 200
    assert canned.upstream.seen[-1].body_bytes > 100_000
    before = len(canned.upstream.seen)
    form = aiohttp.FormData()
    form.add_field("name", "model-a")
    form.add_field("workspace_id", "five")
    form.add_field("file", b"\x00" * 1000, filename="m.onnx")
    async with session.post(gateway.url + "/v1/api/models/upload", data=form, headers=AUTH) as response:
        body = await response.json(content_type=None)
        _problem(dict(response.headers), body, 400, "invalid-request")
        assert body["violations"][0]["pointer"] == "/workspace_id"
    assert len(canned.upstream.seen) == before


async def test_healthz_readyz_and_metrics(gateway, session, contract) -> None:
    await post_json(session, gateway.url + "/v1/api/workspaces/list", {})
    async with session.get(gateway.url + "/healthz") as response:
        assert response.status == 200
    async with session.get(gateway.url + "/readyz") as response:
        body = await response.json()
        assert (
            response.status == 200
            and body["operations"] == len(contract.operations)
            and body["upstreams"]
            == {
                "wallaroo": True,
                "openlayer": True,
            }
        )
    async with session.get(gateway.url + "/metrics") as response:
        text = await response.text()
    assert (
        'mlops_gateway_requests_total{method="POST",operation="workspaces_list",source="upstream",status="200",'
        'team="alpha",upstream="wallaroo"} 1.0' in text
    )
    assert "mlops_gateway_request_duration_seconds_bucket" in text
    for secret in (TEAM_KEY, UPSTREAM_TOKEN, OPENLAYER_KEY):
        assert secret not in text


async def test_drift_report_needs_a_key(gateway, session) -> None:
    async with session.get(gateway.url + "/_gateway/violations") as response:
        assert response.status == 401
        assert response.headers["Content-Type"].startswith(PROBLEM)


async def test_secrets_never_reach_the_logs(gateway, session, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="mlops_gateway")
    await post_json(session, gateway.url + "/v1/api/workspaces/list", {})
    await post_json(session, gateway.url + "/v1/api/users/invite", {"email": 5, "password": "hunter2-secret"})
    text = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "workspaces_list" in text and "users_invite" in text  # the lines were written
    for secret in (TEAM_KEY, UPSTREAM_TOKEN, "hunter2-secret"):
        assert secret not in text


async def test_request_report_mode_forwards_and_counts(canned, session) -> None:
    overrides = {"workspaces_create": DirectionPolicy(request="report", response="report")}
    async with running_gateway(gateway_config(canned.url, overrides=overrides)) as gw:
        status, got, _ = await post_json(session, gw.url + "/v1/api/workspaces/create", {"workspace_name": 5})
        assert status == 200 and got["X-Gateway-Request-Violations"] == "1"
        assert canned.upstream.seen[-1].path_qs == "/v1/api/workspaces/create"
        url = gw.url + "/v1/api/workspaces/create"
        async with session.post(url, data=b"{not json", headers=JSON_AUTH) as response:
            assert response.status == 200 and response.headers["X-Gateway-Request-Violations"] == "1"
        async with session.get(gw.url + "/_gateway/violations", headers=AUTH) as response:
            rows = {(r["direction"], r["pointer"], r["kind"]) for r in (await response.json())["violations"]}
        assert rows == {("request", "/workspace_name", "type"), ("request", "", "json")}


async def test_body_sizes_are_measured(gateway, session) -> None:
    await post_json(session, gateway.url + "/v1/api/workspaces/list", {})
    async with session.get(gateway.url + "/metrics") as response:
        text = await response.text()
    size = len(orjson.dumps(WORKSPACES))
    assert 'mlops_gateway_request_body_bytes_sum{operation="workspaces_list"} 2.0' in text
    assert f'mlops_gateway_response_body_bytes_sum{{operation="workspaces_list"}} {size}.0' in text


async def test_a_stalled_request_body_is_408_and_never_hangs(canned, session) -> None:
    config = gateway_config(canned.url, limits=LimitsConfig(client_idle_timeout=0.3))
    async with running_gateway(config) as gw:

        async def stalls():
            yield b'{"workspace_name": '
            await asyncio.sleep(2)
            yield b'"late"}'

        started = time.monotonic()
        url = gw.url + "/v1/api/workspaces/create"
        async with session.post(url, data=stalls(), headers=JSON_AUTH) as response:
            body = await response.json(content_type=None)
        assert time.monotonic() - started < 1.8
        _problem(dict(response.headers), body, 408, "request-timeout")


async def test_a_body_shorter_than_its_content_length_times_out_with_408(canned) -> None:
    config = gateway_config(canned.url, limits=LimitsConfig(client_idle_timeout=0.3))
    async with running_gateway(config) as gw:
        host, port = gw.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /v1/api/workspaces/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + TEAM_KEY.encode() + b'\r\nContent-Length: 100\r\n\r\n{"workspace'
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=3)
        writer.close()
        assert status_line.startswith(b"HTTP/1.1 408")
