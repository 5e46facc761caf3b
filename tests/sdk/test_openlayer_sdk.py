"""The Openlayer SDK (openlayer 0.36.0, in its own venv) works through the gateway unchanged:
`OPENLAYER_BASE_URL` is the gateway and `OPENLAYER_API_KEY` a team key; the gateway holds the
real key. The script (tests/sdk/scripts/openlayer_workflow.py) runs the everyday workflow and
asserts each answer; here the sandbox's side is checked: the traced row and the ground truths
arrived in its store, and the evaluation measured them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from gateway.config import GatewayConfig, TeamConfig, ValidationConfig
from gateway.demo import sandbox_upstreams
from sandbox import SandboxServer, start_sandbox
from sandbox.core.openlayer_records import ResultStatus
from sandbox.core.seed import OPENLAYER_TESTS
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.sandbox import sandbox_settings
from tests.support.sdk_venvs import sdk_summary

SCRIPT = Path(__file__).parent / "scripts" / "openlayer_workflow.py"
TEST = OPENLAYER_TESTS[0]
PIPELINE = TEST.pipeline_ids[0]


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[SandboxServer]:
    """A sandbox whose evaluations take 2 s, long enough for the script to see one queued."""
    server = await start_sandbox(sandbox_settings(tmp_path, evaluation_duration=2.0))
    yield server
    await server.close()


async def test_the_openlayer_sdk_workflow_through_the_gateway(sandbox: SandboxServer) -> None:
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("sdk", (TEAM_KEY,)),),
        validation=ValidationConfig(request="enforce", response="enforce"),
    )
    async with running_gateway(config) as gateway:
        env = {
            "OPENLAYER_BASE_URL": f"{gateway.url}/v1",
            "OPENLAYER_API_KEY": TEAM_KEY,
            "OPENLAYER_INFERENCE_PIPELINE_ID": PIPELINE,
        }
        summary = await sdk_summary("openlayer", SCRIPT, TEST.id, env=env, limit=180)
        async with aiohttp.ClientSession() as http:
            report_url = gateway.url + "/_gateway/violations"
            async with http.get(report_url, headers={"X-Gateway-Key": TEAM_KEY}) as response:
                drift = await response.json()

    assert summary["sdk_errors"] == []
    # every answer conformed (responses are enforced); the one refused request is the script's own
    assert {(row["operation"], row["direction"]) for row in drift["violations"]} == {
        ("openlayer_tests_evaluate", "request")
    }
    assert summary["pipeline"] == {"name": "production", "project": "House prices", "records_before": 0}
    assert summary["record_counts"][-1] == 3
    assert summary["task"]["url"] == f"{gateway.url}/v1/background-tasks/{summary['task']['id']}"
    assert summary["task"]["polls"] >= 2  # queued first, completed later
    # one row with a numeric prediction and ground truth: |0.5 - 0.55| = 0.05 < 0.1
    assert summary["outputs"]["status"] == "passing" and summary["outputs"]["rowCount"] == 3
    assert summary["outputs"]["value"] == pytest.approx(0.05)
    assert summary["results"][0] == {"id": summary["task"]["id"], "status": "passing", "goal": TEST.name}
    assert summary["pipeline_after"] == {"status": "completed", "passing": 1, "failing": 0, "records": 3}
    assert summary["evaluated_everywhere"] == len(TEST.pipeline_ids)
    assert summary["refused"]["unknown_test"] == summary["refused"]["unknown_pipeline"] == 404
    assert summary["refused"]["invalid_test_id"].endswith("/invalid-request")

    # the sandbox's side: what the SDK sent arrived, through the gateway, where it belongs
    rows = sandbox.store.openlayer.rows[PIPELINE]
    assert list(rows) == ["sdk-1", "sdk-2", "traced-inference-1"]
    traced = rows["traced-inference-1"]
    assert traced.values["output"] == summary["traced"]["output"] == "an answer to what is a house worth?"
    assert traced.values["question"] == "what is a house worth?" and traced.values["groundTruth"] == "42"
    assert traced.config["outputColumnName"] == "output" and traced.values["steps"][0]["name"] == "answer"
    assert (
        rows["sdk-1"].values["actual"] == 0.55 and rows["sdk-1"].config["groundTruthColumnName"] == "actual"
    )
    outcome = sandbox.store.openlayer.tasks[summary["task"]["id"]].outcome
    assert outcome is not None and outcome.status is ResultStatus.PASSING and outcome.row_count == 3
