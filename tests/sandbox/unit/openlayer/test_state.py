"""The Openlayer stand-in's state without a server: what an evaluation measures (row count, mean
absolute error over the rows with both a prediction and a ground truth) and decides, the rows'
bound and replacement by inference id, and tasks that settle once the clock reaches their end."""

from __future__ import annotations

import itertools

import pytest

from sandbox.core.lookups import UnknownEntity
from sandbox.core.openlayer_evaluation import evaluate
from sandbox.core.openlayer_records import InferencePipeline, OpenlayerTest, ResultStatus, StreamedRow
from sandbox.core.openlayer_store import OpenlayerStore
from sandbox.core.seed import OPENLAYER_PIPELINES, OPENLAYER_PROJECT, OPENLAYER_TESTS

MAE, ROW_COUNT = OPENLAYER_TESTS
CONFIG = {"predictionsColumnName": "p", "targetColumnName": "t", "inferenceIdColumnName": "id"}


def row(values: dict, at: float = 10.0, config: dict | None = None) -> StreamedRow:
    return StreamedRow(str(values.get("id", "r")), at, at, values, config or CONFIG)


def test_mean_absolute_error_over_the_rows_with_prediction_and_ground_truth() -> None:
    rows = [row({"p": 1.0, "t": 1.04}), row({"p": 2, "t": 2.12}), row({"p": 3.0}), row({"p": True, "t": 0})]
    outcome = evaluate(MAE, rows, 0, 20, now=99.0)
    assert outcome.value == pytest.approx(0.08) and outcome.row_count == 4
    assert outcome.status is ResultStatus.PASSING and outcome.evaluated_at == 99.0
    assert "meanAbsoluteError = 0.08 over 4 rows" in outcome.message
    llm = {"outputColumnName": "out", "groundTruthColumnName": "truth"}
    assert (
        evaluate(MAE, [row({"out": 0.0, "truth": 0.5}, config=llm)], 0, 20, 0).status is ResultStatus.FAILING
    )


def test_nothing_to_measure_is_skipped_and_the_window_is_inclusive() -> None:
    assert evaluate(MAE, [row({"p": 1.0})], 0, 20, 0).status is ResultStatus.SKIPPED
    assert evaluate(ROW_COUNT, [row({}, at=30.0)], 0, 20, 0).status is ResultStatus.SKIPPED
    edges = [row({}, at=0.0), row({}, at=20.0)]
    counted = evaluate(ROW_COUNT, edges, 0, 20, 0)
    assert (counted.status, counted.value) == (ResultStatus.PASSING, 2.0)


@pytest.fixture
def state() -> tuple[OpenlayerStore, list[float]]:
    now = [100.0]
    ids = (f"id-{n}" for n in itertools.count())
    store = OpenlayerStore(lambda: now[0], lambda: next(ids))
    store.seed(OPENLAYER_PROJECT, OPENLAYER_PIPELINES, OPENLAYER_TESTS)
    return store, now


def test_rows_keep_the_newest_and_an_inference_id_replaces(state: tuple[OpenlayerStore, list[float]]) -> None:
    store, _ = state
    pipeline = OPENLAYER_PIPELINES[0].id
    assert store.stream(pipeline, CONFIG, [{"id": 1}, {"id": 2}, {"id": 3}], max_rows=2) == 3
    store.stream(pipeline, CONFIG, [{"id": 2, "p": 5}, {"x": 1}], max_rows=2)
    assert list(store.rows[pipeline]) == ["2", "id-0"]  # a row without an id gets a new one
    updated = store.update_row(
        pipeline, "2", {"t": 4}, {"groundTruthColumnName": "t", "latencyColumnName": None}
    )
    assert updated.values == {"id": 2, "p": 5, "t": 4} and "latencyColumnName" not in updated.config
    with pytest.raises(UnknownEntity):
        store.update_row(pipeline, "1", {}, {})
    with pytest.raises(UnknownEntity):
        store.stream("00000000-0000-4000-8000-000000000000", CONFIG, [], max_rows=2)


def test_a_task_settles_once_and_keeps_its_outcome(state: tuple[OpenlayerStore, list[float]]) -> None:
    store, now = state
    pipeline = ROW_COUNT.pipeline_ids[0]
    (task,) = store.queue_evaluations(ROW_COUNT, [pipeline], 0, 1000, overwrite=False, duration=5)
    assert store.task(task.id).outcome is None
    store.stream(pipeline, {}, [{"a": 1}], max_rows=10)  # arrives at 100 while the task is queued
    now[0] = 105.0
    assert store.task(task.id).outcome.status is ResultStatus.PASSING
    store.stream(pipeline, {}, [{"a": 2}], max_rows=10)
    assert store.task(task.id).outcome.value == 1.0  # decided at 105, not re-measured
    assert [t.id for t in store.latest_results(pipeline)] == [task.id]


def test_a_test_on_an_unknown_pipeline_is_refused() -> None:
    store = OpenlayerStore(lambda: 0.0, lambda: "x")
    stray = OpenlayerTest("t", "stray", ("nowhere",))
    with pytest.raises(ValueError, match="unknown pipelines"):
        store.seed(OPENLAYER_PROJECT, [InferencePipeline("p", "p", "")], [stray])
