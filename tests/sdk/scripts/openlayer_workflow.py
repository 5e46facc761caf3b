"""The Openlayer SDK's everyday workflow, unchanged, against whatever OPENLAYER_BASE_URL names.

Run in the SDK's own venv (tests/support/sdk_venvs.py) with OPENLAYER_BASE_URL, OPENLAYER_API_KEY
and OPENLAYER_INFERENCE_PIPELINE_ID set and the test id as the only argument. It retrieves the
inference pipeline, streams two rows, sends a ground truth with `rows.update`, traces a function
with `@trace()` (default background publishing), evaluates the test, follows the task result URL
until the task completes, lists the test's and the pipeline's results, and checks the SDK's
typed errors. Every step asserts what it got; the last stdout line is a JSON summary.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import openlayer
from openlayer.lib import trace, update_current_trace
from openlayer.types.background_task_retrieve_response import BackgroundTaskRetrieveResponse

T = TypeVar("T")
TRACED_ID = "traced-inference-1"
CONFIG = {
    "inference_id_column_name": "id",
    "predictions_column_name": "price",
    "timestamp_column_name": "at",
    "feature_names": ["rooms"],
}


class ErrorLog(logging.Handler):
    """The SDK's ERROR log lines: the tracer reports a failed publish only there."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage()[:300])


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 20.0) -> list[T]:
    """Every value `read` gave until `done` held (polled every 0.1 s); fails after `timeout`."""
    seen: list[T] = []
    deadline = time.monotonic() + timeout
    while True:
        seen.append(read())
        if done(seen[-1]):
            return seen
        assert time.monotonic() < deadline, f"not done after {timeout} s: {seen[-1]!r}"
        time.sleep(0.1)


@trace()
def answer(question: str) -> str:
    update_current_trace(inferenceId=TRACED_ID)
    return f"an answer to {question}"


def main(test_id: str) -> dict[str, Any]:
    errors = ErrorLog()
    logging.getLogger("openlayer").addHandler(errors)
    pipeline_id = os.environ["OPENLAYER_INFERENCE_PIPELINE_ID"]
    client = openlayer.Openlayer(max_retries=0)  # base URL and API key from the environment
    now = int(time.time())

    pipeline = client.inference_pipelines.retrieve(pipeline_id, expand=["project"])
    assert pipeline.id == pipeline_id and pipeline.project is not None, pipeline
    records_before = pipeline.total_records_count or 0

    rows = [
        {"id": "sdk-1", "rooms": 3, "price": 0.5, "at": now},
        {"id": "sdk-2", "rooms": 4, "price": 0.7, "at": now},
    ]
    streamed = client.inference_pipelines.data.stream(pipeline_id, config=CONFIG, rows=rows)
    assert streamed.success is True
    truth = client.inference_pipelines.rows.update(
        pipeline_id, inference_id="sdk-1", row={"actual": 0.55}, config={"ground_truth_column_name": "actual"}
    )
    assert truth.success is True

    traced_output = answer("what is a house worth?")
    counts = eventually(
        lambda: client.inference_pipelines.retrieve(pipeline_id).total_records_count,
        lambda count: count == records_before + 3,
    )
    feedback = client.inference_pipelines.rows.update(
        pipeline_id, inference_id=TRACED_ID, row={"groundTruth": "42"}
    )
    assert feedback.success is True

    queued = client.tests.evaluate(
        test_id, start_timestamp=now - 3600, end_timestamp=now + 3600, inference_pipeline_id=pipeline_id
    )
    assert queued.message == "Evaluation task queued successfully" and queued.pipeline_count == 1
    task = queued.tasks[0]
    assert task.pipeline_id == pipeline_id
    states = eventually(
        lambda: client.get(task.task_result_url, cast_to=BackgroundTaskRetrieveResponse),
        lambda state: state.complete,
    )
    assert states[0].complete is False and states[0].outputs is None, states[0]
    done = client.background_tasks.retrieve(task.task_result_id)
    assert done.id == task.task_result_id and done.complete and done.progress == 100
    outputs = done.outputs
    assert isinstance(outputs, dict), outputs

    results = client.tests.list_results(
        test_id, inference_pipeline_id=pipeline_id, status=["passing", "failing"]
    )
    assert results.items and results.items[0].id == task.task_result_id, results
    assert (
        results.last_unskipped_result is not None and results.last_unskipped_result.id == task.task_result_id
    )
    latest = client.inference_pipelines.test_results.list(pipeline_id)
    assert [r.goal_id for r in latest.items] == [test_id], latest
    after = client.inference_pipelines.retrieve(pipeline_id)
    assert after.status == "completed" and after.date_last_evaluated is not None, after

    everywhere = client.tests.evaluate(test_id, start_timestamp=1699920000, end_timestamp=1700006400)
    assert everywhere.pipeline_count == len(everywhere.tasks) >= 1
    refused: dict[str, Any] = {}
    try:
        client.tests.evaluate("00000000-0000-4000-8000-000000000000", start_timestamp=1, end_timestamp=2)
    except openlayer.NotFoundError as exc:
        refused["unknown_test"] = exc.status_code
    try:
        client.inference_pipelines.retrieve("00000000-0000-4000-8000-000000000000")
    except openlayer.NotFoundError as exc:
        refused["unknown_pipeline"] = exc.status_code
    try:
        client.tests.evaluate("not-a-uuid", start_timestamp=1, end_timestamp=2)
    except openlayer.BadRequestError as exc:
        refused["invalid_test_id"] = exc.body["type"] if isinstance(exc.body, dict) else exc.body
    assert set(refused) == {"unknown_test", "unknown_pipeline", "invalid_test_id"}, refused
    client.close()

    return {
        "pipeline": {
            "name": pipeline.name,
            "project": pipeline.project.name,
            "records_before": records_before,
        },
        "record_counts": counts,
        "traced": {"inference_id": TRACED_ID, "output": traced_output},
        "task": {"id": task.task_result_id, "url": task.task_result_url, "polls": len(states)},
        "outputs": outputs,
        "results": [
            {"id": r.id, "status": r.status, "goal": r.goal.name if r.goal else None} for r in results.items
        ],
        "pipeline_after": {
            "status": after.status,
            "passing": after.passing_goal_count,
            "failing": after.failing_goal_count,
            "records": after.total_records_count,
        },
        "evaluated_everywhere": everywhere.pipeline_count,
        "refused": refused,
        "sdk_errors": errors.lines,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
