"""Handlers of the MLOps API's pipeline operations: create and copy.

A definition is stored as sent (an object, or a string: JSON text is decoded when it holds an
object). A copy takes the source's latest definition and can deploy itself at once.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import body, caller_id, store
from sandbox.core.responses import json_response
from sandbox.core.store import UnknownEntity
from sandbox.mlops.deployments import resolve_models, start_deployment


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
        data["workspace_id"], data["pipeline_id"], _definition(data.get("definition", {})), caller_id(request)
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


HANDLERS: dict[str, Handler] = {"pipelines_create": pipelines_create, "pipelines_copy": pipelines_copy}
