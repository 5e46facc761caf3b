"""Handlers of the MLOps API's deployment operations: deploy, undeploy, status, external URL.

A deployment reports Starting (engine Pending) until the configured start delay has passed on
the store's clock, then Running with its pipeline and model statuses; no background task is
involved. Its models come from the request (`models`, `model_ids`, `model_configs`) or else from
the pipeline definition's ModelInference steps. The official SDK names only the pipeline
version's pk; the pipeline is the one that version belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import body, public_base_url, settings, store
from sandbox.core.records import Deployment, DeploymentStatus, ModelVersion, Pipeline, PipelineVersion
from sandbox.core.responses import json_response
from sandbox.core.store import Store, UnknownEntity

_UNREADY = "containers with unready status: [engine]"


def _definition_refs(definition: object) -> Iterator[Mapping[str, Any]]:
    """The `{name, version, sha}` model references of a definition's ModelInference steps."""
    steps = definition.get("steps") if isinstance(definition, dict) else None
    for step in steps if isinstance(steps, list) else []:
        inference = step.get("ModelInference") if isinstance(step, dict) else None
        models = inference.get("models") if isinstance(inference, dict) else None
        for ref in models if isinstance(models, list) else []:
            if isinstance(ref, dict) and all(isinstance(ref.get(k), str) for k in ("name", "version", "sha")):
                yield ref


def resolve_models(
    the_store: Store, pipeline: Pipeline, version: PipelineVersion, request: Mapping[str, Any]
) -> list[ModelVersion]:
    """The model versions a deployment runs: named in the request, else in the definition."""
    refs = request.get("models") or list(_definition_refs(version.definition))
    resolved = [
        the_store.find_model_version(pipeline.workspace_id, ref["name"], ref["version"], ref["sha"])
        for ref in refs
    ]
    resolved += [the_store.model(model_id).latest for model_id in request.get("model_ids") or []]
    for config_id in request.get("model_configs") or []:
        raise UnknownEntity("model config", config_id)  # the sandbox stores no model configs
    return resolved


def start_deployment(
    request: web.Request,
    pipeline: Pipeline,
    version: PipelineVersion,
    deploy_id: str,
    models: list[ModelVersion],
    engine_config: Any,
) -> Deployment:
    return store(request).deploy(
        pipeline, version, deploy_id, models, engine_config, settings(request).deployment_start_delay
    )


async def pipelines_deploy(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    if "pipeline_id" in data:
        pipeline = the_store.pipeline(data["pipeline_id"])
    else:  # the SDK names the version's pk only
        pipeline = the_store.pipeline_of_version(data["pipeline_version_pk_id"])
    version = the_store.pipeline_version(
        pipeline, data.get("pipeline_version_pk_id", data.get("pipeline_version"))
    )
    models = resolve_models(the_store, pipeline, version, data)
    deployment = start_deployment(
        request, pipeline, version, data["deploy_id"], models, data.get("engine_config")
    )
    return json_response({"id": deployment.id})


async def pipelines_undeploy(request: web.Request) -> web.StreamResponse:
    data = body(request)
    store(request).undeploy(data.get("pipeline_id"), data.get("deployment_id"))
    # The documents answer null; the generated client parses only an object (PipelinesUndeployResponse200).
    return json_response({})


def _status_json(the_store: Store, deployment: Deployment) -> dict[str, Any]:
    status = deployment.status(the_store.clock())
    running = status is DeploymentStatus.RUNNING
    engine: dict[str, Any] = {
        "ip": deployment.engine.ip if running else None,
        "name": deployment.engine.name,
        "status": "Running" if running else "Pending",
        "reason": None,
        "details": [] if running else [_UNREADY, _UNREADY],
        "pipeline_statuses": None,
        "model_statuses": None,
    }
    if running:
        pipeline = the_store.pipeline(deployment.pipeline_id)
        engine["pipeline_statuses"] = {"pipelines": [{"id": pipeline.name, "status": "Running"}]}
        engine["model_statuses"] = {
            "models": [
                {"name": m.model_name, "version": m.version, "sha": m.sha, "status": "Running"}
                for m in deployment.models
            ]
        }
    engine_lb: dict[str, Any] = {
        "ip": deployment.engine_lb.ip,
        "name": deployment.engine_lb.name,
        "status": "Running",
        "reason": None,
        "details": [],
    }
    return {
        "status": status.value,
        "details": [],
        "engines": [_with_info(engine)],
        "engine_lbs": [_with_info(engine_lb)],
        "sidekicks": [],
        "helm": [],
    }


def _with_info(pod: dict[str, Any]) -> dict[str, Any]:
    """A pod flat, as the documents show it, and again under `info` with the labels and health
    the generated client requires."""
    info = {key: pod[key] for key in ("ip", "name", "status", "reason", "details")}
    health = "Running" if pod["status"] == "Running" else "Starting"
    return {**pod, "info": {**info, "labels": {"app": pod["name"].rsplit("-", 2)[0]}, "health": health}}


async def status_get_deployment(request: web.Request) -> web.StreamResponse:
    the_store = store(request)
    deployment = the_store.active_deployment(body(request)["name"])
    return json_response(_status_json(the_store, deployment))


async def admin_get_pipeline_external_url(request: web.Request) -> web.StreamResponse:
    data = body(request)
    deployment = store(request).deployment_for(data["workspace_id"], data["pipeline_name"])
    url = f"{public_base_url(request)}/v1/api/pipelines/infer/{quote(deployment.name, safe='')}"
    return json_response({"url": url})


HANDLERS: dict[str, Handler] = {
    "pipelines_deploy": pipelines_deploy,
    "pipelines_undeploy": pipelines_undeploy,
    "status_get_deployment": status_get_deployment,
    "admin_get_pipeline_external_url": admin_get_pipeline_external_url,
}
