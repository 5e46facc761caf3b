"""The official Wallaroo SDK (wallaroo 2026.1.3, in its own venv) runs its whole workflow - client
set-up, workspaces, model upload, pipeline build and deploy, inference with a pandas DataFrame
and a pyarrow Table, logs, listings, undeploy - through a real gateway in front of a real
sandbox, and against the sandbox directly; tests/sdk/scripts/wallaroo_workflow.py asserts every
step and prints a summary, checked here against the sandbox's store and its scoring.

Through the gateway the SDK's credentials file holds the team's gateway key as its token and the
identity of the user the gateway logs in to Keycloak as (the sandbox admin).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import aiohttp

from sandbox import SandboxServer
from sandbox.core.seed import HOUSEPRICE_PIPELINE, HOUSEPRICE_WORKSPACE
from sandbox.mlops.scoring import OUTPUT_FIELD, predict
from tests.support import ROOT
from tests.support.gateway import (
    ADMIN_KEY,
    OTHER_TEAM_KEY,
    TEAM_KEY,
    running_gateway,
    sandbox_gateway_config,
)
from tests.support.sandbox import password_token
from tests.support.sdk_venvs import sdk_summary

SCRIPT = ROOT / "tests" / "sdk" / "scripts" / "wallaroo_workflow.py"
ASSAY_SCRIPT = ROOT / "tests" / "sdk" / "scripts" / "wallaroo_assays.py"
INPUT_ROWS = [(1.0, 2.0, 3.0), (4.0, 5.0, 6.0)]  # as the script sends them
SCRIPT_TIMEOUT = 240


async def run_script(
    script: Path, base_url: str, token: str, sandbox: SandboxServer, tmp_path: Path, *args: str
) -> dict[str, Any]:
    """Run an SDK script against `base_url` with `token` as the SDK's token; its JSON summary."""
    admin = sandbox.store.user_by_email(sandbox.settings.admin_email)
    credentials = tmp_path / "wallaroo-credentials.json"
    credentials.write_text(json.dumps({"token": token, "user_email": admin.email, "user_id": admin.id}))
    env = {"WALLAROO_SDK_CREDENTIALS": str(credentials), "HOME": str(tmp_path)}
    return await sdk_summary("wallaroo", script, base_url, *args, env=env, limit=SCRIPT_TIMEOUT)


async def run_workflow(base_url: str, token: str, sandbox: SandboxServer, tmp_path: Path) -> dict[str, Any]:
    model = tmp_path / "model.onnx"
    model.write_bytes(random.Random(7).randbytes(2048))
    return await run_script(SCRIPT, base_url, token, sandbox, tmp_path, str(model))


def check_summary(summary: dict[str, Any], sandbox: SandboxServer) -> None:
    """The summary agrees with the sandbox: the workspace, the uploaded version, the scores its
    model gives, the logged rows and the stopped deployment."""
    store = sandbox.store
    workspace = store.workspace(summary["workspace_id"])
    assert workspace.name.startswith("sdk-ws-")
    (model,) = store.models_in(workspace.id)
    assert (model.latest.version, model.latest.sha) == (summary["model_version"], summary["model_sha"])
    expected = [predict([model.latest.sha], {"tensor": row})[OUTPUT_FIELD][0] for row in INPUT_ROWS]
    assert summary["outputs"] == expected
    assert summary["status"] == "Running"
    deployment = store.deployments[summary["deployment_id"]]
    assert not deployment.active
    history = store.inference_history(deployment.pipeline_id)
    assert summary["log_rows"] == len(history) == 2 * len(INPUT_ROWS)
    assert [r.inputs["tensor"] for r in history] == [*INPUT_ROWS, *INPUT_ROWS]


async def test_the_sdk_workflow_runs_through_the_gateway(
    sandbox: SandboxServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    config = sandbox_gateway_config(sandbox, TEAM_KEY, OTHER_TEAM_KEY, ADMIN_KEY)
    async with running_gateway(config) as gateway:
        summary = await run_workflow(gateway.url, TEAM_KEY, sandbox, tmp_path)
        async with http.get(f"{gateway.url}/_gateway/violations", headers={"X-Gateway-Key": ADMIN_KEY}) as r:
            assert r.status == 200
            report = await r.json()
    check_summary(summary, sandbox)
    # every request the SDK sent, and every answer it got, kept to the contract
    assert report["operations"] == {}, report


async def test_the_sdk_workflow_runs_against_the_sandbox(
    sandbox: SandboxServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    token = await password_token(http, sandbox)
    summary = await run_workflow(sandbox.url, token, sandbox, tmp_path)
    check_summary(summary, sandbox)


async def test_the_sdk_assay_workflow_runs_through_the_gateway(
    sandbox: SandboxServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The SDK's own assay code (build_assay -> build, interactive_run, upload; AssayV2 results,
    next run, set_active; list_assays; v1 results; a v1 vector baseline) runs unchanged through
    the gateway on the seeded pipeline's history and gets the sandbox's computed answers."""
    config = sandbox_gateway_config(sandbox, TEAM_KEY, OTHER_TEAM_KEY, ADMIN_KEY)
    auth = {"Authorization": f"Bearer {TEAM_KEY}"}
    span = {"start": "2023-01-02T05:00:00Z", "end": "2023-01-09T05:00:00Z"}
    async with running_gateway(config) as gateway:
        got = await run_script(
            ASSAY_SCRIPT, gateway.url, TEAM_KEY, sandbox, tmp_path, HOUSEPRICE_WORKSPACE, HOUSEPRICE_PIPELINE
        )

        async def post(path: str, body: dict[str, Any]) -> Any:
            async with http.post(gateway.url + path, json=body, headers=auth) as answer:
                assert answer.status == 200, await answer.text()
                return await answer.json()

        stored = await post("/v2/api/assays/get_results", {"id": got["assay_id"], **span})
        assay = await post("/v2/api/assays/get/:id", {"id": got["assay_id"]})
        v1 = await post("/v1/api/assays/get_assay_results", {"assay_id": 1, **span})
        async with http.get(f"{gateway.url}/_gateway/violations", headers={"X-Gateway-Key": ADMIN_KEY}) as r:
            report = await r.json()
    assert report["operations"] == {}, report
    assert got["assay_name"] == assay["name"] == "sdk flow assay" and assay["active"] is False
    assert got["paused_active"] is False and got["assay_id"] in got["listed"]
    # the baseline the SDK built is the one the scheduled assay holds, and it is the baseline day
    summary = assay["baseline"]["Summary"]["out.dense_2.0"]
    assert got["baseline"]["aggregated_values"] == summary["aggregated_values"]
    assert got["baseline"]["count"] == 181
    # the preview, the SDK's results and the stored results are the same seven daily analyses
    scores = [r["scores"] for r in stored]
    assert len(scores) == 7
    assert [r["scores"] for r in got["preview"]] == scores == [r["scores"] for r in got["results"]]
    assert (
        "last_run=datetime.datetime(2023, 1, 9, 5" in got["next_run"] and "next_run=None" in got["next_run"]
    )
    assert got["v1_results"] == len(v1) > 0
    assert got["vector_baseline"]["count"] == 9  # the SDK sends NaN as null, which is skipped
