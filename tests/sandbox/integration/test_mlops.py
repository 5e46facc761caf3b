"""The sandbox's MLOps API over real sockets, every answer checked against spec/openapi.yaml.

Walks the documents' tutorial (users, workspaces, models, pipelines, deployment, status, external
URL, inference, undeploy, copy) and the error answers (401, 400, 404, 405, 409, 413).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from tests.support.sandbox import SpecClient, password_token, sandbox_settings

MODEL_BYTES = bytes(range(256)) * 1000 + b"model tail"
ROW = [0.5, -1.25, 3.0, 0.0, 2.5]


async def create_workspace(api: SpecClient, name: str) -> int:
    answer = await api.post("/v1/api/workspaces/create", json={"workspace_name": name})
    assert answer.status == 200, answer.body
    return int(answer.body["workspace_id"])


def inserted_model_id(answer: Any) -> int:
    """The model's id in an upload's Hasura insert-returning answer; under it, `models[0]` is the
    new version (the official SDK reads its id as the model version's)."""
    (inserted,) = answer["insert_models"]["returning"]
    (version,) = inserted["models"]
    assert isinstance(version["id"], int)
    return int(inserted["id"])


async def upload_multipart(api: SpecClient, workspace_id: int, name: str, data: bytes = MODEL_BYTES) -> int:
    form = aiohttp.FormData()
    form.add_field("name", name)
    form.add_field("visibility", "public")
    form.add_field("workspace_id", str(workspace_id))
    form.add_field("file", data, filename="ccfraud.onnx", content_type="application/octet-stream")
    answer = await api.post("/v1/api/models/upload", data=form)
    assert answer.status == 200, answer.body
    return inserted_model_id(answer.body)


async def upload_stream(api: SpecClient, workspace_id: int, name: str, data: bytes = MODEL_BYTES) -> int:
    params = {
        "name": name,
        "filename": "streamfile.onnx",
        "visibility": "public",
        "workspace_id": workspace_id,
    }
    answer = await api.post(
        "/v1/api/models/upload_stream",
        params=params,
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert answer.status == 200, answer.body
    return inserted_model_id(answer.body)


async def latest_version(api: SpecClient, model_id: int, name: str) -> dict[str, Any]:
    answer = await api.post("/v1/api/models/list_versions", json={"model_id": name, "models_pk_id": model_id})
    assert answer.status == 200, answer.body
    return dict(answer.body[0])


async def deployed_pipeline(api: SpecClient, workspace_id: int, name: str) -> tuple[int, str, dict[str, Any]]:
    """A pipeline running the model `name`: (pipeline id, deployment name, model version)."""
    model_id = await upload_stream(api, workspace_id, f"{name}-model")
    version = await latest_version(api, model_id, f"{name}-model")
    ref = {"name": version["model_id"], "version": version["model_version"], "sha": version["sha"]}
    created = await api.post(
        "/v1/api/pipelines/create",
        json={
            "pipeline_id": name,
            "workspace_id": workspace_id,
            "definition": {"id": name, "steps": [{"ModelInference": {"models": [ref]}}]},
        },
    )
    assert created.status == 200, created.body
    pipeline_id = created.body["pipeline_pk_id"]
    deployed = await api.post(
        "/v1/api/pipelines/deploy",
        json={
            "deploy_id": f"{name}-deploy",
            "pipeline_version_pk_id": created.body["pipeline_variant_pk_id"],
            "pipeline_id": pipeline_id,
            "models": [ref],
        },
    )
    assert deployed.status == 200, deployed.body
    return pipeline_id, f"{name}-deploy-{deployed.body['id']}", version


async def wait_running(api: SpecClient, deployment: str, deadline: float = 5.0) -> dict[str, Any]:
    give_up = time.monotonic() + deadline
    while True:
        answer = await api.post("/v1/api/status/get_deployment", json={"name": deployment})
        assert answer.status == 200, answer.body
        if answer.body["status"] == "Running":
            return dict(answer.body)
        assert time.monotonic() < give_up, f"{deployment} still {answer.body['status']}"
        await asyncio.sleep(0.05)


def infer_path(deployment: str) -> str:
    return f"/v1/api/pipelines/infer/{deployment}"


# ------------------------------------------------------------------ users


async def test_users_invite_query_deactivate_activate(
    api: SpecClient, sandbox: SandboxServer, http: aiohttp.ClientSession
) -> None:
    everyone = await api.post("/v1/api/users/query", json={})
    assert [u["username"] for u in everyone.body["users"].values()] == ["admin@example.com"]

    invited = await api.post("/v1/api/users/invite", json={"email": "new@example.com", "password": "pw-1"})
    assert invited.status == 200 and invited.body["password"] == "pw-1"  # as the generated client reads it
    user_id = invited.body["id"]
    one = await api.post("/v1/api/users/query", json={"user_ids": [user_id]})
    assert list(one.body["users"]) == [user_id]
    assert one.body["users"][user_id]["email"] == "new@example.com"
    assert (await api.post("/v1/api/users/invite", json={"email": "NEW@example.com"})).status == 409

    new_token = await password_token(http, sandbox, "new@example.com", "pw-1")
    assert (await api.post("/v1/api/features/list", json={}, token=new_token)).status == 200

    assert (await api.post("/v1/api/users/deactivate", json={"email": "new@example.com"})).body == {}
    refused = await http.post(
        sandbox.token_url,
        data={"grant_type": "password", "username": "new@example.com", "password": "pw-1"},
        headers={
            "Authorization": aiohttp.encode_basic_auth(
                sandbox.settings.client_id, sandbox.settings.client_secret
            )
        },
    )
    assert refused.status == 400 and (await refused.json())["error"] == "invalid_grant"
    assert (await api.post("/v1/api/users/activate", json={"email": "new@example.com"})).body == {}
    await password_token(http, sandbox, "new@example.com", "pw-1")
    assert (await api.post("/v1/api/users/activate", json={"email": "nobody@example.com"})).status == 404


# ------------------------------------------------------------------ workspaces


async def test_workspaces_membership(api: SpecClient) -> None:
    invited = await api.post("/v1/api/users/invite", json={"email": "collab@example.com", "password": "x"})
    collab = invited.body["id"]
    workspace_id = await create_workspace(api, "testapiworkspace")
    assert (
        await api.post("/v1/api/workspaces/create", json={"workspace_name": "testapiworkspace"})
    ).status == 409

    listed = await api.post("/v1/api/workspaces/list", json={})
    names = [w["name"] for w in listed.body["workspaces"]]
    assert names == ["admin@example.com - Default Workspace", "housepricedrift", "testapiworkspace"]
    assert (await api.post("/v1/api/workspaces/list", json={"user_id": collab})).body == {"workspaces": []}

    added = await api.post(
        "/v1/api/workspaces/add_user", json={"email": "collab@example.com", "workspace_id": workspace_id}
    )
    assert added.body == {}
    members = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})
    assert [m["user_type"] for m in members.body["users"]] == ["OWNER", "COLLABORATOR"]
    mine = await api.post("/v1/api/workspaces/list", json={"user_id": collab})
    assert [w["id"] for w in mine.body["workspaces"]] == [workspace_id]

    removed = await api.post(
        "/v1/api/workspaces/remove_user", json={"email": "collab@example.com", "workspace_id": workspace_id}
    )
    assert removed.body == {"affected_rows": 1}
    again = await api.post(
        "/v1/api/workspaces/remove_user", json={"user_id": collab, "workspace_id": workspace_id}
    )
    assert again.body == {"affected_rows": 0}
    members = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})
    assert [m["user_type"] for m in members.body["users"]] == ["OWNER"]

    unknown = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": 999})
    assert unknown.status == 404 and unknown.body["code"] == 404


# ------------------------------------------------------------------ models


async def test_model_uploads_store_the_bytes(api: SpecClient, sandbox: SandboxServer) -> None:
    workspace_id = await create_workspace(api, "models")
    first = await upload_multipart(api, workspace_id, "apitestmodel")
    second = await upload_stream(api, workspace_id, "apitestmodelstream", MODEL_BYTES[::-1])
    expected = {
        first: hashlib.sha256(MODEL_BYTES).hexdigest(),
        second: hashlib.sha256(MODEL_BYTES[::-1]).hexdigest(),
    }

    listed = await api.post("/v1/api/models/list", json={"workspace_id": workspace_id})
    assert [m["id"] for m in listed.body["models"]] == [second, first]
    for model_id, name in ((first, "apitestmodel"), (second, "apitestmodelstream")):
        version = await latest_version(api, model_id, name)
        assert version["sha"] == expected[model_id]
        assert version["file_name"] == ("ccfraud.onnx" if model_id == first else "streamfile.onnx")
        stored = sandbox.store.model(model_id).latest.path
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == expected[model_id]

    details = await api.post("/v1/api/models/get_by_id", json={"id": first})
    assert details.body["workspace_id"] == workspace_id and details.body["model_config"] is None
    config = await api.post("/v1/api/models/get_config_by_id", json={"model_id": first})
    assert config.body == {"model_config": None}

    assert await upload_multipart(api, workspace_id, "apitestmodel", b"v2") == first
    with_versions = await api.post("/v1/api/models/get", json={"id": first})
    assert [v["sha"] for v in with_versions.body["models"]] == [
        hashlib.sha256(b"v2").hexdigest(),
        expected[first],
    ]
    assert list(sandbox.store.incoming_dir.iterdir()) == []


async def test_chunked_stream_upload_is_hashed_on_the_fly(api: SpecClient, sandbox: SandboxServer) -> None:
    chunk = bytes(range(256)) * 4096  # 1 MiB

    async def body() -> AsyncIterator[bytes]:
        for _ in range(16):
            yield chunk

    answer = await api.post(
        "/v1/api/models/upload_stream",
        params={"name": "big", "filename": "big.onnx", "workspace_id": 1},
        data=body(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert answer.status == 200, answer.body
    version = await latest_version(api, inserted_model_id(answer.body), "big")
    assert version["sha"] == hashlib.sha256(chunk * 16).hexdigest()
    assert sandbox.store.model_versions("big", 0)[0].size == 16 * len(chunk)


# ------------------------------------------------------------------ pipelines


async def test_deploy_status_url_inference_undeploy_copy(api: SpecClient, sandbox: SandboxServer) -> None:
    workspace_id = await create_workspace(api, "pipes")
    pipeline_id, deployment, version = await deployed_pipeline(api, workspace_id, "pipelinewithmodel")

    starting = await api.post("/v1/api/status/get_deployment", json={"name": deployment})
    assert starting.body["status"] == "Starting"
    assert starting.body["engines"][0]["status"] == "Pending"
    assert (await api.post(infer_path(deployment), json={"tensor": [ROW]})).status == 404

    running = await wait_running(api, deployment)
    engine = running["engines"][0]
    assert engine["pipeline_statuses"] == {"pipelines": [{"id": "pipelinewithmodel", "status": "Running"}]}
    assert engine["model_statuses"]["models"][0]["sha"] == version["sha"]

    for name in ("pipelinewithmodel", "pipelinewithmodel-deploy"):
        url = await api.post(
            "/v1/api/admin/get_pipeline_external_url",
            json={"workspace_id": workspace_id, "pipeline_name": name},
        )
        assert url.body["url"] == f"{sandbox.url}{infer_path(deployment)}"
    forwarded = await api.post(
        "/v1/api/admin/get_pipeline_external_url",
        json={"workspace_id": workspace_id, "pipeline_name": "pipelinewithmodel"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gateway.example.com:8443"},
    )
    assert forwarded.body["url"] == f"https://gateway.example.com:8443{infer_path(deployment)}"

    native = await api.post(infer_path(deployment), json={"tensor": [ROW, ROW[::-1]]})
    assert native.status == 200 and len(native.body) == 2
    assert native.body[0]["in"] == {"tensor": ROW} and native.body[0]["check_failures"] == []
    repeat = await api.post(infer_path(deployment), json={"tensor": [ROW]})
    assert repeat.body[0]["out"] == native.body[0]["out"]
    assert native.body[1]["out"] != native.body[0]["out"]
    pandas = await api.post(
        infer_path(deployment),
        data=b'[{"tensor": [0.5, -1.25, 3.0, 0.0, 2.5]}]',
        headers={"Content-Type": "application/json; format=pandas-records"},
    )
    assert pandas.status == 200 and pandas.body[0]["out"] == native.body[0]["out"]
    history = sandbox.store.inference_history(pipeline_id)
    assert len(history) == 4 and history[-1].inputs == {"tensor": tuple(ROW)}

    undeployed = await api.post(
        "/v1/api/pipelines/undeploy",
        json={"pipeline_id": pipeline_id, "deployment_id": int(deployment.rsplit("-", 1)[1])},
    )
    assert (
        undeployed.status == 200 and undeployed.body == {}
    )  # the documents show null; the client parses an object
    assert (await api.post(infer_path(deployment), json={"tensor": [ROW]})).status == 404
    assert (await api.post("/v1/api/status/get_deployment", json={"name": deployment})).status == 404

    copied = await api.post(
        "/v1/api/pipelines/copy",
        json={"name": "copiedmodelpipeline", "workspace_id": workspace_id, "source_pipeline": pipeline_id},
    )
    assert copied.body["pipeline_version"] is None and copied.body["deployment"] is None
    deployed_copy = await api.post(
        "/v1/api/pipelines/copy",
        json={
            "name": "copy2",
            "workspace_id": workspace_id,
            "source_pipeline": pipeline_id,
            "deploy": "copydeploy",
        },
    )
    copy_deployment = deployed_copy.body["deployment"]["name"]
    await wait_running(api, copy_deployment)
    from_copy = await api.post(infer_path(copy_deployment), json={"tensor": [ROW]})
    assert from_copy.body[0]["out"] == native.body[0]["out"]


async def test_empty_pipeline_echoes_its_inputs(api: SpecClient) -> None:
    workspace_id = await create_workspace(api, "empty")
    created = await api.post(
        "/v1/api/pipelines/create",
        json={"pipeline_id": "emptypipeline", "workspace_id": workspace_id, "definition": {}},
    )
    deployed = await api.post(
        "/v1/api/pipelines/deploy",
        json={
            "deploy_id": "emptydeploy",
            "pipeline_version_pk_id": created.body["pipeline_variant_pk_id"],
            "pipeline_id": created.body["pipeline_pk_id"],
        },
    )
    deployment = f"emptydeploy-{deployed.body['id']}"
    await wait_running(api, deployment)
    answer = await api.post(infer_path(deployment), json=[{"a": [[1, 2]], "b": [[3]]}])
    assert answer.body[0]["out"] == {"a": [1.0, 2.0], "b": [3.0]}
    features = await api.post("/v1/api/features/list", json={})
    assert features.body["is_auth_enabled"] is True


# ------------------------------------------------------------------ errors


async def test_missing_bad_and_expired_tokens(
    tmp_path: Path, contract: Contract, http: aiohttp.ClientSession
) -> None:
    now = [time.time()]
    server = await start_sandbox(sandbox_settings(tmp_path, clock=lambda: now[0]), contract=contract)
    try:
        api = SpecClient(http, server.url, contract)
        token = await password_token(http, server)
        for bearer in ("", "not-a-jwt", token[:-4] + "AAAA"):
            answer = await api.post("/v1/api/workspaces/list", json={}, token=bearer)
            assert answer.status == 401 and answer.body["code"] == 401
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await api.post("/v1/api/workspaces/list", json={}, token=token)).status == 200
        now[0] += server.settings.access_token_lifetime + 1
        expired = await api.post("/v1/api/workspaces/list", json={}, token=token)
        assert expired.status == 401 and "expired" in expired.body["msg"]
    finally:
        await server.close()


async def test_malformed_and_invalid_requests(api: SpecClient) -> None:
    malformed = await api.post(
        "/v1/api/workspaces/create", data=b'{"workspace_name": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status == 400 and "not valid JSON" in malformed.body["msg"]
    missing = await api.post("/v1/api/workspaces/create", json={})
    assert missing.status == 400 and "workspace_name" in missing.body["msg"]
    wrong_type = await api.post("/v1/api/models/list", json={"workspace_id": "one"})
    assert wrong_type.status == 400 and wrong_type.body["violations"][0]["pointer"] == "/workspace_id"
    text = await api.post("/v1/api/features/list", data=b"{}", headers={"Content-Type": "text/plain"})
    assert text.status == 400
    bad_query = await api.post(
        "/v1/api/models/upload_stream",
        params={"name": "m", "filename": "f", "workspace_id": "x"},
        data=b"abc",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert bad_query.status == 400 and "workspace_id" in bad_query.body["msg"]
    no_file = aiohttp.FormData({"name": "m", "workspace_id": "1"})
    no_file.add_field("note", b"x", filename="x.bin")
    assert (await api.post("/v1/api/models/upload", data=no_file)).status == 400
    unknown_deployment = await api.post(infer_path("nothing-1"), json={"tensor": [ROW]})
    assert unknown_deployment.status == 404


async def test_not_found_conflict_and_method(
    api: SpecClient, http: aiohttp.ClientSession, sandbox: SandboxServer
) -> None:
    assert (await api.post("/v1/api/models/list", json={"workspace_id": 999})).status == 404
    assert (await upload_stream_status(api, 999)) == 404
    assert (await api.post("/v1/api/models/get", json={"id": 999})).status == 404
    assert (
        await api.post("/v1/api/pipelines/copy", json={"name": "c", "workspace_id": 1, "source_pipeline": 9})
    ).status == 404
    assert (
        await api.post(
            "/v1/api/pipelines/copy", json={"name": "housepricepipe", "workspace_id": 2, "source_pipeline": 1}
        )
    ).status == 409
    async with http.get(f"{sandbox.url}/v1/api/workspaces/list") as response:
        assert response.status == 405 and response.headers["Allow"] == "POST"
        assert (await response.json())["code"] == 405
    async with http.post(f"{sandbox.url}/v1/api/nothing/here", json={}) as response:
        assert response.status == 404 and (await response.json())["code"] == 404


async def upload_stream_status(api: SpecClient, workspace_id: int) -> int:
    answer = await api.post(
        "/v1/api/models/upload_stream",
        params={"name": "m", "filename": "f.onnx", "workspace_id": workspace_id},
        data=b"bytes",
        headers={"Content-Type": "application/octet-stream"},
    )
    return answer.status


async def test_bodies_over_the_limits(
    tmp_path: Path, contract: Contract, http: aiohttp.ClientSession
) -> None:
    settings = sandbox_settings(tmp_path, max_upload_bytes=1000, max_json_body_bytes=100)
    server = await start_sandbox(settings, contract=contract)
    try:
        api = SpecClient(http, server.url, contract)
        api.token = await password_token(http, server)
        too_big = await api.post(
            "/v1/api/models/upload_stream",
            params={"name": "m", "filename": "f", "workspace_id": 1},
            data=b"x" * 1001,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert too_big.status == 413
        form = aiohttp.FormData({"name": "m", "workspace_id": "1"})
        form.add_field("file", b"x" * 1001, filename="f.onnx")
        assert (await api.post("/v1/api/models/upload", data=form)).status == 413
        long_json = await api.post("/v1/api/workspaces/create", json={"workspace_name": "w" * 200})
        assert long_json.status == 413 and "limit" in long_json.body["msg"]
        assert list(server.store.incoming_dir.iterdir()) == []
    finally:
        await server.close()


@pytest.mark.parametrize(
    "payload",
    [{"tensor": ["a", "b"]}, {"tensor": [[1.0], [2.0]], "other": [[1.0]]}, {"tensor": [[1.0, None]]}],
)
async def test_unscorable_inference_input_is_400(api: SpecClient, payload: dict[str, Any]) -> None:
    _, deployment, _ = await deployed_pipeline(api, await create_workspace(api, "bad-input"), "p")
    await wait_running(api, deployment)
    answer = await api.post(infer_path(deployment), json=payload)
    assert answer.status == 400, answer.body


async def test_client_request_shapes(
    api: SpecClient, sandbox: SandboxServer, http: aiohttp.ClientSession
) -> None:
    """The alternatives the spec accepts from the official client, not only the documents' shapes."""
    invited = await api.post("/v1/api/users/invite", json={"email": "temp@example.com", "password": None})
    await password_token(http, sandbox, "temp@example.com", invited.body["password"])
    workspace_id = await create_workspace(api, "client-shapes")
    added = await api.post(
        "/v1/api/workspaces/add_user",
        json={"user_id": invited.body["id"], "workspace_id": workspace_id, "user_type": "OWNER"},
    )
    assert added.status == 200
    members = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})
    assert [m["user_type"] for m in members.body["users"]] == ["OWNER", "OWNER"]

    form = aiohttp.FormData()
    form.add_field(
        "metadata",
        f'{{"name": "sdkmodel", "visibility": "private", "workspace_id": {workspace_id}}}',
        content_type="application/json",
    )
    form.add_field("file", MODEL_BYTES, filename="sdk.onnx")
    uploaded = await api.post("/v1/api/models/upload", data=form)
    assert uploaded.status == 200, uploaded.body
    by_name = await api.post("/v1/api/models/list", json={"workspace_name": "client-shapes"})
    assert [m["name"] for m in by_name.body["models"]] == ["sdkmodel"]

    created = await api.post(
        "/v1/api/pipelines/create", json={"pipeline_id": "nodef", "workspace_id": workspace_id}
    )
    deployed = await api.post(
        "/v1/api/pipelines/deploy",
        json={
            "deploy_id": "nodef",
            "pipeline_id": created.body["pipeline_pk_id"],
            "pipeline_version": created.body["pipeline_variant_version"],
        },
    )
    assert deployed.status == 200, deployed.body
    undeployed = await api.post(
        "/v1/api/pipelines/undeploy", json={"pipeline_id": created.body["pipeline_pk_id"]}
    )
    assert undeployed.status == 200
    status = await api.post("/v1/api/status/get_deployment", json={"name": f"nodef-{deployed.body['id']}"})
    assert status.status == 404

    async with http.post(
        f"{sandbox.url}/v1/api/features/list", headers={"Authorization": f"Bearer {api.token}"}
    ) as response:
        assert response.status == 200


async def test_upload_metadata_with_an_integer_past_64_bits_is_an_unknown_workspace(api: SpecClient) -> None:
    form = aiohttp.FormData()
    form.add_field(
        "metadata",
        '{"name": "m", "workspace_id": -10898736933772066546960564224}',
        content_type="application/json",
    )
    form.add_field("file", b"model", filename="m.onnx")
    answer = await api.post("/v1/api/models/upload", data=form)
    assert answer.status == 404, answer.body
