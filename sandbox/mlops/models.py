"""Handlers of the MLOps API's model operations: the uploads, listing and details, and the
official SDK's model version look-up and model configs.

Uploads arrive already spooled to disk and hashed (see `validation`); the store adopts the file
as a new version of the named model, with a model config. Responses use the documents' shapes:
Hasura's `insert_models.returning[0].models[0].id`, `model_config` and `image_path` null, and
`owner_id` as the documents print it for API uploads: the two-character string `""`. Where the
SDK's models want more (`models/list` items with `model`, `model_versions` and `workspace`,
`models/get` with its `workspace`), the answer carries both: the documents' fields and the SDK's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import FORM, UPLOAD, body, query, store
from sandbox.core.errors import ApiError
from sandbox.core.records import Model, ModelConfig, ModelVersion, StoredFile
from sandbox.core.responses import json_response
from sandbox.core.store import Store

UNRECORDED_OWNER = '""'
READY = "ready"  # the sandbox converts nothing: every upload is ready at once
VISIBILITIES = ("public", "private")
DEFAULT_VISIBILITY = "private"


def _inserted(
    the_store: Store, workspace_id: int, name: str, visibility: str, upload: StoredFile, file_name: str
) -> web.Response:
    model = the_store.add_model_version(workspace_id, name, visibility, upload, file_name)
    # Hasura's insert-returning: the model row (`models`), and under it the new version (`model`),
    # whose id the SDK reads as the model version's (models/get_version_by_id).
    inserted = {"id": model.id, "models": [{"id": model.latest.id}]}
    return json_response({"insert_models": {"returning": [inserted]}})


def _upload_fields(fields: Mapping[str, Any]) -> tuple[int, str, str]:
    """(workspace id, model name, visibility) from the text fields, or from the SDK's JSON
    `metadata` part (which the spec leaves unchecked; text fields win where both are sent)."""
    metadata = fields.get("metadata")
    merged = {**(metadata if isinstance(metadata, dict) else {}), **fields}
    name, workspace, visibility = merged.get("name"), merged.get("workspace_id"), merged.get("visibility")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "a model name is required (a name field, or name in the metadata object)")
    if isinstance(workspace, str) and workspace.isascii() and workspace.isdigit():
        workspace = int(workspace)
    elif isinstance(workspace, float) and workspace.is_integer():
        workspace = int(workspace)  # JSON integers past 64 bits parse as floats
    if not isinstance(workspace, int) or isinstance(workspace, bool):
        raise ApiError(400, "workspace_id (a field, or in the metadata object) must be a numerical id")
    if visibility not in (None, *VISIBILITIES):
        raise ApiError(400, f"visibility must be one of {', '.join(VISIBILITIES)}")
    return workspace, name, visibility or DEFAULT_VISIBILITY


async def models_upload(request: web.Request) -> web.StreamResponse:
    form = request[FORM]
    workspace_id, name, visibility = _upload_fields(form.fields)
    upload = form.files["file"]
    return _inserted(store(request), workspace_id, name, visibility, upload, upload.file_name or name)


async def models_upload_stream(request: web.Request) -> web.StreamResponse:
    params = query(request)
    visibility = params.get("visibility", DEFAULT_VISIBILITY)
    return _inserted(
        store(request),
        params["workspace_id"],
        params["name"],
        visibility,
        request[UPLOAD],
        params["filename"],
    )


def _model_summary(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "owner_id": UNRECORDED_OWNER,
        "created_at": model.created_at.isoformat(),
        "updated_at": model.updated_at.isoformat(),
    }


def _workspace_ref(the_store: Store, model: Model) -> dict[str, Any]:
    return the_store.workspace(model.workspace_id).summary()


def config_json(config: ModelConfig) -> dict[str, Any]:
    """A model config as the SDK's ModelConfig model reads it."""
    return {
        "id": config.id,
        "model_version_id": config.model_version_id,
        "runtime": config.runtime,
        "tensor_fields": list(config.tensor_fields) if config.tensor_fields is not None else None,
        "filter_threshold": config.filter_threshold,
        "input_schema": config.input_schema,
        "output_schema": config.output_schema,
        "batch_config": config.batch_config,
    }


def configured_version_json(the_store: Store, version: ModelVersion) -> dict[str, Any]:
    """A model version with its config: the SDK's ConfiguredModelVersion, whose `model_version`
    carries both the generated model's fields (name, file_info, workspace_id ...) and the
    GraphQL-style ones the SDK's ModelVersion object reads (model_id, model_version, sha ...)."""
    model = the_store.model(version.model_pk)
    details = {
        **_version_json(version),
        "name": version.model_name,
        "file_info": {
            "file_name": version.file_name,
            "sha": version.sha,
            "size": version.size,
            "version": version.version,
        },
        "status": READY,
        "visibility": model.visibility,
        "workspace_id": model.workspace_id,
        "created_at": version.created_at.isoformat(),
        "updated_at": version.created_at.isoformat(),
        "error_summary": None,
        "task_id": None,
        "conversion": None,
    }
    return {"model_version": details, "config": config_json(the_store.config_of(version.id))}


def _version_json(version: ModelVersion) -> dict[str, Any]:
    return {
        "sha": version.sha,
        "models_pk_id": version.model_pk,
        "model_version": version.version,
        "owner_id": UNRECORDED_OWNER,
        "model_id": version.model_name,
        "id": version.id,
        "file_name": version.file_name,
        "image_path": None,
    }


async def models_list(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    workspace = (
        the_store.workspace(data["workspace_id"])
        if data.get("workspace_id") is not None
        else the_store.workspace_by_name(data["workspace_name"])
    )
    items = [
        {
            **_model_summary(model),
            "model": {**_model_summary(model), "workspace_id": model.workspace_id},
            "model_versions": [configured_version_json(the_store, v) for v in reversed(model.versions)],
            "workspace": _workspace_ref(the_store, model),
        }
        for model in the_store.models_in(workspace.id)
    ]
    return json_response({"models": items})


async def models_get_by_id(request: web.Request) -> web.StreamResponse:
    model = store(request).model(body(request)["id"])
    return json_response({**_model_summary(model), "workspace_id": model.workspace_id, "model_config": None})


async def models_list_versions(request: web.Request) -> web.StreamResponse:
    data = body(request)
    versions = store(request).model_versions(data["model_id"], data["models_pk_id"])
    return json_response([_version_json(v) for v in versions])


async def models_get_config_by_id(request: web.Request) -> web.StreamResponse:
    store(request).model(body(request)["model_id"])
    return json_response({"model_config": None})


async def models_get(request: web.Request) -> web.StreamResponse:
    the_store = store(request)
    model = the_store.model(body(request)["id"])
    versions = [_version_json(v) for v in reversed(model.versions)]
    return json_response(
        {**_model_summary(model), "models": versions, "workspace": _workspace_ref(the_store, model)}
    )


async def models_get_version_by_id(request: web.Request) -> web.StreamResponse:
    the_store = store(request)
    version = the_store.model_version(body(request)["model_version_id"])
    return json_response({"model_version": configured_version_json(the_store, version)})


async def models_insert_model_config(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    version_id = data["model_version_id"]
    tensor_fields = data.get("tensor_fields")
    config = the_store.add_model_config(
        version_id,
        the_store.config_of(version_id).runtime,
        tensor_fields=tuple(tensor_fields) if tensor_fields is not None else None,
        filter_threshold=data.get("filter_threshold"),
        input_schema=data.get("input_schema"),
        output_schema=data.get("output_schema"),
        batch_config=data.get("batch_config"),
    )
    return json_response({"model_config": config_json(config)})


HANDLERS: dict[str, Handler] = {
    "models_upload": models_upload,
    "models_upload_and_convert": models_upload,
    "models_upload_stream": models_upload_stream,
    "models_list": models_list,
    "models_get_by_id": models_get_by_id,
    "models_list_versions": models_list_versions,
    "models_get_config_by_id": models_get_config_by_id,
    "models_get": models_get,
    "models_get_version_by_id": models_get_version_by_id,
    "models_insert_model_config": models_insert_model_config,
}
