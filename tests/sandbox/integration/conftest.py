"""A deployed pipeline, as the official SDK deploys one, for the SDK operations' and GraphQL tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.integration.test_mlops import create_workspace, latest_version, upload_stream, wait_running
from tests.support.sandbox import SpecClient


@pytest.fixture
async def deployed(api: SpecClient) -> dict[str, Any]:
    """A pipeline running one model, deployed as the SDK deploys (no pipeline_id), Running."""
    workspace_id = await create_workspace(api, "sdkinfer")
    model_id = await upload_stream(api, workspace_id, "sdkinfer-model")
    version = await latest_version(api, model_id, "sdkinfer-model")
    ref = {"name": version["model_id"], "version": version["model_version"], "sha": version["sha"]}
    definition = {"id": "sdkinfer", "steps": [{"ModelInference": {"models": [ref]}}]}
    created = await api.post(
        "/v1/api/pipelines/create",
        json={"pipeline_id": "sdkinfer", "workspace_id": workspace_id, "definition": definition},
    )
    body = {"deploy_id": "sdkinfer", "pipeline_version_pk_id": created.body["pipeline_variant_pk_id"]}
    deployment = await api.post("/v1/api/pipelines/deploy", json=body)
    assert deployment.status == 200, deployment.body
    name = f"sdkinfer-{deployment.body['id']}"
    await wait_running(api, name)
    return {
        "name": name,
        "workspace_id": workspace_id,
        "pipeline_id": created.body["pipeline_pk_id"],
        "sha": version["sha"],
    }
