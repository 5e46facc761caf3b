"""`--report-json` and `--baseline`: a report written by one run is read back as the next run's
baseline; findings are matched by key into new, fixed, unchanged and not retested; the exit status
follows only the new ones (and errors); a file that is not a report of this version is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from conformance.baseline import compare, load_baseline
from conformance.errors import UsageProblem
from conformance.reports.comparison import render_comparison, render_comparison_markdown
from conformance.reports.json_report import REPORT_FORMAT, REPORT_VERSION, render_json
from conformance.results import EXIT_FAILURES, EXIT_OK, EXIT_USAGE, Finding, RunError, RunResult
from conformance.selection import OperationPlan, PlannedOperation, SkippedOperation
from conformance.settings import ConformanceSettings, Credentials

PLAN = OperationPlan(
    (
        PlannedOperation("workspaces_list", "POST", "/v1/api/workspaces/list", ("workspaces",), False),
        PlannedOperation("models_get", "POST", "/v1/api/models/get", ("models",), False),
    ),
    (SkippedOperation("workspaces_create", "writes upstream (x-mlops-writes); needs --allow-writes"),),
)
TOKEN = "tok-very-secret"
SETTINGS = ConformanceSettings("http://h", Credentials(token=TOKEN))


def finding(operation: str, check: str, detail: str) -> Finding:
    return Finding(
        operation=operation,
        check=check,
        title=f"{check} broke",
        severity="medium",
        message=f"seen with Authorization: Bearer {TOKEN}",
        curl=f"curl -H 'Authorization: Bearer {TOKEN}' http://h",
        phase="fuzzing",
        code="ST000",
        key=f"{operation}|{check}|Kind|{detail}",
    )


LIST_500 = finding("workspaces_list", "not_a_server_error", "500")
LIST_418 = finding("workspaces_list", "status_code_conformance", "418")
MODELS_SCHEMA = finding("models_get", "response_schema_conformance", "properties/id/type")
CREATE_LISTED = finding("workspaces_create", "created_appears_in_list", "workspaces_list")


def result(*findings: Finding, errors: tuple[RunError, ...] = ()) -> RunResult:
    found = RunResult(PLAN, ("fuzzing",), ("not_a_server_error",), list(findings), list(errors), seed=3)
    found.requests, found.successes = {"workspaces_list": 5, "models_get": 2}, {"models_get": 2}
    return found


def saved(tmp_path: Path, run: RunResult, name: str = "before.json") -> Path:
    path = tmp_path / name
    path.write_bytes(render_json(run, SETTINGS, run.exit_status))
    return path


def test_the_report_holds_the_run_masked(tmp_path: Path) -> None:
    path = saved(tmp_path, result(LIST_500))
    raw = path.read_text()
    assert TOKEN not in raw and "***" in raw
    document = orjson.loads(raw)
    assert (document["format"], document["version"]) == (REPORT_FORMAT, REPORT_VERSION)
    assert document["seed"] == 3 and document["exit_status"] == EXIT_FAILURES
    assert document["operations"]["workspaces_list"] == {"requests": 5, "successes": 0, "findings": 1}
    assert [op["operation_id"] for op in document["plan"]["selected"]] == ["workspaces_list", "models_get"]
    assert document["plan"]["skipped"][0]["operation_id"] == "workspaces_create"
    assert document["findings"][0]["key"] == LIST_500.key and "seconds" in document


def test_findings_are_new_fixed_unchanged_or_not_retested(tmp_path: Path) -> None:
    baseline = load_baseline(saved(tmp_path, result(LIST_500, LIST_418, CREATE_LISTED)))
    assert baseline.seed == 3
    # The same check failing again, however it is worded this time, is the same finding.
    reworded = dataclasses.replace(LIST_500, message="other words", count=9)
    comparison = compare(baseline, result(reworded, MODELS_SCHEMA))
    assert [f.key for f in comparison.new] == [MODELS_SCHEMA.key]
    assert [f.key for f in comparison.fixed] == [LIST_418.key]
    assert [f.key for f in comparison.unchanged] == [LIST_500.key]
    assert [f.key for f in comparison.not_retested] == [CREATE_LISTED.key]  # skipped this time
    assert comparison.exit_status(result(reworded, MODELS_SCHEMA)) == EXIT_FAILURES
    text = render_comparison(comparison, EXIT_FAILURES)
    assert "  new          models_get" in text and "  fixed        workspaces_list" in text
    assert "1 new, 1 fixed, 1 unchanged, 1 not retested; new failures (exit 1)" in text
    assert "| new | `models_get` | `response_schema_conformance` |" in render_comparison_markdown(
        comparison, EXIT_FAILURES
    )


def test_only_new_failures_or_errors_fail_the_run(tmp_path: Path) -> None:
    baseline = load_baseline(saved(tmp_path, result(LIST_500, LIST_418)))
    unchanged = result(LIST_500)
    assert compare(baseline, unchanged).exit_status(unchanged) == EXIT_OK
    errored = result(LIST_500, errors=(RunError("models_get", "Network error", "timed out"),))
    assert compare(baseline, errored).exit_status(errored) == EXIT_FAILURES
    unreachable = result(errors=(RunError(None, "Network error", "refused", connection=True),))
    assert compare(baseline, unreachable).exit_status(unreachable) == EXIT_USAGE


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not JSON"),
        (b"[]", "not a --report-json report"),
        (orjson.dumps({"format": "junit", "version": REPORT_VERSION}), "not a --report-json report"),
        (orjson.dumps({"format": REPORT_FORMAT, "version": 0, "findings": []}), "report version 0"),
        (orjson.dumps({"format": REPORT_FORMAT, "version": REPORT_VERSION}), "malformed report"),
        (
            orjson.dumps({"format": REPORT_FORMAT, "version": REPORT_VERSION, "findings": [{"key": "k"}]}),
            "lacks its key, operation, check or title",
        ),
    ],
)
def test_a_bad_baseline_is_a_usage_problem(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(content)
    with pytest.raises(UsageProblem, match=says):
        load_baseline(path)


def test_a_missing_baseline_is_a_usage_problem(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match="cannot read it"):
        load_baseline(tmp_path / "absent.json")
