"""The sandbox's Openlayer evaluate endpoint over real sockets, answers checked against the spec."""

from __future__ import annotations

import aiohttp

from gateway.contract import Contract
from sandbox import SandboxServer
from sandbox.core.seed import OPENLAYER_TESTS
from tests.support.sandbox import SpecClient

TEST = OPENLAYER_TESTS[0]
WINDOW = {"startTimestamp": 1699920000, "endTimestamp": 1700006400}


def evaluate_path(test_id: str) -> str:
    return f"/v1/tests/{test_id}/evaluate"


async def test_evaluate_queues_one_task_per_pipeline(
    sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract
) -> None:
    api = SpecClient(http, sandbox.url, contract)
    api.token = sandbox.settings.openlayer_api_keys[0]
    answer = await api.post(evaluate_path(TEST.id), json=WINDOW)
    assert answer.status == 200
    assert answer.body["message"] == "Evaluation task queued successfully"
    assert answer.body["pipelineCount"] == len(TEST.pipeline_ids) == 2
    assert [t["pipelineId"] for t in answer.body["tasks"]] == list(TEST.pipeline_ids)
    assert answer.body["requestedStartTimestamp"] == WINDOW["startTimestamp"]
    assert len(sandbox.store.evaluation_tasks) == 2

    one = await api.post(evaluate_path(TEST.id), json={**WINDOW, "inferencePipelineId": TEST.pipeline_ids[1]})
    assert one.body["pipelineCount"] == 1 and one.body["tasks"][0]["pipelineId"] == TEST.pipeline_ids[1]
    other = OPENLAYER_TESTS[1].pipeline_ids[0]
    assert (
        await api.post(evaluate_path(TEST.id), json={**WINDOW, "inferencePipelineId": other})
    ).status == 404


async def test_evaluate_errors(
    sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract
) -> None:
    api = SpecClient(http, sandbox.url, contract)
    wrong_key = await api.post(evaluate_path(TEST.id), json=WINDOW, token="not-the-key")
    assert wrong_key.status == 401 and wrong_key.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await api.post(evaluate_path(TEST.id), json=WINDOW)).status == 401

    api.token = sandbox.settings.openlayer_api_keys[0]
    unknown = await api.post(evaluate_path("00000000-0000-4000-8000-000000000000"), json=WINDOW)
    assert unknown.status == 404 and unknown.body["code"] == 404
    reversed_window = {"startTimestamp": 20, "endTimestamp": 10}
    assert (await api.post(evaluate_path(TEST.id), json=reversed_window)).status == 400
    assert (await api.post(evaluate_path("not-a-uuid"), json=WINDOW)).status == 400
    assert (await api.post(evaluate_path(TEST.id), json={"startTimestamp": 1})).status == 400
