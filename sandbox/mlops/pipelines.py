"""Handlers of the MLOps API's pipeline operations: create, copy, and the official SDK's list
and look-up by name.

A definition is stored as sent (an object, or a string: JSON text is decoded when it holds an
object). Creating a pipeline under a name the workspace already has adds a version to it (the
SDK re-creates a pipeline by name before every deploy). A copy takes the source's latest
definition and can deploy itself at once.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import body, caller_id, store
from sandbox.core.records import Pipeline
from sandbox.core.responses import json_response
from sandbox.core.store import Store, UnknownEntity
from sandbox.mlops.deployments import resolve_models, start_deployment
from sandbox.mlops.logs import topic_name


def _definition(raw: dict[str, Any] | str) -> dict[str, Any] | str:
    if isinstance(raw, str):
        try:
            decoded = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
        return decoded if isinstance(decoded, dict) else raw
    return raw


async def pipelines_create(request: web.Request) -> web.StreamResponse:
    data = body(request)
    pipeline = store(request).create_pipeline(
        data["workspace_id"],
        data["pipeline_id"],
        _definition(data.get("definition", {})),
        caller_id(request),
        new_version=True,
    )
    version = pipeline.latest
    return json_response(
        {
            "pipeline_pk_id": pipeline.id,
            "pipeline_variant_pk_id": version.id,
            "pipeline_variant_version": version.version,
        }
    )


async def pipelines_copy(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    source = the_store.pipeline(data["source_pipeline"])
    if source.workspace_id != data["workspace_id"]:
        raise UnknownEntity(f"pipeline in workspace {data['workspace_id']}", source.id)
    deploy_id = data.get("deploy")
    # Check everything the deployment needs before creating the copy.
    models = resolve_models(the_store, source, source.latest, data) if deploy_id else []
    if deploy_id:
        the_store.check_deploy_name(deploy_id, None)
    copy = the_store.create_pipeline(
        source.workspace_id,
        data["name"],
        source.latest.definition,
        caller_id(request),
        data.get("pipeline_version"),
    )
    deployment = None
    if deploy_id:
        started = start_deployment(request, copy, copy.latest, deploy_id, models, data.get("engine_config"))
        deployment = {"id": started.id, "deploy_id": started.deploy_id, "name": started.name}
    return json_response(
        {
            "pipeline_pk_id": copy.id,
            "pipeline_variant_pk_id": copy.latest.id,
            "pipeline_version": data.get("pipeline_version"),
            "deployment": deployment,
        }
    )


def _pipeline_item(the_store: Store, pipeline: Pipeline) -> dict[str, Any]:
    """A pipeline as the SDK's ListPipelineItem reads it: the pipeline, its workspace, its topic."""
    workspace = the_store.workspace(pipeline.workspace_id)
    return {
        "pipeline": {
            "id": pipeline.id,
            "name": pipeline.name,
            "created_at": pipeline.created_at.isoformat(),
            "updated_at": (pipeline.updated_at or pipeline.created_at).isoformat(),
            "workspace_id": pipeline.workspace_id,
        },
        "workspace": workspace.summary(),
        "plateau_topic": topic_name(pipeline),
    }


async def pipelines_list_pipelines(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    if data.get("workspace_id") is not None:
        workspaces = [the_store.workspace(data["workspace_id"])]
    elif data.get("workspace_name") is not None:
        workspaces = [the_store.workspace_by_name(data["workspace_name"])]
    else:
        workspaces = the_store.workspaces_of(caller_id(request))
    pipelines = [the_store.pipeline(i) for w in workspaces for i in reversed(w.pipeline_ids)]
    return json_response({"pipelines": [_pipeline_item(the_store, p) for p in pipelines]})


async def pipelines_get_pipeline_by_name(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    pipeline = the_store.pipeline_by_name(data["workspace_id"], data["pipeline_name"])
    return json_response(_pipeline_item(the_store, pipeline))


HANDLERS: dict[str, Handler] = {
    "pipelines_create": pipelines_create,
    "pipelines_copy": pipelines_copy,
    "pipelines_list_pipelines": pipelines_list_pipelines,
    "pipelines_get_pipeline_by_name": pipelines_get_pipeline_by_name,
}
