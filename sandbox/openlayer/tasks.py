"""Handler of Openlayer's GET /v1/background-tasks/{taskId}: where evaluate's `taskResultUrl`
points. An evaluation task is incomplete until its completion time on the sandbox clock, then
complete with its outcome (status, measured value, rows evaluated) as `outputs`."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, store
from sandbox.core.responses import json_response
from sandbox.openlayer.views import task_json


async def openlayer_background_tasks_retrieve(request: web.Request) -> web.StreamResponse:
    task = store(request).openlayer.task(request[PATH_PARAMS]["taskId"])
    return json_response(task_json(task))


HANDLERS: dict[str, Handler] = {"openlayer_background_tasks_retrieve": openlayer_background_tasks_retrieve}
