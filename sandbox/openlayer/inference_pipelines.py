"""Handlers of Openlayer's inference pipelines and their data: retrieve one (GET
/v1/inference-pipelines/{id}, `expand=project,workspace`), stream rows to it (POST .../data-stream;
the SDK's `data.stream` and its `@trace()` tracer) and update a stored row by inference id
(PUT .../rows?inferenceId=...; an id the pipeline does not hold is a 404)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, body, query, settings, store
from sandbox.core.responses import json_response
from sandbox.openlayer.views import pipeline_json

SUCCESS = {"success": True}


async def openlayer_inference_pipelines_retrieve(request: web.Request) -> web.StreamResponse:
    state = store(request).openlayer
    pipeline = state.pipeline(request[PATH_PARAMS]["inferencePipelineId"])
    expand = set(query(request).get("expand", "").split(",")) - {""}
    return json_response(pipeline_json(pipeline, state, expand))


async def openlayer_inference_pipelines_data_stream(request: web.Request) -> web.StreamResponse:
    data = body(request)
    store(request).openlayer.stream(
        request[PATH_PARAMS]["inferencePipelineId"],
        data["config"],
        data["rows"],
        settings(request).openlayer_max_rows,
    )
    return json_response(SUCCESS)


async def openlayer_inference_pipelines_rows_update(request: web.Request) -> web.StreamResponse:
    data = body(request)
    store(request).openlayer.update_row(
        request[PATH_PARAMS]["inferencePipelineId"],
        query(request)["inferenceId"],
        data["row"],
        data.get("config") or {},
    )
    return json_response(SUCCESS)


HANDLERS: dict[str, Handler] = {
    "openlayer_inference_pipelines_retrieve": openlayer_inference_pipelines_retrieve,
    "openlayer_inference_pipelines_data_stream": openlayer_inference_pipelines_data_stream,
    "openlayer_inference_pipelines_rows_update": openlayer_inference_pipelines_rows_update,
}
