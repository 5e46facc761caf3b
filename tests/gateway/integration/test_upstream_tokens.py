"""Upstream tokens through a real gateway: the defects of issue 9, each against real servers on
127.0.0.1 (the sandbox's Keycloak-compatible token endpoint, or a scripted misbehaving one on an
asyncio socket) with clients that count what they see.

Figures (token requests, recovery times) are printed; run with `-s` to read them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import orjson
import pytest

from gateway.config import AuthMode, GatewayConfig, TeamConfig, UpstreamAuth
from sandbox import SandboxServer, start_sandbox
from sandbox.core.context import REALM
from tests.support.gateway import JSON_AUTH, OTHER_TEAM_KEY, gateway_config, running_gateway
from tests.support.raw_http import RecordingUpstream
from tests.support.sandbox import sandbox_settings
from tests.support.token_endpoints import HANG, ScriptedTokenEndpoint, Upstream401Once, always, token_body

LIST = "/v1/api/workspaces/list"
SECRETS = ("client-secret-value-123", "password-value-456")


def keycloak(token_url: str, **changes: Any) -> UpstreamAuth:
    values: dict[str, Any] = {
        "token_url": token_url,
        "client_id": "api-client",
        "client_secret": SECRETS[0],
        "username": "svc@example.com",
        "password": SECRETS[1],
        **changes,
    }
    return UpstreamAuth(AuthMode.KEYCLOAK, **values)


def with_auth(upstream_url: str, auth: UpstreamAuth, **changes: Any) -> GatewayConfig:
    config = gateway_config(upstream_url)
    wallaroo = dataclasses.replace(config.upstreams[0], auth=auth)
    return dataclasses.replace(config, upstreams=(wallaroo, *config.upstreams[1:]), **changes)


async def call(session: aiohttp.ClientSession, url: str, path: str = LIST) -> tuple[int, Any, Any]:
    async with session.post(url + path, data=b"{}", headers=JSON_AUTH) as response:
        raw = await response.read()
        return response.status, response.headers, orjson.loads(raw) if raw else None


@pytest.fixture
async def upstream() -> Any:
    server = await RecordingUpstream().start()
    yield server
    await server.close()


@pytest.fixture
async def endpoints() -> Any:
    started: list[ScriptedTokenEndpoint] = []

    async def start(script: Any, delay: float = 0.0) -> ScriptedTokenEndpoint:
        endpoint = await ScriptedTokenEndpoint(script, delay).start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        await endpoint.stop()


@pytest.fixture
async def short_tokens(tmp_path: Path, contract: Any) -> Any:
    """A sandbox minting 2-second access tokens."""
    server = await start_sandbox(sandbox_settings(tmp_path, access_token_lifetime=2), contract=contract)
    yield server
    await server.close()


def sandbox_auth(server: SandboxServer, **changes: Any) -> UpstreamAuth:
    s = server.settings
    user = {"client_secret": s.client_secret, "username": s.admin_email, "password": s.admin_password}
    return keycloak(server.token_url, **{**user, **changes})


# -- lifetimes, refresh grants, revoked refresh tokens -------------------------------------------


async def _loop(session: aiohttp.ClientSession, url: str, seconds: float) -> Counter[int]:
    statuses: Counter[int] = Counter()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status, _, _ = await call(session, url)
        statuses[status] += 1
        await asyncio.sleep(0.02)
    return statuses


async def test_two_second_tokens_through_five_lifetimes_use_refresh_grants(short_tokens, http) -> None:
    realm = short_tokens.app[REALM]
    config = with_auth(short_tokens.url, sandbox_auth(short_tokens))
    async with running_gateway(config) as gw:
        statuses = await asyncio.wait_for(_loop(http, gw.url, 11), 20)
    print(f"\n2 s tokens, 11 s: {dict(statuses)}; token endpoint issued {dict(realm.issued)}")
    assert set(statuses) == {200}, statuses
    assert 4 <= realm.issued["refresh_token"] <= 16  # about one per lifetime, not one per request
    assert realm.issued["password"] <= 2  # not a login per lifetime


async def test_revoked_refresh_token_logs_in_again_by_itself(short_tokens, http) -> None:
    realm = short_tokens.app[REALM]
    config = with_auth(short_tokens.url, sandbox_auth(short_tokens))
    async with running_gateway(config) as gw:
        assert (await call(http, gw.url))[0] == 200
        for session_id in list(realm.sessions._sessions):  # log every session out: its refresh tokens die
            realm.sessions.revoke(session_id)
        statuses = await asyncio.wait_for(_loop(http, gw.url, 4), 10)
    print(
        f"\nrevoked refresh token: {dict(statuses)}; issued {dict(realm.issued)}, "
        f"refused {dict(realm.rejected)}"
    )
    assert set(statuses) == {200}, statuses
    assert realm.rejected["invalid_grant"] >= 1 and realm.issued["password"] >= 2


# -- single flight -------------------------------------------------------------------------------


async def test_two_hundred_concurrent_requests_on_a_cold_gateway_make_one_token_request(
    upstream, endpoints, http
) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body()), delay=0.2)
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        answers = await asyncio.wait_for(asyncio.gather(*(call(http, gw.url) for _ in range(200))), 30)
    print(f"\n200 concurrent cold requests: {endpoint.grants()} token request(s)")
    assert [a[0] for a in answers] == [200] * 200
    assert endpoint.grants() == 1


async def test_failures_are_single_flight_while_the_endpoint_answers_500(upstream, endpoints, http) -> None:
    endpoint = await endpoints(always(500, {"error": "unknown_error"}), delay=0.2)
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        answers = await asyncio.wait_for(asyncio.gather(*(call(http, gw.url) for _ in range(20))), 30)
        print(f"\n20 concurrent requests, token endpoint 500: {endpoint.grants()} token request(s)")
        assert endpoint.grants() == 1
    for status, headers, body in answers:
        assert status == 503 and body["type"].endswith("/upstream-auth-unavailable")
        assert int(headers["Retry-After"]) >= 1 and body["credential_set"] == "wallaroo"
    assert not upstream.seen


async def test_a_token_endpoint_that_never_answers_answers_every_waiter_within_the_timeout(
    upstream, endpoints, http
) -> None:
    endpoint = await endpoints(lambda n, form: HANG)
    started = time.monotonic()
    timings: list[float] = []

    async def timed() -> int:
        status, _, _ = await call(http, gw.url)
        timings.append(time.monotonic() - started)
        return status

    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:  # default 10 s
        statuses = await asyncio.wait_for(asyncio.gather(timed(), timed(), timed()), 40)
    print(
        f"\nhanging token endpoint: answered at {[round(t, 2) for t in timings]} s, "
        f"{endpoint.grants()} request(s)"
    )
    assert statuses == [503, 503, 503]
    assert max(timings) < 10 + 2.5
    assert endpoint.grants() == 1


async def test_a_cancelled_caller_does_not_restart_the_login(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body()), delay=1.0)
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(call(http, gw.url), 0.3)  # gives up: its connection closes
        await asyncio.sleep(0.1)
        status, _, _ = await asyncio.wait_for(call(http, gw.url), 10)
    assert status == 200
    assert endpoint.grants() == 1


# -- refresh ahead, keep serving the valid token -------------------------------------------------


async def test_a_failing_refresh_keeps_serving_the_valid_token(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body(6)) if n == 1 else (500, {}))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        statuses = await asyncio.wait_for(_loop(http, gw.url, 4.5), 10)  # refresh due at 3 s, fails
    print(f"\nfailing refresh inside the margin: {dict(statuses)}; {endpoint.grants()} token request(s)")
    assert set(statuses) == {200}, statuses
    assert 2 <= endpoint.grants() <= 4  # refreshes tried in the background, backing off


async def test_a_slow_refresh_does_not_make_requests_wait(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body(4)))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        assert (await call(http, gw.url))[0] == 200
        endpoint.delay = 2.0  # every later exchange takes 2 s
        await asyncio.sleep(2.2)  # past the clamped margin (2 s of 4): the refresh runs
        started = time.monotonic()
        status, _, _ = await call(http, gw.url)
        waited = time.monotonic() - started
    print(f"\nslow refresh: request answered in {waited * 1000:.0f} ms")
    assert status == 200 and waited < 0.5


async def test_a_margin_longer_than_the_token_lifetime_is_clamped(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body(4)))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:  # margin 30
        statuses = await asyncio.wait_for(_loop(http, gw.url, 1.0), 10)
    print(f"\n4 s tokens, margin 30: {sum(statuses.values())} requests, {endpoint.grants()} token request(s)")
    assert set(statuses) == {200} and endpoint.grants() == 1


async def test_an_unusable_expires_in_is_503_not_500(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body("soon")))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        status, headers, body = await asyncio.wait_for(call(http, gw.url), 15)
    assert status == 503 and body["type"].endswith("/upstream-auth-unavailable"), body
    assert "expires_in" in body["detail"] and "Retry-After" in headers


# -- the token endpoint goes away and comes back -------------------------------------------------


async def test_token_endpoint_stopped_mid_run_then_back(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body(3)))
    auth = keycloak(endpoint.url, backoff_base=0.25, backoff_max=1.0)
    seen: list[tuple[float, int, str | None]] = []
    async with running_gateway(with_auth(upstream.url, auth)) as gw:

        async def probe() -> None:
            status, headers, _ = await call(http, gw.url)
            seen.append((time.monotonic(), status, headers.get("Retry-After")))
            await asyncio.sleep(0.02)

        await probe()
        issued = time.monotonic()
        await endpoint.stop()
        stopped = time.monotonic()
        while time.monotonic() - issued < 4.5:  # the token (3 s) runs out meanwhile
            await probe()
        before = endpoint.grants()
        await endpoint.start()
        back = time.monotonic()
        while seen[-1][1] != 200 and time.monotonic() - back < 5:
            await probe()
        recovered = time.monotonic() - back
        async with http.get(gw.url + "/metrics") as response:
            attempts = _renewals(await response.text(), "unavailable")
    while_valid = [s for t, s, _ in seen if stopped <= t < issued + 2.9]
    after = [(s, r) for t, s, r in seen if issued + 3.1 < t < back]
    client_requests = len([t for t, _, _ in seen if stopped <= t < back])
    print(
        f"\nendpoint stopped: {client_requests} client requests while down, {attempts:.0f} token "
        f"exchanges tried (refused connections); recovered {recovered:.2f} s after it came back"
    )
    assert before == 1 and attempts < client_requests / 10
    assert while_valid and set(while_valid) == {200}
    assert after and all(s == 503 and r is not None and int(r) >= 1 for s, r in after), after
    assert seen[-1][1] == 200 and recovered < 3


def _renewals(metrics: str, outcome: str) -> float:
    return sum(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("mlops_gateway_token_renewals_total{") and f'outcome="{outcome}"' in line
    )


async def test_backoff_while_the_endpoint_errors(upstream, endpoints, http) -> None:
    failing = True
    endpoint = await endpoints(lambda n, form: (503, {}) if failing else (200, token_body()))
    auth = keycloak(endpoint.url, backoff_base=0.25, backoff_max=1.0)
    async with running_gateway(with_auth(upstream.url, auth)) as gw:
        statuses = await asyncio.wait_for(_loop(http, gw.url, 3), 10)
        failed_requests = endpoint.grants()
        failing = False
        back = time.monotonic()
        while (await call(http, gw.url))[0] != 200 and time.monotonic() - back < 5:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        recovered = time.monotonic() - back
    print(
        f"\nendpoint erroring 3 s: {sum(statuses.values())} client requests, {failed_requests} token "
        f"requests; recovered {recovered:.2f} s after it answered again"
    )
    assert set(statuses) == {503}
    assert failed_requests <= 8 < sum(statuses.values())
    assert recovered < 1.5


# -- upstream 401 --------------------------------------------------------------------------------


async def test_an_upstream_401_renews_the_token_and_replays_the_request(endpoints, http) -> None:
    upstream = await Upstream401Once().start()
    try:
        endpoint = await endpoints(lambda n, form: (200, token_body()))
        async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
            status, _, body = await call(http, gw.url)
            again, _, _ = await call(http, gw.url)
    finally:
        await upstream.close()
    tokens = [r.header("Authorization") for r in upstream.seen]
    assert (status, again) == (200, 200), body
    assert len(tokens) == 3 and tokens[0] != tokens[1] == tokens[2]
    assert endpoint.grants() == 2


async def test_an_upstream_401_to_a_streamed_upload_is_a_clear_problem(endpoints, http) -> None:
    upstream = await Upstream401Once(reply_body=b'{"insert_models": {"returning": []}}').start()
    try:
        endpoint = await endpoints(lambda n, form: (200, token_body()))
        async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
            path = "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1"
            headers = {**JSON_AUTH, "Content-Type": "application/octet-stream"}
            async with http.post(gw.url + path, data=b"x" * 1000, headers=headers) as response:
                status, body, retry = (
                    response.status,
                    await response.json(content_type=None),
                    response.headers,
                )
            second, _, _ = await call(http, gw.url)
    finally:
        await upstream.close()
    assert status == 503 and body["type"].endswith("/upstream-token-rejected"), body
    assert retry["Retry-After"] == "1" and "send the upload again" in body["detail"]
    assert second == 200 and endpoint.grants() == 2


# -- refused credentials, readiness, metrics -----------------------------------------------------


async def test_a_wrong_client_secret_is_readyz_503_naming_the_set_and_calls_502(sandbox, http) -> None:
    config = with_auth(sandbox.url, sandbox_auth(sandbox, client_secret="wrong-client-secret-789"))
    async with running_gateway(config) as gw:
        status, _, body = await call(http, gw.url)
        async with http.get(gw.url + "/readyz") as response:
            ready, readyz = response.status, await response.text()
    assert status == 502 and body["type"].endswith("/upstream-auth-failed"), body
    assert body["credential_set"] == "wallaroo" and "invalid_client" in body["detail"]
    assert ready == 503
    state = orjson.loads(readyz)["credentials"]["wallaroo"]
    assert (
        state["ready"] is False
        and state["state"].startswith("cannot log in")
        and "invalid_client" in state["state"]
    )
    for secret in ("wrong-client-secret-789", sandbox.settings.admin_password):
        assert secret not in readyz and secret not in orjson.dumps(body).decode()


async def test_token_metrics_are_exported(upstream, endpoints, http) -> None:
    endpoint = await endpoints(lambda n, form: (200, token_body(600)) if n == 1 else (500, {}))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        assert (await call(http, gw.url))[0] == 200
        async with http.get(gw.url + "/metrics") as response:
            text = await response.text()
    line = 'mlops_gateway_token_renewals_total{credential_set="wallaroo",grant="password",outcome="ok"} 1.0'
    assert line in text
    assert 'mlops_gateway_token_endpoint_duration_seconds_count{credential_set="wallaroo"} 1.0' in text
    expiry = next(
        x
        for x in text.splitlines()
        if x.startswith('mlops_gateway_token_expires_at_seconds{credential_set="wallaroo"}')
    )
    assert 590 < float(expiry.split()[-1]) - time.time() <= 600


async def test_identity_provider_failures_are_upstream_errors(upstream, endpoints, http) -> None:
    endpoint = await endpoints(always(500, {}))
    async with running_gateway(with_auth(upstream.url, keycloak(endpoint.url))) as gw:
        assert (await call(http, gw.url))[0] == 503
        async with http.get(gw.url + "/metrics") as response:
            text = await response.text()
    assert 'mlops_gateway_upstream_errors_total{kind="identity_provider",upstream="wallaroo"} 1.0' in text
    assert (
        'mlops_gateway_token_renewals_total{credential_set="wallaroo",grant="password",outcome="unavailable"}'
        in text
    )


# -- per-team credentials ------------------------------------------------------------------------


async def test_a_team_uses_its_own_credential_set(sandbox, upstream, http) -> None:
    shared = sandbox_auth(sandbox)
    service = sandbox_auth(sandbox, username=None, password=None)  # client credentials: the service account
    config = gateway_config(upstream.url)
    wallaroo = dataclasses.replace(config.upstreams[0], auth=shared, credentials="shared")
    teams = (config.teams[0], TeamConfig("beta", (OTHER_TEAM_KEY,), {"wallaroo": "beta-service"}))
    config = dataclasses.replace(
        config,
        upstreams=(wallaroo, *config.upstreams[1:]),
        credentials={"shared": shared, "beta-service": service},
        teams=teams,
    )
    async with running_gateway(config) as gw:
        assert (await call(http, gw.url))[0] == 200
        headers = {**JSON_AUTH, "Authorization": f"Bearer {OTHER_TEAM_KEY}"}
        async with http.post(gw.url + LIST, data=b"{}", headers=headers) as response:
            assert response.status == 200
    users = [
        jwt.decode((r.header("Authorization") or "")[7:], options={"verify_signature": False})[
            "preferred_username"
        ]
        for r in upstream.seen
    ]
    assert users == [sandbox.settings.admin_email, "service-account-api-client"]
