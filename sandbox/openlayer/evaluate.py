"""Handler of Openlayer's POST /v1/tests/{testId}/evaluate: queue one evaluation task per
inference pipeline the test applies to (or only the one asked for) and answer the summary.

The API key was checked by the auth middleware; here are the semantic checks: an unknown test or
a pipeline the test does not apply to is a 404, a start after the end a 400.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, body, public_base_url, store
from sandbox.core.errors import ApiError
from sandbox.core.responses import json_response
from sandbox.core.store import UnknownEntity

QUEUED = "Evaluation task queued successfully"


async def openlayer_tests_evaluate(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    test = the_store.openlayer_test(request[PATH_PARAMS]["testId"].lower())
    start, end = data["startTimestamp"], data["endTimestamp"]
    if start > end:
        raise ApiError(400, f"startTimestamp {start} is after endTimestamp {end}")
    pipelines = test.pipeline_ids
    wanted = data.get("inferencePipelineId")
    if wanted is not None:
        if wanted.lower() not in pipelines:
            raise UnknownEntity(f"inference pipeline of test {test.id}", wanted)
        pipelines = (wanted.lower(),)
    tasks = the_store.queue_evaluations(
        test, pipelines, start, end, bool(data.get("overwriteResults", False))
    )
    base = public_base_url(request)
    return json_response(
        {
            "message": QUEUED,
            "pipelineCount": len(tasks),
            "requestedStartTimestamp": start,
            "requestedEndTimestamp": end,
            "tasks": [
                {
                    "taskResultUrl": f"{base}/v1/task-results/{t.id}",
                    "taskResultId": t.id,
                    "pipelineId": t.pipeline_id,
                }
                for t in tasks
            ],
        }
    )


HANDLERS: dict[str, Handler] = {"openlayer_tests_evaluate": openlayer_tests_evaluate}
