"""What the sandbox's Openlayer stand-in keeps: its workspace, project, inference pipelines and
tests (seeded), the rows streamed to each pipeline, and the evaluation tasks with their outcome.

Times are seconds since the Unix epoch on the sandbox clock, as Openlayer's own timestamps are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ResultStatus(StrEnum):
    """A test result's status, as the SDK's TestListResultsResponse knows them."""

    RUNNING = "running"
    PASSING = "passing"
    FAILING = "failing"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class OpenlayerProject:
    """The workspace and project every seeded inference pipeline belongs to."""

    id: str
    name: str
    task_type: str
    workspace_id: str
    workspace_name: str
    workspace_slug: str


@dataclass(frozen=True, slots=True)
class InferencePipeline:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class OpenlayerTest:
    """A test and the pipelines it applies to; it passes when `measurement` over the rows of the
    evaluation window compares to `threshold` by `operator` (one of < <= > >=)."""

    id: str
    name: str
    pipeline_ids: tuple[str, ...]
    number: int = 1
    type: str = "performance"
    subtype: str = "metricThreshold"
    measurement: str = "meanAbsoluteError"
    operator: str = "<"
    threshold: float = 0.1


@dataclass(slots=True)
class StreamedRow:
    """One inference row: its id, its time, when it arrived, its columns and the column roles
    (the data stream's config, merged with later row updates' configs)."""

    inference_id: str
    timestamp: float
    received: float
    values: dict[str, Any]
    config: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of one evaluation: status, measured value (None: nothing to measure), rows in
    the window, a human message, and when it was decided."""

    status: ResultStatus
    value: float | None
    row_count: int
    message: str
    evaluated_at: float


@dataclass(slots=True)
class EvaluationTask:
    """A queued evaluation of a test on one pipeline over [start, end] (seconds); it completes at
    `completes_at` on the sandbox clock. `listed` turns False when a later evaluation of the same
    window overwrote its result."""

    id: str
    test_id: str
    pipeline_id: str
    start: int
    end: int
    overwrite: bool
    queued_at: float
    completes_at: float
    outcome: Evaluation | None = None
    listed: bool = field(default=True)
