"""Handlers of a pipeline's inference logs as the official SDK reads them: the pipeline's topic
name (`plateau/get_topic_name`), then pages of its records (`/v1/logs/topic/{topic}/records`).

The records are the pipeline's inference history (what `pipelines_infer` appended), newest
first when `order=desc`, at most `page_size` of them, within `time.start`/`time.end` when given,
shown per the dataset parameters (`sandbox.mlops.datasets`) and answered as an Arrow IPC file
(or JSON when the client does not accept Arrow). The schema metadata's `status` says whether
more records were left out (`RecordLimited`) or not (`Complete`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import PATH_PARAMS, body, query, store
from sandbox.core.errors import ApiError
from sandbox.core.records import InferenceRecord, Pipeline
from sandbox.core.responses import json_response
from sandbox.core.store import UnknownEntity
from sandbox.mlops.arrow_ipc import ARROW_FILE, write_rows
from sandbox.mlops.datasets import Dataset

DEFAULT_PAGE = 100
FAILURES = "-failures"


def topic_name(pipeline: Pipeline) -> str:
    """The topic a pipeline's inferences are logged to (unique per workspace and name)."""
    return f"workspace-{pipeline.workspace_id}-pipeline-{pipeline.name}-inference"


def record_json(record: InferenceRecord) -> dict[str, Any]:
    """One logged inference in the engine's nested shape."""
    return {
        "time": record.time_ms,
        "in": {name: list(values) for name, values in record.inputs.items()},
        "out": {name: list(values) for name, values in record.outputs.items()},
        "check_failures": [],
        "anomaly": {"count": 0},
        "metadata": {
            "last_model": json.dumps({"model_name": record.model, "model_sha": record.model_sha}),
            "elapsed": [record.elapsed_ns],
        },
    }


async def plateau_get_topic_name(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    if data.get("pipeline_pk_id") is not None:
        pipeline = the_store.pipeline(data["pipeline_pk_id"])
    elif data.get("workspace_id") is not None and data.get("pipeline_name") is not None:
        pipeline = the_store.pipeline_by_name(data["workspace_id"], data["pipeline_name"])
    else:
        raise ApiError(400, "name the pipeline by pipeline_pk_id, or by workspace_id and pipeline_name")
    return json_response({"topic_name": topic_name(pipeline)})


def _time(params: dict[str, Any], name: str) -> datetime | None:
    """A time bound (the spec makes it an RFC 3339 date-time, offset included)."""
    raw = params.get(name)
    return datetime.fromisoformat(raw) if raw is not None else None


async def logs_topic_records(request: web.Request) -> web.StreamResponse:
    the_store, params = store(request), query(request)
    topic = request[PATH_PARAMS]["topic"]
    failures = topic.endswith(FAILURES)
    base = topic.removesuffix(FAILURES)
    pipeline = next((p for p in the_store.pipelines.values() if topic_name(p) == base), None)
    if pipeline is None:
        raise UnknownEntity("topic", topic)
    start, end = _time(params, "time.start"), _time(params, "time.end")
    history = [] if failures else the_store.inference_history(pipeline.id)
    chosen = [r for r in history if (start is None or r.time >= start) and (end is None or r.time <= end)]
    if params.get("order") == "desc":
        chosen.reverse()
    limit = params.get("page_size", DEFAULT_PAGE)
    status = "RecordLimited" if len(chosen) > limit else "Complete"
    dataset = Dataset.from_query(request.query)
    rows = [dataset.apply(record_json(r)) for r in chosen[:limit]]
    if ARROW_FILE not in request.headers.get("Accept", ""):
        return json_response({"records": rows, "status": status})
    metadata = {"status": json.dumps({"status": status})}
    return web.Response(body=write_rows(rows, metadata), content_type=ARROW_FILE)


HANDLERS: dict[str, Handler] = {
    "plateau_get_topic_name": plateau_get_topic_name,
    "logs_topic_records": logs_topic_records,
}
