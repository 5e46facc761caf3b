"""Handler of Openlayer's POST /v1/tests/{testId}/evaluate: queue one evaluation task per
inference pipeline the test applies to (or only the one asked for) and answer the summary.

The API key was checked by the auth middleware; here are the semantic checks: an unknown test or
a pipeline the test does not apply to is a 404, a start after the end a 400. Each task's
`taskResultUrl` is its background task at the address the client used (through a gateway, the
gateway's), where it stays incomplete for `evaluation_duration` seconds of the sandbox clock.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, body, public_base_url, settings, store
from sandbox.core.errors import ApiError
from sandbox.core.lookups import UnknownEntity
from sandbox.core.responses import json_response

QUEUED = "Evaluation task queued successfully"


async def openlayer_tests_evaluate(request: web.Request) -> web.StreamResponse:
    data, state = body(request), store(request).openlayer
    test = state.test(request[PATH_PARAMS]["testId"])
    start, end = data["startTimestamp"], data["endTimestamp"]
    if start > end:
        raise ApiError(400, f"startTimestamp {start} is after endTimestamp {end}")
    pipelines = test.pipeline_ids
    wanted = data.get("inferencePipelineId")
    if wanted is not None:
        if wanted.lower() not in pipelines:
            raise UnknownEntity(f"inference pipeline of test {test.id}", wanted)
        pipelines = (wanted.lower(),)
    overwrite = bool(data.get("overwriteResults", False))
    duration = settings(request).evaluation_duration
    tasks = state.queue_evaluations(test, pipelines, start, end, overwrite, duration)
    base = public_base_url(request)
    return json_response(
        {
            "message": QUEUED,
            "pipelineCount": len(tasks),
            "requestedStartTimestamp": start,
            "requestedEndTimestamp": end,
            "tasks": [
                {
                    "taskResultUrl": f"{base}/v1/background-tasks/{t.id}",
                    "taskResultId": t.id,
                    "pipelineId": t.pipeline_id,
                }
                for t in tasks
            ],
        }
    )


HANDLERS: dict[str, Handler] = {"openlayer_tests_evaluate": openlayer_tests_evaluate}
