"""The sandbox's Openlayer stand-in over real sockets, answers checked against the spec: evaluate
and its background tasks, rows streamed and updated per inference pipeline, test results, and
inference pipelines. A clock the test moves decides when evaluations complete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.seed import OPENLAYER_PIPELINES, OPENLAYER_TESTS
from tests.support.sandbox import Answer, SpecClient, sandbox_settings

TEST = OPENLAYER_TESTS[0]
PIPELINE = OPENLAYER_PIPELINES[0].id
NOW = 1_700_000_000.0
WINDOW = {"startTimestamp": 1699920000, "endTimestamp": 1700006400}
REGRESSION = {
    "inferenceIdColumnName": "id",
    "predictionsColumnName": "price",
    "targetColumnName": "actual",
    "timestampColumnName": "at",
    "featureNames": ["rooms"],
}


def evaluate_path(test_id: str) -> str:
    return f"/v1/tests/{test_id}/evaluate"


def pipeline_path(pipeline_id: str, tail: str = "") -> str:
    return f"/v1/inference-pipelines/{pipeline_id}{tail}"


@pytest.fixture
async def timed(tmp_path: Path, contract: Contract) -> AsyncIterator[tuple[SandboxServer, list[float]]]:
    """A sandbox on a clock the test moves, evaluations taking 10 s, at most 3 rows a pipeline."""
    now = [NOW]
    settings = sandbox_settings(tmp_path, clock=lambda: now[0], evaluation_duration=10, openlayer_max_rows=3)
    server = await start_sandbox(settings, contract=contract)
    yield server, now
    await server.close()


@pytest.fixture
def openlayer(
    timed: tuple[SandboxServer, list[float]], http: aiohttp.ClientSession, contract: Contract
) -> SpecClient:
    server, _ = timed
    client = SpecClient(http, server.url, contract)
    client.token = server.settings.openlayer_api_keys[0]
    return client


async def stream(api: SpecClient, rows: list[dict], pipeline: str = PIPELINE) -> Answer:
    body = {"config": REGRESSION, "rows": rows}
    return await api.post(pipeline_path(pipeline, "/data-stream"), json=body)


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
    assert len(sandbox.store.openlayer.tasks) == 2
    task = answer.body["tasks"][0]
    assert task["taskResultUrl"] == f"{sandbox.url}/v1/background-tasks/{task['taskResultId']}"

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


async def test_a_task_is_queued_until_the_clock_reaches_its_end_then_carries_the_measurement(
    openlayer: SpecClient, timed: tuple[SandboxServer, list[float]]
) -> None:
    _, now = timed
    rows = [{"id": "a", "price": 1.0, "at": NOW - 60}, {"id": "b", "price": 2.0, "at": NOW - 30}]
    assert (await stream(openlayer, rows)).body == {"success": True}
    truth = {"row": {"actual": 1.05}, "config": {"groundTruthColumnName": "actual"}}
    updated = await openlayer.request("PUT", pipeline_path(PIPELINE, "/rows?inferenceId=a"), json=truth)
    assert updated.status == 200 and updated.body == {"success": True}

    queued = await openlayer.post(evaluate_path(TEST.id), json={**WINDOW, "inferencePipelineId": PIPELINE})
    task_path = f"/v1/background-tasks/{queued.body['tasks'][0]['taskResultId']}"
    first = (await openlayer.request("GET", task_path)).body
    assert (first["complete"], first["progress"], first["outputs"]) == (False, 0, None)
    pipeline = (await openlayer.request("GET", pipeline_path(PIPELINE))).body
    assert pipeline["status"] == "queued" and pipeline["totalRecordsCount"] == 2
    results = (await openlayer.request("GET", f"/v1/tests/{TEST.id}/results")).body
    assert [r["status"] for r in results["items"]] == ["running"] and results["lastUnskippedResult"] is None

    now[0] += 10
    done = (await openlayer.request("GET", task_path)).body
    assert done["complete"] is True and done["progress"] == 100
    # only row "a" has a ground truth: |1.0 - 1.05| = 0.05 < 0.1
    assert done["outputs"]["status"] == "passing" and done["outputs"]["rowCount"] == 2
    assert done["outputs"]["value"] == pytest.approx(0.05)
    results = (await openlayer.request("GET", f"/v1/tests/{TEST.id}/results")).body
    assert results["items"][0]["status"] == "passing" and results["lastUnskippedResult"]["id"] == done["id"]
    assert results["items"][0]["goal"]["name"] == TEST.name
    pipeline = (await openlayer.request("GET", pipeline_path(PIPELINE, "?expand=project,workspace"))).body
    assert pipeline["status"] == "completed" and pipeline["passingGoalCount"] == 1
    assert pipeline["project"]["inferencePipelineCount"] == 3 and pipeline["workspace"]["status"] == "active"
    latest = (await openlayer.request("GET", pipeline_path(PIPELINE, "/results"))).body
    assert [r["id"] for r in latest["items"]] == [done["id"]]


async def test_a_failing_and_a_skipped_evaluation(
    openlayer: SpecClient, timed: tuple[SandboxServer, list[float]]
) -> None:
    _, now = timed
    await stream(openlayer, [{"id": "x", "price": 3.0, "actual": 2.0, "at": NOW}])
    failing = await openlayer.post(evaluate_path(TEST.id), json={**WINDOW, "inferencePipelineId": PIPELINE})
    # the other pipeline of the test holds no rows: nothing to measure
    empty = await openlayer.post(
        evaluate_path(TEST.id), json={**WINDOW, "inferencePipelineId": TEST.pipeline_ids[1]}
    )
    now[0] += 10
    for queued, status in ((failing, "failing"), (empty, "skipped")):
        task = (
            await openlayer.request("GET", f"/v1/background-tasks/{queued.body['tasks'][0]['taskResultId']}")
        ).body
        assert task["outputs"]["status"] == status, task
    by_status = await openlayer.request("GET", f"/v1/tests/{TEST.id}/results?status=skipped,running")
    assert [r["inferencePipelineId"] for r in by_status.body["items"]] == [TEST.pipeline_ids[1]]
    assert by_status.body["lastUnskippedResult"] is None
    listed = await openlayer.request(
        "GET", f"/v1/tests/{TEST.id}/results?inferencePipelineId={PIPELINE}&perPage=1"
    )
    assert [r["status"] for r in listed.body["items"]] == ["failing"]
    outside = await openlayer.request("GET", f"/v1/tests/{TEST.id}/results?startTimestamp=1800000000")
    assert outside.body["items"] == []
    pipeline = (await openlayer.request("GET", pipeline_path(PIPELINE))).body
    assert (pipeline["failingGoalCount"], pipeline["passingGoalCount"], pipeline["totalGoalCount"]) == (
        1,
        0,
        1,
    )


async def test_overwrite_replaces_the_earlier_result_of_the_same_window(
    openlayer: SpecClient, timed: tuple[SandboxServer, list[float]]
) -> None:
    one = {**WINDOW, "inferencePipelineId": PIPELINE}
    await openlayer.post(evaluate_path(TEST.id), json=one)
    await openlayer.post(evaluate_path(TEST.id), json=one)
    assert len((await openlayer.request("GET", f"/v1/tests/{TEST.id}/results")).body["items"]) == 2
    last = await openlayer.post(evaluate_path(TEST.id), json={**one, "overwriteResults": True})
    items = (await openlayer.request("GET", f"/v1/tests/{TEST.id}/results")).body["items"]
    assert [r["id"] for r in items] == [last.body["tasks"][0]["taskResultId"]]


async def test_rows_are_bounded_per_pipeline_and_replaced_by_inference_id(
    openlayer: SpecClient, timed: tuple[SandboxServer, list[float]]
) -> None:
    server, _ = timed
    await stream(openlayer, [{"id": str(i), "price": float(i)} for i in range(5)])
    await stream(openlayer, [{"id": "4", "price": 40.0}, {"price": 7.0}])
    rows = server.store.openlayer.rows[PIPELINE]
    assert list(rows)[:2] == ["3", "4"] and len(rows) == 3  # the oldest dropped; "4" replaced, then one new
    assert rows["4"].values["price"] == 40.0 and rows["4"].timestamp == NOW  # no time column: arrival
    assert server.store.openlayer.rows[OPENLAYER_PIPELINES[1].id] == {}
    gone = await openlayer.request("PUT", pipeline_path(PIPELINE, "/rows?inferenceId=0"), json={"row": {}})
    assert gone.status == 404


async def test_inference_pipeline_and_task_errors(openlayer: SpecClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await openlayer.request("GET", pipeline_path(unknown))).status == 404
    assert (await stream(openlayer, [], pipeline=unknown)).status == 404
    assert (await openlayer.request("GET", pipeline_path(unknown, "/results"))).status == 404
    assert (await openlayer.request("GET", "/v1/background-tasks/nope")).status == 404
    assert (await openlayer.request("GET", f"/v1/tests/{unknown}/results")).status == 404
    assert (await openlayer.request("GET", pipeline_path(PIPELINE, "?expand=everything"))).status == 400
    assert (await openlayer.post(pipeline_path(PIPELINE, "/data-stream"), json={"rows": []})).status == 400
    no_id = await openlayer.request("PUT", pipeline_path(PIPELINE, "/rows"), json={"row": {}})
    assert no_id.status == 400
    assert (await openlayer.request("GET", pipeline_path(PIPELINE), token="wrong")).status == 401
    seeded = (await openlayer.request("GET", pipeline_path(OPENLAYER_PIPELINES[2].id))).body
    assert (seeded["name"], seeded["status"], seeded["totalRecordsCount"]) == ("shadow", "unknown", 0)
    assert seeded["dateLastSampleReceived"] is None and "project" not in seeded
