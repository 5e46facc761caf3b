"""The documents' tutorial, in their order, as one client run: token (by the caller), users,
workspaces, models, pipelines, deploy, status, external URL, inference, undeploy, copy, features,
assays v1, assays v2, Openlayer. Every answer goes through `SpecClient`, which checks it against
the spec; the run returns nothing but asserts what the documents promise along the way."""

from __future__ import annotations

import asyncio
import hashlib
import time
from urllib.parse import urlsplit

import aiohttp
import orjson

from gateway.contract import Contract
from sandbox.core.seed import HOUSEPRICE_PIPELINE, HOUSEPRICE_WORKSPACE, OPENLAYER_TESTS
from tests.support.sandbox import Answer, SpecClient

NEW_USER = "new.user@example.com"
MODEL_BYTES = bytes(range(256)) * 64
ASSAY = {
    "name": "api_assay_test2",
    "active": True,
    "status": "active",
    "iopath": "output dense_2 0",
    "baseline": {
        "Fixed": {
            "pipeline": HOUSEPRICE_PIPELINE,
            "model": "housepricemodel",
            "start_at": "2023-01-01T00:00:00-05:00",
            "end_at": "2023-01-02T00:00:00-05:00",
        }
    },
    "window": {
        "pipeline": HOUSEPRICE_PIPELINE,
        "model": "housepricemodel",
        "width": "24 hours",
        "start": None,
        "interval": None,
    },
    "summarizer": {
        "type": "UnivariateContinuous",
        "bin_mode": "Quantile",
        "aggregation": "Density",
        "metric": "PSI",
        "num_bins": 5,
        "bin_weights": None,
        "bin_width": None,
        "provided_edges": None,
        "add_outlier_edges": True,
    },
    "warning_threshold": 0,
    "alert_threshold": 0.1,
    "run_until": None,
}


def _ok(answer: Answer) -> Answer:
    assert answer.status == 200, (answer.status, answer.body)
    return answer


async def _users(api: SpecClient) -> str:
    users = _ok(await api.post("/v1/api/users/query", json={})).body["users"]
    admin_id = next(iter(users))
    only = _ok(await api.post("/v1/api/users/query", json={"user_ids": [admin_id]})).body["users"]
    assert list(only) == [admin_id]
    _ok(await api.post("/v1/api/users/invite", json={"email": NEW_USER, "password": "example-password"}))
    assert _ok(await api.post("/v1/api/users/deactivate", json={"email": NEW_USER})).body == {}
    assert _ok(await api.post("/v1/api/users/activate", json={"email": NEW_USER})).body == {}
    return admin_id


async def _workspace(api: SpecClient, admin_id: str) -> int:
    mine = _ok(await api.post("/v1/api/workspaces/list", json={"user_id": admin_id})).body["workspaces"]
    assert any(w["name"] == HOUSEPRICE_WORKSPACE for w in mine)
    created = _ok(await api.post("/v1/api/workspaces/create", json={"workspace_name": "testapiworkspace"}))
    workspace_id = created.body["workspace_id"]
    listed = _ok(await api.post("/v1/api/workspaces/list", json={})).body["workspaces"]
    assert any(w["id"] == workspace_id and w["name"] == "testapiworkspace" for w in listed)
    member = {"email": NEW_USER, "workspace_id": workspace_id}
    _ok(await api.post("/v1/api/workspaces/add_user", json=member))
    users = _ok(await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})).body[
        "users"
    ]
    assert sorted(u["user_type"] for u in users) == ["COLLABORATOR", "OWNER"]
    assert _ok(await api.post("/v1/api/workspaces/remove_user", json=member)).body == {"affected_rows": 1}
    users = _ok(await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})).body[
        "users"
    ]
    assert users == [{"user_id": admin_id, "user_type": "OWNER"}]
    return workspace_id


async def _models(api: SpecClient, workspace_id: int) -> dict[str, str]:
    form = aiohttp.FormData(
        {"name": "apitestmodel", "visibility": "public", "workspace_id": str(workspace_id)}
    )
    form.add_field("file", MODEL_BYTES, filename="ccfraud.onnx", content_type="application/octet-stream")
    uploaded = _ok(await api.post("/v1/api/models/upload", data=form)).body
    model_id = uploaded["insert_models"]["returning"][0]["models"][0]["id"]
    query = {
        "name": "apitestmodelstream",
        "filename": "streamfile.onnx",
        "visibility": "public",
        "workspace_id": workspace_id,
    }
    headers = {"Content-Type": "application/octet-stream"}
    _ok(await api.post("/v1/api/models/upload_stream", params=query, data=MODEL_BYTES, headers=headers))
    models = _ok(await api.post("/v1/api/models/list", json={"workspace_id": workspace_id})).body["models"]
    assert {m["name"] for m in models} == {"apitestmodel", "apitestmodelstream"}
    by_id = _ok(await api.post("/v1/api/models/get_by_id", json={"id": model_id})).body
    assert by_id["name"] == "apitestmodel" and by_id["workspace_id"] == workspace_id
    versions = _ok(
        await api.post(
            "/v1/api/models/list_versions", json={"model_id": "apitestmodel", "models_pk_id": model_id}
        )
    ).body
    assert versions[0]["sha"] == hashlib.sha256(MODEL_BYTES).hexdigest()
    _ok(await api.post("/v1/api/models/get_config_by_id", json={"model_id": model_id}))
    detail = _ok(await api.post("/v1/api/models/get", json={"id": model_id})).body
    assert detail["models"][0]["model_version"] == versions[0]["model_version"]
    return {"name": "apitestmodel", "version": versions[0]["model_version"], "sha": versions[0]["sha"]}


async def _deploy(api: SpecClient, workspace_id: int, model: dict[str, str]) -> tuple[int, int, str]:
    definition = {"id": "deploywithmodel", "steps": [{"ModelInference": {"models": [model]}}]}
    empty = _ok(
        await api.post(
            "/v1/api/pipelines/create",
            json={"pipeline_id": "emptypipeline", "workspace_id": workspace_id, "definition": {}},
        )
    ).body
    with_model = _ok(
        await api.post(
            "/v1/api/pipelines/create",
            json={"pipeline_id": "pipelinewithmodel", "workspace_id": workspace_id, "definition": definition},
        )
    ).body
    _ok(
        await api.post(
            "/v1/api/pipelines/deploy",
            json={
                "deploy_id": "emptydeploy",
                "pipeline_version_pk_id": empty["pipeline_variant_pk_id"],
                "pipeline_id": empty["pipeline_pk_id"],
            },
        )
    )
    deployed = _ok(
        await api.post(
            "/v1/api/pipelines/deploy",
            json={
                "deploy_id": "modeldeploy",
                "pipeline_version_pk_id": with_model["pipeline_variant_pk_id"],
                "models": [model],
                "pipeline_id": with_model["pipeline_pk_id"],
            },
        )
    ).body
    name = f"modeldeploy-{deployed['id']}"
    deadline, statuses = time.monotonic() + 15, []
    while time.monotonic() < deadline:
        status = _ok(await api.post("/v1/api/status/get_deployment", json={"name": name})).body
        statuses.append(status["status"])
        if status["status"] == "Running":
            break
        await asyncio.sleep(0.1)
    assert statuses[0] == "Starting" and statuses[-1] == "Running", statuses
    return with_model["pipeline_pk_id"], deployed["id"], name


async def _infer(api: SpecClient, workspace_id: int, deployment: str) -> None:
    url = _ok(
        await api.post(
            "/v1/api/admin/get_pipeline_external_url",
            json={"workspace_id": workspace_id, "pipeline_name": "pipelinewithmodel"},
        )
    ).body["url"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == api.base_url, (url, api.base_url)
    assert parts.path == f"/v1/api/pipelines/infer/{deployment}"
    rows = [[0.5, -1.25, 3.0, 0.0], [1.0, 2.0, -3.0, 4.5]]
    native = _ok(await api.post(parts.path, json={"tensor": rows})).body
    records = [{"tensor": row} for row in rows]
    pandas = _ok(
        await api.post(
            parts.path,
            data=orjson.dumps(records),
            headers={"Content-Type": "application/json; format=pandas-records"},
        )
    ).body
    assert len(native) == len(pandas) == 2
    assert [r["out"] for r in native] == [r["out"] for r in pandas]  # same inputs, same outputs


async def _assays_v1(api: SpecClient) -> None:
    workspaces = _ok(await api.post("/v1/api/workspaces/list", json={})).body["workspaces"]
    workspace = next(w for w in workspaces if w["name"] == HOUSEPRICE_WORKSPACE)
    pipeline_id = workspace["pipelines"][0]
    definition = {
        **ASSAY,
        "pipeline_id": pipeline_id,
        "pipeline_name": HOUSEPRICE_PIPELINE,
        "workspace_id": workspace["id"],
    }
    assay_id = _ok(await api.post("/v1/api/assays/create", json=definition)).body["assay_id"]
    listed = _ok(await api.post("/v1/api/assays/list", json={"pipeline_id": pipeline_id})).body
    assert any(a["id"] == assay_id and a["name"] == ASSAY["name"] for a in listed)
    for active in (False, True):
        answer = _ok(await api.post("/v1/api/assays/set_active", json={"id": assay_id, "active": active}))
        assert answer.body == {"id": assay_id, "active": active}
    definition["id"] = assay_id
    baseline = _ok(await api.post("/v1/api/assays/run_interactive_baseline", json=definition)).body
    assert baseline["status"] == "BaselineRun" and baseline["baseline_summary"]["count"] > 100
    rows = _ok(
        await api.post(
            "/v1/api/assays/get_baseline",
            json={"workspace_id": workspace["id"], "pipeline_name": HOUSEPRICE_PIPELINE, "limit": 3},
        )
    ).body
    assert len(rows) == 3 and all("out.dense_2" in row for row in rows)
    results = _ok(await api.post("/v1/api/assays/run_interactive", json=definition)).body
    assert len(results) >= 20 and {r["status"] for r in results} <= {"Ok", "Warning", "Alert"}
    _ok(await api.post("/v1/api/assays/get_results", json={"assay_id": assay_id, "pipeline_id": pipeline_id}))


async def _assays_v2(api: SpecClient) -> None:
    assays = _ok(await api.post("/v2/api/assays/get", json={"active": "All"})).body
    assay_id = assays[0]["id"]
    assert _ok(await api.post("/v2/api/assays/get/:id", json={"id": assay_id})).body["id"] == assay_id
    results = _ok(await api.post("/v2/api/assays/get_results", json={"id": assay_id})).body
    assert results and all(r["assay_id"] == assay_id for r in results)
    _ok(await api.post("/v2/api/assays/get_next_run", json={"assay_id": assay_id}))
    off = _ok(await api.post("/v2/api/assays/set_active", json={"assay_id": assay_id, "active": False}))
    assert off.body is None
    again = _ok(await api.post("/v2/api/assays/get/:id", json={"id": assay_id})).body
    assert again["active"] is False
    _ok(await api.post("/v2/api/assays/set_active", json={"assay_id": assay_id, "active": True}))


def documented_operations(contract: Contract) -> set[str]:
    """The operations the documents show (`x-mlops-source: documents`): the ones the
    tutorial walks through. The SDK-only operations have proofs of their own (tests/sdk/)."""
    return {op_id for op_id, op in contract.operations.items() if op.spec["x-mlops-source"] == "documents"}


async def run_tutorial(api: SpecClient, openlayer: SpecClient) -> None:
    """Everything the documents walk through, against whatever server `api` points at."""
    admin_id = await _users(api)
    workspace_id = await _workspace(api, admin_id)
    model = await _models(api, workspace_id)
    pipeline_id, deployment_id, deployment = await _deploy(api, workspace_id, model)
    await _infer(api, workspace_id, deployment)
    undeploy = {"pipeline_id": pipeline_id, "deployment_id": deployment_id}
    _ok(await api.post("/v1/api/pipelines/undeploy", json=undeploy))
    gone = await api.post(f"/v1/api/pipelines/infer/{deployment}", json={"tensor": [[1.0, 2.0, 3.0, 4.0]]})
    assert gone.status == 404
    copy = {"name": "copiedmodelpipeline", "workspace_id": workspace_id, "source_pipeline": pipeline_id}
    _ok(await api.post("/v1/api/pipelines/copy", json=copy))
    features = _ok(await api.post("/v1/api/features/list", json={})).body
    assert features["is_auth_enabled"] is True
    await _assays_v1(api)
    await _assays_v2(api)
    test = OPENLAYER_TESTS[0]
    evaluation = {"startTimestamp": 1699920000, "endTimestamp": 1700006400}
    queued = _ok(await openlayer.post(f"/v1/tests/{test.id}/evaluate", json=evaluation)).body
    assert queued["pipelineCount"] == len(test.pipeline_ids) == len(queued["tasks"])
