"""The reports read a `RunResult` and nothing else: terminal summary grouped by operation and
check, JUnit XML (one test case per operation), markdown (table, then failures with curl)."""

from __future__ import annotations

from xml.etree import ElementTree

from conformance.reports.junit import render_junit
from conformance.reports.markdown import render_markdown
from conformance.reports.terminal import render_summary
from conformance.results import EXIT_FAILURES, EXIT_OK, EXIT_USAGE, Finding, RunError, RunResult
from conformance.selection import OperationPlan, PlannedOperation, SkippedOperation
from conformance.settings import ConformanceSettings

PLAN = OperationPlan(
    (
        PlannedOperation("workspaces_list", "POST", "/v1/api/workspaces/list", ("workspaces",), False),
        PlannedOperation("models_get", "POST", "/v1/api/models/get", ("models",), False),
    ),
    (SkippedOperation("workspaces_create", "writes upstream (x-mlops-writes); needs --allow-writes"),),
)
FINDING = Finding(
    operation="workspaces_list",
    check="status_code_conformance",
    title="Undocumented status code",
    severity="medium",
    message="Received: 418\nDocumented: 200, 400",
    curl="curl -X POST -H 'Authorization: ***' -d '{}' http://h/v1/api/workspaces/list",
    phase="fuzzing",
    code="ST103",
    key="k",
    count=3,
)
SETTINGS = ConformanceSettings("http://h")


def result(**changes: object) -> RunResult:
    found = RunResult(PLAN, ("examples", "fuzzing"), ("status_code_conformance",), seed=7)
    found.requests, found.successes = {"workspaces_list": 10, "models_get": 4}, {"workspaces_list": 6}
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def test_exit_status() -> None:
    assert result().exit_status == EXIT_OK
    assert result(findings=[FINDING]).exit_status == EXIT_FAILURES
    assert result(errors=[RunError("models_get", "Network Error", "reset")]).exit_status == EXIT_FAILURES
    unreachable = RunError(None, "Network Error", "refused", connection=True)
    assert result(errors=[unreachable]).exit_status == EXIT_USAGE


def test_terminal_summary_groups_by_operation_and_check() -> None:
    text = render_summary(result(findings=[FINDING]), SETTINGS)
    assert "FAIL  workspaces_list" in text and "status_code_conformance" in text
    heading = "-- status_code_conformance: Undocumented status code [medium, seen 3x, fuzzing]"
    assert f"== workspaces_list\n  {heading}" in text
    assert "reproduce:\n       curl -X POST" in text
    assert "never answered 2xx, so their success answers went unchecked: models_get" in text
    assert "; reach 1/2 (50%)" in text.splitlines()[1]
    assert "writes upstream (x-mlops-writes); needs --allow-writes: workspaces_create" in text
    assert text.endswith("(exit 1)")


def test_reach_counts_operations_with_a_checked_success_answer() -> None:
    assert result().reach == (1, 2)
    assert result(successes={"workspaces_list": 1, "models_get": 2}).reach_line() == "reach 2/2 (100%)"
    assert "- reach 1/2 (50%): operations whose success answer was checked / selected" in render_markdown(
        result(), SETTINGS
    )


def test_junit_has_a_case_per_operation() -> None:
    suite = ElementTree.fromstring(render_junit(result(findings=[FINDING])))
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"workspaces_list", "models_get", "workspaces_create"}
    failure = cases["workspaces_list"].find("failure")
    assert failure is not None and failure.get("type") == "status_code_conformance"
    assert "curl -X POST" in (failure.text or "")
    assert cases["models_get"].find("failure") is None
    assert cases["workspaces_create"].find("skipped") is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")


def test_markdown_table_then_failures() -> None:
    text = render_markdown(result(findings=[FINDING]), SETTINGS)
    assert "| `workspaces_list` | 10 | 6 | FAIL | `status_code_conformance` |" in text
    assert "| `models_get` | 4 | 0 | ok |  |" in text
    assert "### `workspaces_list`: `status_code_conformance`" in text
    assert "```sh\ncurl -X POST -H 'Authorization: ***'" in text
