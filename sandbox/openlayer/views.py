"""The Openlayer stand-in's entities as JSON, in the shapes of the SDK's models: tests, test
results, background tasks, inference pipelines (with their project and workspace expanded)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.core.openlayer_records import (
    EvaluationTask,
    InferencePipeline,
    OpenlayerProject,
    OpenlayerTest,
    ResultStatus,
)
from sandbox.core.openlayer_store import OpenlayerStore

APP = "https://app.openlayer.com"
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()  # evaluate takes any int64


def iso(seconds: float) -> str:
    """An RFC 3339 UTC time with milliseconds, as Openlayer writes them; times past the last one
    a datetime holds (a data window may end in year 10^11) are written as that one."""
    moment = datetime.fromtimestamp(min(max(seconds, 0), LATEST), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_json(test: OpenlayerTest, created: float) -> dict[str, Any]:
    return {
        "id": test.id,
        "name": test.name,
        "number": test.number,
        "type": test.type,
        "subtype": test.subtype,
        "description": None,
        "commentCount": 0,
        "creatorId": None,
        "dateArchived": None,
        "dateCreated": iso(created),
        "dateUpdated": iso(created),
        "originProjectVersionId": None,
        "suggested": False,
        "archived": False,
        "usesProductionData": True,
        "thresholds": [
            {
                "insightName": "metrics" if test.type == "performance" else None,
                "insightParameters": None,
                "measurement": test.measurement,
                "operator": test.operator,
                "thresholdMode": "manual",
                "value": test.threshold,
            }
        ],
    }


def result_json(task: EvaluationTask, test: OpenlayerTest, created: float) -> dict[str, Any]:
    """One evaluation as a test result: `running` until it completes."""
    outcome = task.outcome
    bound = "upperThreshold" if test.operator.startswith("<") else "lowerThreshold"
    return {
        "id": task.id,
        "dateCreated": iso(task.queued_at),
        "dateUpdated": iso(outcome.evaluated_at if outcome else task.queued_at),
        "dateDataStarts": iso(task.start),
        "dateDataEnds": iso(task.end),
        "inferencePipelineId": task.pipeline_id,
        "projectVersionId": None,
        "status": outcome.status if outcome else ResultStatus.RUNNING,
        "statusMessage": outcome.message if outcome else "evaluation queued",
        "expectedValues": [{"measurement": test.measurement, bound: test.threshold}],
        "goal": test_json(test, created),
        "goalId": test.id,
        "rows": None,
        "rowsBody": None,
    }


def task_json(task: EvaluationTask) -> dict[str, Any]:
    """An evaluation as a background task: incomplete, then complete with its outcome."""
    outcome = task.outcome
    outputs = None
    if outcome is not None:
        outputs = {
            "status": outcome.status,
            "value": outcome.value,
            "rowCount": outcome.row_count,
            "message": outcome.message,
        }
    return {
        "id": task.id,
        "name": f"evaluate test {task.test_id} on inference pipeline {task.pipeline_id}",
        "complete": outcome is not None,
        "progress": 100 if outcome else 0,
        "error": None,
        "outputs": outputs,
        "dateCreated": iso(task.queued_at),
        "dateUpdated": iso(outcome.evaluated_at if outcome else task.queued_at),
    }


def project_json(project: OpenlayerProject, state: OpenlayerStore) -> dict[str, Any]:
    created = iso(state.created_at)
    return {
        "id": project.id,
        "name": project.name,
        "taskType": project.task_type,
        "creatorId": None,
        "workspaceId": project.workspace_id,
        "dateCreated": created,
        "dateUpdated": created,
        "description": None,
        "source": "api",
        "developmentGoalCount": 0,
        "monitoringGoalCount": len(state.tests),
        "goalCount": len(state.tests),
        "inferencePipelineCount": len(state.pipelines),
        "versionCount": 0,
        "links": {"app": f"{APP}/{project.workspace_slug}/{project.id}"},
    }


def workspace_json(project: OpenlayerProject, state: OpenlayerStore) -> dict[str, Any]:
    created = iso(state.created_at)
    return {
        "id": project.workspace_id,
        "name": project.workspace_name,
        "slug": project.workspace_slug,
        "status": "active",
        "creatorId": None,
        "dateCreated": created,
        "dateUpdated": created,
        "inviteCount": 0,
        "memberCount": 1,
        "projectCount": 1,
    }


def pipeline_json(pipeline: InferencePipeline, state: OpenlayerStore, expand: set[str]) -> dict[str, Any]:
    """A pipeline with its test counts (from each test's newest result), evaluation status
    (`queued` while an evaluation is pending), last sample and evaluation times, record count."""
    project = state.project
    assert project is not None, "the Openlayer store was not seeded"
    latest = state.latest_results(pipeline.id)
    done = [t.outcome for t in state.results(pipeline_id=pipeline.id) if t.outcome is not None]
    pending = any(t.outcome is None for t in latest)
    rows = state.rows[pipeline.id]
    last_sample = max((r.received for r in rows.values()), default=None)
    last_evaluated = max((o.evaluated_at for o in done), default=None)
    statuses = [t.outcome.status for t in latest if t.outcome is not None]
    answer: dict[str, Any] = {
        "id": pipeline.id,
        "name": pipeline.name,
        "description": pipeline.description,
        "projectId": project.id,
        "workspaceId": project.workspace_id,
        "dateCreated": iso(state.created_at),
        "dateUpdated": iso(max(state.created_at, last_sample or 0, last_evaluated or 0)),
        "dateLastSampleReceived": iso(last_sample) if last_sample is not None else None,
        "dateLastEvaluated": iso(last_evaluated) if last_evaluated is not None else None,
        "dateOfNextEvaluation": None,
        "status": "queued" if pending else ("completed" if done else "unknown"),
        "statusMessage": None,
        "totalGoalCount": len(state.tests_of(pipeline.id)),
        "passingGoalCount": statuses.count(ResultStatus.PASSING),
        "failingGoalCount": statuses.count(ResultStatus.FAILING),
        "totalRecordsCount": len(rows),
        "dataBackend": {"backendType": "default"},
        "links": {"app": f"{APP}/{project.workspace_slug}/{project.id}/inference-pipeline/{pipeline.id}"},
    }
    if "project" in expand:
        answer["project"] = project_json(project, state)
    if "workspace" in expand:
        answer["workspace"] = workspace_json(project, state)
    return answer
