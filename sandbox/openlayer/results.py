"""Handlers of Openlayer's result listings: a test's results (GET /v1/tests/{testId}/results,
every listed evaluation, newest first, filtered by pipeline, status and data window) and a
pipeline's latest results (GET /v1/inference-pipelines/{id}/results, the newest per test,
filtered by status and test type). Both page with `page` (from 1) and `perPage` (default 25)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, query, store
from sandbox.core.openlayer_records import EvaluationTask, ResultStatus
from sandbox.core.openlayer_store import OpenlayerStore
from sandbox.core.responses import json_response
from sandbox.openlayer.views import result_json

PER_PAGE = 25
UNDECIDED = (ResultStatus.SKIPPED, ResultStatus.RUNNING)  # not a "last unskipped result"


def _status(task: EvaluationTask) -> ResultStatus:
    return task.outcome.status if task.outcome else ResultStatus.RUNNING


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    per_page = params.get("perPage", PER_PAGE)
    first = (params.get("page", 1) - 1) * per_page
    return items[first : first + per_page]


def _rendered(state: OpenlayerStore, tasks: list[EvaluationTask]) -> list[dict[str, Any]]:
    return [result_json(t, state.tests[t.test_id], state.created_at) for t in tasks]


async def openlayer_tests_list_results(request: web.Request) -> web.StreamResponse:
    state, params = store(request).openlayer, query(request)
    test = state.test(request[PATH_PARAMS]["testId"])
    tasks = state.results(test_id=test.id)
    wanted_pipeline = params.get("inferencePipelineId")
    if wanted_pipeline is not None:
        tasks = [t for t in tasks if t.pipeline_id == wanted_pipeline.lower()]
    if "status" in params:
        statuses = set(params["status"].split(","))
        tasks = [t for t in tasks if _status(t) in statuses]
    if "startTimestamp" in params:
        tasks = [t for t in tasks if t.end > params["startTimestamp"]]
    if "endTimestamp" in params:
        tasks = [t for t in tasks if t.start < params["endTimestamp"]]
    unskipped = next(
        (t for t in tasks if _status(t) not in (ResultStatus.SKIPPED, ResultStatus.RUNNING)), None
    )
    return json_response(
        {
            "items": _page(_rendered(state, tasks), params),
            "lastUnskippedResult": _rendered(state, [unskipped])[0] if unskipped else None,
        }
    )


async def openlayer_inference_pipelines_test_results_list(request: web.Request) -> web.StreamResponse:
    state, params = store(request).openlayer, query(request)
    pipeline = state.pipeline(request[PATH_PARAMS]["inferencePipelineId"])
    tasks = state.latest_results(pipeline.id)
    if "status" in params:
        tasks = [t for t in tasks if _status(t) == params["status"]]
    if "type" in params:
        tasks = [t for t in tasks if state.tests[t.test_id].type == params["type"]]
    return json_response({"items": _page(_rendered(state, tasks), params)})


HANDLERS: dict[str, Handler] = {
    "openlayer_tests_list_results": openlayer_tests_list_results,
    "openlayer_inference_pipelines_test_results_list": openlayer_inference_pipelines_test_results_list,
}
