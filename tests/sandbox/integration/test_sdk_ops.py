"""The sandbox's operations for the official Wallaroo SDK over real sockets: the anonymous client
config, model versions and configs, pipeline versions on re-create, listing and look-up, the
SDK's inference URL in its three media types (Arrow answers when asked), and the inference logs
read from the same history. JSON answers are checked against spec/openapi.yaml."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pyarrow as pa

from gateway.contract import Contract
from sandbox import SandboxServer
from sandbox.mlops.scoring import OUTPUT_FIELD, predict
from tests.sandbox.integration.test_mlops import MODEL_BYTES, create_workspace
from tests.support.sandbox import SpecClient

ARROW = "application/vnd.apache.arrow.file"
SDK_PARAMS = {"dataset[]": "*", "dataset.exclude[]": "metadata", "dataset.separator": "."}
ROWS = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def arrow_file(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def read_arrow(raw: bytes) -> pa.Table:
    with pa.ipc.open_file(pa.BufferReader(raw)) as reader:
        return reader.read_all()


async def test_config_answers_without_a_token(
    sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract
) -> None:
    async with http.get(f"{sandbox.url}/v1/api/config") as response:
        body = await response.json()
    assert response.status == 200 and body == {"default_arch": "x86"}
    media = contract.operations["config_get"].response_media(200)
    assert media is not None and media.find("application/json").validator.violations(body, "response") == []


async def sdk_upload(api: SpecClient, workspace_id: int, name: str) -> dict[str, Any]:
    """An upload as the SDK sends it: one JSON metadata part, then the file."""
    form = aiohttp.FormData()
    metadata = {"name": name, "visibility": "private", "workspace_id": workspace_id, "conversion": {}}
    form.add_field("metadata", json.dumps(metadata), content_type="application/json")
    form.add_field("file", MODEL_BYTES, filename="model.onnx", content_type="application/octet-stream")
    answer = await api.post("/v1/api/models/upload_and_convert", data=form)
    assert answer.status == 200, answer.body
    (inserted,) = answer.body["insert_models"]["returning"]
    return dict(inserted)


async def test_model_versions_and_configs(api: SpecClient) -> None:
    workspace_id = await create_workspace(api, "sdkmodels")
    first = await sdk_upload(api, workspace_id, "sdkmodel")
    second = await sdk_upload(api, workspace_id, "sdkmodel")
    assert first["id"] == second["id"] and first["models"][0]["id"] != second["models"][0]["id"]

    version_id = second["models"][0]["id"]
    got = await api.post("/v1/api/models/get_version_by_id", json={"model_version_id": version_id})
    version, config = got.body["model_version"]["model_version"], got.body["model_version"]["config"]
    assert (version["id"], version["name"], version["status"]) == (version_id, "sdkmodel", "ready")
    assert version["model_id"] == "sdkmodel" and version["workspace_id"] == workspace_id
    assert config["model_version_id"] == version_id and config["runtime"] == "onnx"

    inserted = await api.post(
        "/v1/api/models/insert_model_config",
        json={"model_version_id": version_id, "tensor_fields": ["tensor"]},
    )
    assert inserted.body["model_config"]["tensor_fields"] == ["tensor"]
    assert inserted.body["model_config"]["id"] != config["id"]
    again = await api.post("/v1/api/models/get_version_by_id", json={"model_version_id": version_id})
    assert again.body["model_version"]["config"] == inserted.body["model_config"]

    listed = await api.post(
        "/v1/api/models/list", json={"workspace_id": workspace_id, "workspace_name": None}
    )
    (item,) = listed.body["models"]
    assert item["model"]["id"] == first["id"] and item["workspace"]["id"] == workspace_id
    assert [v["model_version"]["id"] for v in item["model_versions"]] == [
        version_id,
        first["models"][0]["id"],
    ]
    assert (await api.post("/v1/api/models/get_version_by_id", json={"model_version_id": 999})).status == 404
    missing = {"model_version_id": 999, "tensor_fields": None}
    assert (await api.post("/v1/api/models/insert_model_config", json=missing)).status == 404


async def test_recreating_a_pipeline_adds_a_version_and_lists_and_looks_up(api: SpecClient) -> None:
    workspace_id = await create_workspace(api, "sdkpipes")
    create = {"pipeline_id": "sdkpipe", "workspace_id": workspace_id, "definition": {}}
    first = await api.post("/v1/api/pipelines/create", json=create)
    second = await api.post("/v1/api/pipelines/create", json=create)
    assert first.body["pipeline_pk_id"] == second.body["pipeline_pk_id"]
    assert first.body["pipeline_variant_pk_id"] != second.body["pipeline_variant_pk_id"]

    by_id = await api.post("/v1/api/pipelines/list_pipelines", json={"workspace_id": workspace_id})
    by_name = await api.post("/v1/api/pipelines/list_pipelines", json={"workspace_name": "sdkpipes"})
    everywhere = await api.post("/v1/api/pipelines/list_pipelines", json={})
    assert [p["pipeline"]["name"] for p in by_id.body["pipelines"]] == ["sdkpipe"]
    assert by_name.body == by_id.body
    assert {"sdkpipe", "housepricepipe"} <= {p["pipeline"]["name"] for p in everywhere.body["pipelines"]}

    got = await api.post(
        "/v1/api/pipelines/get_pipeline_by_name",
        json={"pipeline_name": "sdkpipe", "workspace_id": workspace_id},
    )
    assert got.body == by_id.body["pipelines"][0]
    pk = first.body["pipeline_pk_id"]
    topic = await api.post("/v1/api/plateau/get_topic_name", json={"pipeline_pk_id": pk})
    named = {"workspace_id": workspace_id, "pipeline_name": "sdkpipe"}
    assert (await api.post("/v1/api/plateau/get_topic_name", json=named)).body == topic.body
    assert topic.body["topic_name"] == got.body["plateau_topic"]
    missing = {"pipeline_name": "nothing", "workspace_id": workspace_id}
    assert (await api.post("/v1/api/pipelines/get_pipeline_by_name", json=missing)).status == 404
    assert (await api.post("/v1/api/plateau/get_topic_name", json={})).status == 400


def expected_outputs(sha: str) -> list[float]:
    return [predict([sha], {"tensor": tuple(row)})[OUTPUT_FIELD][0] for row in ROWS]


async def test_sdk_inference_in_three_media_types_and_the_logs(
    api: SpecClient, sandbox: SandboxServer, http: aiohttp.ClientSession, deployed: dict[str, Any]
) -> None:
    url = f"{sandbox.url}/v1/api/pipelines/infer/{deployed['name']}/sdkinfer"
    auth = {"Authorization": f"Bearer {api.token}"}
    records = [{"tensor": row} for row in ROWS]
    headers = {**auth, "Content-Type": "application/json; format=pandas-records"}
    async with http.post(url, params=SDK_PARAMS, json=records, headers=headers) as response:
        flat = await response.json()
    assert response.status == 200, flat
    assert [r["out.variable"][0] for r in flat] == expected_outputs(deployed["sha"])
    assert all("metadata" not in key for r in flat for key in r) and flat[0]["in.tensor"] == ROWS[0]

    headers = {**auth, "Content-Type": "application/json; format=wallaroo"}
    async with http.post(url, json={"tensor": ROWS}, headers=headers) as response:
        nested = await response.json()
    assert [r["out"]["variable"][0] for r in nested] == expected_outputs(deployed["sha"])
    assert "last_model" in nested[0]["metadata"]  # no dataset parameters: every part

    table = pa.Table.from_pydict({"tensor": ROWS})
    headers = {**auth, "Content-Type": ARROW, "Accept": ARROW}
    async with http.post(url, params=SDK_PARAMS, data=arrow_file(table), headers=headers) as response:
        assert response.status == 200 and response.content_type == ARROW
        answer = read_arrow(await response.read())
    assert [v[0] for v in answer.column("out.variable").to_pylist()] == expected_outputs(deployed["sha"])
    async with http.post(url, data=b"not arrow", headers=headers) as response:
        assert response.status == 400
    wrong = f"{sandbox.url}/v1/api/pipelines/infer/{deployed['name']}/otherpipe"
    async with http.post(
        wrong, json={"tensor": ROWS}, headers={**auth, "Content-Type": "application/json"}
    ) as response:
        assert response.status == 404

    topic = (
        await api.post("/v1/api/plateau/get_topic_name", json={"pipeline_pk_id": deployed["pipeline_id"]})
    ).body
    logs = f"{sandbox.url}/v1/logs/topic/{topic['topic_name']}/records"
    params = {**SDK_PARAMS, "page_size": "100", "order": "desc"}
    async with http.post(logs, params=params, json={}, headers={**auth, "Accept": ARROW}) as response:
        assert response.status == 200 and response.content_type == ARROW
        page = read_arrow(await response.read())
    assert page.num_rows == 3 * len(ROWS) == len(sandbox.store.inference_history(deployed["pipeline_id"]))
    assert json.loads(page.schema.metadata[b"status"])["status"] == "Complete"
    newest_first = [v[0] for v in page.column("out.variable").to_pylist()[:2]]
    assert newest_first == expected_outputs(deployed["sha"])[::-1]
    assert "metadata.last_model" not in page.column_names

    limited = {"page_size": "1", "dataset[]": "metadata", "dataset.separator": "."}
    async with http.post(logs, params=limited, json={}, headers=auth) as response:
        body = await response.json()
    assert body["status"] == "RecordLimited" and list(body["records"][0]) == [
        "metadata.last_model",
        "metadata.elapsed",
    ]
    window = {"time.start": "2001-01-01T00:00:00+00:00", "time.end": "2001-01-02T00:00:00+00:00"}
    async with http.post(logs, params=window, json={}, headers=auth) as response:
        assert (await response.json()) == {"records": [], "status": "Complete"}
    async with http.post(f"{sandbox.url}/v1/logs/topic/nothing/records", json={}, headers=auth) as response:
        assert response.status == 404
    async with http.post(f"{logs}", json={}) as response:
        assert response.status == 401
