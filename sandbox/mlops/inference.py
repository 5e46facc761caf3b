"""Handler of the inference URLs: score rows on a running deployment and log them.

Both URLs (the documents' `/infer/{deployment}` and the SDK's `/infer/{deployment}/{pipeline}`)
take Wallaroo's JSON (`application/json`, `; format=wallaroo`), pandas records
(`; format=pandas-records`) or an Arrow IPC file, and answer one record per input row (`time`,
`in`, `out`, `check_failures`, `metadata`), shown per the SDK's dataset parameters
(`sandbox.mlops.datasets`), as JSON or, when the Accept header asks for it, as an Arrow IPC file.
The same rows are appended to the pipeline's inference history, which the assays and the logs
read. Unknown, undeployed or still starting deployments answer 404.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import MEDIA_TYPE, PATH_PARAMS, UPLOAD, body, store
from sandbox.core.errors import ApiError
from sandbox.core.records import InferenceRecord
from sandbox.core.responses import json_response
from sandbox.mlops.arrow_ipc import ARROW_FILE, BadArrow, read_rows, write_rows
from sandbox.mlops.datasets import Dataset
from sandbox.mlops.scoring import BadInput, Row, predict, rows_from_records, rows_from_tensors

PANDAS_RECORDS = "format=pandas-records"


def _rows(request: web.Request) -> list[Row]:
    media_type = request[MEDIA_TYPE]
    try:
        if media_type == ARROW_FILE:
            return rows_from_records(read_rows(request[UPLOAD].path))
        if PANDAS_RECORDS in media_type.replace(" ", ""):
            return rows_from_records(body(request))
        return rows_from_tensors(body(request))
    except (BadInput, BadArrow) as exc:
        raise ApiError(400, str(exc)) from None


async def pipelines_infer(request: web.Request) -> web.StreamResponse:
    the_store = store(request)
    path = request[PATH_PARAMS]
    deployment = the_store.running_deployment(path["deployment"])
    pipeline = the_store.pipeline(deployment.pipeline_id)
    if path.get("pipeline_name", pipeline.name) != pipeline.name:
        raise ApiError(404, f"deployment {path['deployment']} does not run pipeline {path['pipeline_name']}")
    rows = _rows(request)
    started = time.perf_counter_ns()
    shas = [m.sha for m in deployment.models]
    outputs = [predict(shas, row.features) for row in rows]
    elapsed_ns = time.perf_counter_ns() - started
    now = the_store.now()
    last = deployment.models[-1] if deployment.models else None
    records = [
        InferenceRecord(
            time=now,
            pipeline=pipeline.name,
            model=last.model_name if last else "",
            model_sha=last.sha if last else "",
            inputs=row.features,
            outputs=out,
            elapsed_ns=elapsed_ns,
        )
        for row, out in zip(rows, outputs, strict=True)
    ]
    the_store.record_inferences(pipeline.id, records)
    metadata: dict[str, Any] = {
        "last_model": json.dumps({"model_name": last.model_name, "model_sha": last.sha}) if last else "{}",
        "pipeline_version": deployment.pipeline_version.version,
        "elapsed": [elapsed_ns],
        "dropped": [],
        "partition": deployment.engine.name,
    }
    dataset = Dataset.from_query(request.query)
    answer = [
        dataset.apply(
            {
                "time": record.time_ms,
                "in": row.shown,
                "out": {name: list(values) for name, values in record.outputs.items()},
                "check_failures": [],
                "metadata": metadata,
            }
        )
        for row, record in zip(rows, records, strict=True)
    ]
    if ARROW_FILE in request.headers.get("Accept", ""):
        return web.Response(body=write_rows(answer), content_type=ARROW_FILE)
    return json_response(answer)


HANDLERS: dict[str, Handler] = {
    "pipelines_infer": pipelines_infer,
    "pipelines_infer_pipeline": pipelines_infer,
}
