"""The official Wallaroo SDK (wallaroo 2026.1.3, in its own venv) runs its whole workflow - client
set-up, workspaces, model upload, pipeline build and deploy, inference with a pandas DataFrame
and a pyarrow Table, logs, listings, undeploy - through a real gateway in front of a real
sandbox, and against the sandbox directly; tests/sdk/scripts/wallaroo_workflow.py asserts every
step and prints a summary, checked here against the sandbox's store and its scoring.

Through the gateway the SDK's credentials file holds the team's gateway key as its token and the
identity of the user the gateway logs in to Keycloak as (the sandbox admin).
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import aiohttp

from sandbox import SandboxServer
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
from tests.support.sdk_venvs import run_sdk_script

SCRIPT = ROOT / "tests" / "sdk" / "scripts" / "wallaroo_workflow.py"
INPUT_ROWS = [(1.0, 2.0, 3.0), (4.0, 5.0, 6.0)]  # as the script sends them
SCRIPT_TIMEOUT = 240


async def run_workflow(base_url: str, token: str, sandbox: SandboxServer, tmp_path: Path) -> dict[str, Any]:
    """Run the script against `base_url` with `token` as the SDK's token; its JSON summary."""
    admin = sandbox.store.user_by_email(sandbox.settings.admin_email)
    credentials = tmp_path / "wallaroo-credentials.json"
    credentials.write_text(json.dumps({"token": token, "user_email": admin.email, "user_id": admin.id}))
    model = tmp_path / "model.onnx"
    model.write_bytes(random.Random(7).randbytes(2048))
    env = {"WALLAROO_SDK_CREDENTIALS": str(credentials), "HOME": str(tmp_path)}
    done = await asyncio.to_thread(
        run_sdk_script, "wallaroo", SCRIPT, base_url, str(model), env=env, timeout=SCRIPT_TIMEOUT
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-6000:]}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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
