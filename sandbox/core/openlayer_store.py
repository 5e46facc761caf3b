"""The Openlayer stand-in's state: seeded tests and inference pipelines, the rows streamed to each
pipeline (bounded, oldest dropped first), and evaluation tasks that complete on the sandbox clock.

An evaluation is decided lazily: the first read after its completion time measures the rows its
window holds at that moment (`sandbox.core.openlayer_evaluation`) and keeps the outcome. Like the
main store it knows nothing about HTTP: unknown ids raise `UnknownEntity`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sandbox.core.lookups import lookup
from sandbox.core.openlayer_evaluation import evaluate, is_number
from sandbox.core.openlayer_records import (
    EvaluationTask,
    InferencePipeline,
    OpenlayerProject,
    OpenlayerTest,
    StreamedRow,
)


class OpenlayerStore:
    def __init__(self, clock: Callable[[], float], new_uuid: Callable[[], str]) -> None:
        self.clock = clock
        self._new_uuid = new_uuid
        self.created_at = clock()
        self.project: OpenlayerProject | None = None
        self.tests: dict[str, OpenlayerTest] = {}
        self.pipelines: dict[str, InferencePipeline] = {}
        self.rows: dict[str, OrderedDict[str, StreamedRow]] = {}
        self.tasks: dict[str, EvaluationTask] = {}

    # ------------------------------------------------------------------ seeded entities

    def seed(
        self,
        project: OpenlayerProject,
        pipelines: Iterable[InferencePipeline],
        tests: Iterable[OpenlayerTest],
    ) -> None:
        self.project = project
        for pipeline in pipelines:
            self.pipelines[pipeline.id] = pipeline
            self.rows[pipeline.id] = OrderedDict()
        for test in tests:
            unknown = set(test.pipeline_ids) - set(self.pipelines)
            if unknown:
                raise ValueError(f"test {test.id} applies to unknown pipelines {sorted(unknown)}")
            self.tests[test.id] = test

    def test(self, test_id: str) -> OpenlayerTest:
        return lookup(self.tests, "test", test_id.lower())

    def pipeline(self, pipeline_id: str) -> InferencePipeline:
        return lookup(self.pipelines, "inference pipeline", pipeline_id.lower())

    def tests_of(self, pipeline_id: str) -> list[OpenlayerTest]:
        """The tests that apply to a pipeline."""
        return [t for t in self.tests.values() if pipeline_id in t.pipeline_ids]

    # ------------------------------------------------------------------ rows

    def stream(
        self, pipeline_id: str, config: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], max_rows: int
    ) -> int:
        """Store rows (an inference id from the config's column, else a new uuid; a row with an
        id already stored replaces it); keeps the newest `max_rows`. Answers how many it took."""
        table = self.rows[self.pipeline(pipeline_id).id]
        now = self.clock()
        id_column = config.get("inferenceIdColumnName")
        time_column = config.get("timestampColumnName")
        taken = 0
        for values in rows:
            raw_id = values.get(id_column) if isinstance(id_column, str) else None
            inference_id = str(raw_id) if raw_id is not None else self._new_uuid()
            stamp = values.get(time_column) if isinstance(time_column, str) else None
            timestamp = float(stamp) if is_number(stamp) else now
            table.pop(inference_id, None)
            table[inference_id] = StreamedRow(inference_id, timestamp, now, dict(values), dict(config))
            taken += 1
        while len(table) > max_rows:
            table.popitem(last=False)
        return taken

    def update_row(
        self, pipeline_id: str, inference_id: str, values: Mapping[str, Any], config: Mapping[str, Any]
    ) -> StreamedRow:
        """Set columns of a stored row and merge the column roles `config` names (nulls ignored)."""
        table = self.rows[self.pipeline(pipeline_id).id]
        row = lookup(table, "row with inference id", inference_id)
        row.values.update(values)
        row.config.update((role, column) for role, column in config.items() if column is not None)
        return row

    # ------------------------------------------------------------------ evaluations

    def queue_evaluations(
        self,
        test: OpenlayerTest,
        pipeline_ids: Iterable[str],
        start: int,
        end: int,
        overwrite: bool,
        duration: float,
    ) -> list[EvaluationTask]:
        """One task per pipeline, completing `duration` seconds from now; with `overwrite`, the
        earlier results of the same test, pipeline and window stop being listed."""
        now = self.clock()
        tasks = [
            EvaluationTask(self._new_uuid(), test.id, p, start, end, overwrite, now, now + duration)
            for p in pipeline_ids
        ]
        if overwrite:
            keys = {(test.id, t.pipeline_id, start, end) for t in tasks}
            for earlier in self.tasks.values():
                if (earlier.test_id, earlier.pipeline_id, earlier.start, earlier.end) in keys:
                    earlier.listed = False
        self.tasks.update((task.id, task) for task in tasks)
        return tasks

    def task(self, task_id: str) -> EvaluationTask:
        return self._settled(lookup(self.tasks, "background task", task_id))

    def results(self, *, test_id: str | None = None, pipeline_id: str | None = None) -> list[EvaluationTask]:
        """The listed evaluations of a test and/or a pipeline, settled, newest first."""
        chosen = [
            t
            for t in self.tasks.values()
            if t.listed and test_id in (None, t.test_id) and pipeline_id in (None, t.pipeline_id)
        ]
        return [self._settled(t) for t in reversed(chosen)]

    def latest_results(self, pipeline_id: str) -> list[EvaluationTask]:
        """The newest listed evaluation of each test on a pipeline."""
        newest: dict[str, EvaluationTask] = {}
        for task in self.results(pipeline_id=pipeline_id):
            newest.setdefault(task.test_id, task)
        return list(newest.values())

    def _settled(self, task: EvaluationTask) -> EvaluationTask:
        now = self.clock()
        if task.outcome is None and now >= task.completes_at:
            rows = self.rows[task.pipeline_id].values()
            task.outcome = evaluate(self.tests[task.test_id], rows, task.start, task.end, now)
        return task
