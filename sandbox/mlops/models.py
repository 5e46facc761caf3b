"""Handlers of the MLOps API's model operations: both uploads, listing and details.

Uploads arrive already spooled to disk and hashed (see `validation`); the store adopts the file
as a new version of the named model. Responses use the documents' shapes: Hasura's
`insert_models.returning[0].models[0].id`, `model_config` and `image_path` null, and `owner_id`
as the documents print it for API uploads: the two-character string `""`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import FORM, UPLOAD, body, query, store
from sandbox.core.errors import ApiError
from sandbox.core.records import Model, ModelVersion, StoredFile
from sandbox.core.responses import json_response
from sandbox.core.store import Store

UNRECORDED_OWNER = '""'
VISIBILITIES = ("public", "private")
DEFAULT_VISIBILITY = "private"


def _inserted(
    the_store: Store, workspace_id: int, name: str, visibility: str, upload: StoredFile, file_name: str
) -> web.Response:
    model = the_store.add_model_version(workspace_id, name, visibility, upload, file_name)
    return json_response({"insert_models": {"returning": [{"models": [{"id": model.id}]}]}})


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
        if "workspace_id" in data
        else the_store.workspace_by_name(data["workspace_name"])
    )
    models = the_store.models_in(workspace.id)
    return json_response({"models": [_model_summary(m) for m in models]})


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
    workspace = the_store.workspace(model.workspace_id)
    # The generated client's ModelsGetResponse200 requires the workspace, which the documents omit.
    owner = {"id": workspace.id, "name": workspace.name}
    return json_response({**_model_summary(model), "models": versions, "workspace": owner})


HANDLERS: dict[str, Handler] = {
    "models_upload": models_upload,
    "models_upload_stream": models_upload_stream,
    "models_list": models_list,
    "models_get_by_id": models_get_by_id,
    "models_list_versions": models_list_versions,
    "models_get_config_by_id": models_get_config_by_id,
    "models_get": models_get,
}
