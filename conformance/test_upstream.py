"""The conformance suite as pytest tests: one per operation of the spec (see conftest.py)."""

from __future__ import annotations

import pytest

from conformance.results import RunResult


def _report(result: RunResult, operation_id: str) -> str:
    parts = [
        f"{f.check}: {f.title} [{f.severity}, {f.phase}, seen {f.count}x]\n{f.message}\nreproduce:\n{f.curl}"
        for f in result.findings_for(operation_id)
    ]
    parts += [f"error: {e.title}\n{e.message}" for e in result.errors_for(operation_id)]
    return "\n\n".join(parts)


def test_operation_conforms(operation_id: str, conformance_result: RunResult) -> None:
    report = _report(conformance_result, operation_id)
    if report:
        pytest.fail(f"{operation_id} breaks the contract:\n\n{report}", pytrace=False)


def test_run_completed(conformance_result: RunResult) -> None:
    """Errors not tied to one operation (the upstream went away, a phase crashed)."""
    errors = [e for e in conformance_result.errors if e.operation is None]
    assert not errors, "\n".join(f"{e.title}: {e.message}" for e in errors)
