"""Large answers (`validation.large_response_bytes`): under `report` the client gets its bytes
before the gateway parses them, and `large_response_sample` checks only a fraction of them."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from gateway.config import DirectionPolicy, ValidationConfig
from sandbox.canned import CannedReply, CannedUpstream, start_canned
from tests.support.gateway import AUTH, JSON_AUTH, gateway_config, running_gateway

LIST = "/v1/api/workspaces/list"
ROW = {
    "name": "w",
    "created_at": "2022-11-23T16:34:47.914362+00:00",
    "created_by": "5e9c9a2b-7a7f-454a-b8e7-91e3c2d86c9f",
    "archived": False,
    "models": [],
    "pipelines": [],
}
BROKEN = orjson.dumps({"workspaces": [{**ROW, "id": "not-an-int"}] * 1500})  # ~230 KB, one kind of break
LARGE = 64 * 1024


COUNTED = ("mlops_gateway_contract_violations_total{", "mlops_gateway_unvalidated_responses_total{")
VIOLATION = COUNTED[0] + 'direction="response",kind="type",operation="workspaces_list"}'
SAMPLED_OUT = COUNTED[1] + 'operation="workspaces_list",reason="sampled_out"}'


@pytest.fixture
async def canned():
    running = await start_canned(CannedUpstream(replies={LIST: CannedReply(BROKEN)}))
    yield running
    await running.close()


async def _list(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, str], bytes]:
    async with session.post(url + LIST, data=b"{}", headers=JSON_AUTH) as response:
        return response.status, dict(response.headers), await response.read()


async def _scrape(session: aiohttp.ClientSession, url: str) -> dict[str, float]:
    async with session.get(url + "/metrics") as response:
        text = await response.text()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(COUNTED)
    }


@pytest.mark.parametrize(("large_bytes", "header"), [(LARGE, None), (len(BROKEN) + 1, "1500")])
async def test_a_large_report_answer_is_relayed_before_it_is_checked(
    canned, large_bytes: int, header: str | None
) -> None:
    """Relayed first, the answer cannot carry the violations header; the violation still counts."""
    validation = ValidationConfig(response="report", large_response_bytes=large_bytes)
    async with (
        aiohttp.ClientSession() as session,
        running_gateway(gateway_config(canned.url, validation=validation)) as gw,
    ):
        status, headers, body = await _list(session, gw.url)
        assert (status, body) == (200, BROKEN)
        assert headers.get("X-Gateway-Contract-Violations") == header
        assert int(headers["Content-Length"]) == len(BROKEN)
        async with session.get(gw.url + "/_gateway/violations", headers=AUTH) as response:
            (row,) = (await response.json())["violations"]
        assert (row["pointer"], row["kind"]) == ("/workspaces/*/id", "type")
        assert row["count"] == 1500
        assert row["sample_request_id"] == headers["X-Request-ID"]
        assert (await _scrape(session, gw.url))[VIOLATION] == 1500


async def test_enforce_still_checks_a_large_answer_before_relaying_it(canned) -> None:
    validation = ValidationConfig(response="enforce", large_response_bytes=LARGE)
    async with (
        aiohttp.ClientSession() as session,
        running_gateway(gateway_config(canned.url, response_policy="enforce", validation=validation)) as gw,
    ):
        status, headers, body = await _list(session, gw.url)
        assert status == 502 and headers["Content-Type"].startswith("application/problem+json")
        assert orjson.loads(body)["operation"] == "workspaces_list"


async def test_a_sample_rate_checks_that_share_of_large_answers_only(canned) -> None:
    overrides = {"workspaces_list": DirectionPolicy("enforce", "report", large_response_sample=0.5)}
    validation = ValidationConfig(response="report", large_response_bytes=LARGE, overrides=overrides)
    calls = 40
    async with (
        aiohttp.ClientSession() as session,
        running_gateway(gateway_config(canned.url, validation=validation)) as gw,
    ):
        for _ in range(calls):
            status, _, body = await _list(session, gw.url)
            assert (status, body) == (200, BROKEN)
        metrics = await _scrape(session, gw.url)
    checked, skipped = metrics.get(VIOLATION, 0) / 1500, metrics.get(SAMPLED_OUT, 0)
    assert checked + skipped == calls
    assert 0 < checked < calls and 0 < skipped < calls  # each side misses with odds 2**-40
