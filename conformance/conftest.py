"""`pytest conformance/ --base-url URL [--token ... | --token-url ... | --via-gateway ...]`: the
conformance suite as a test run for teams' CI, one test per operation.

The options are the command's (`mlops-gateway conformance --help`), minus its report options:
pytest has its own (`--junit-xml`). The suite runs once per session; each operation's test fails
with that operation's findings, each with the curl that reproduces it. Operations the run leaves
out (filters, `--allow-writes`, credentials) are reported as skipped, with the reason.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from conformance.errors import UsageProblem
from conformance.options import OPTIONS, add_options, settings_from
from conformance.plan import RunPlan, load_contract, plan_run
from conformance.results import RunResult
from conformance.settings import ConformanceSettings

PREFIX = "conformance_"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "mlops-gateway conformance (`mlops-gateway conformance --help`)")
    add_options(group.addoption, pytest=True, prefix=PREFIX)


def _settings(config: pytest.Config) -> ConformanceSettings:
    values: dict[str, Any] = {
        option.dest: config.getoption(PREFIX + option.dest) for option in OPTIONS if not option.cli_only
    }
    try:
        return settings_from(values, os.environ)
    except UsageProblem as exc:
        raise pytest.UsageError(str(exc)) from None


def _plan(config: pytest.Config) -> tuple[ConformanceSettings, RunPlan]:
    cached = config.stash.get(_PLAN, None)
    if cached is None:
        settings = _settings(config)
        try:
            cached = settings, plan_run(settings, load_contract(settings))
        except UsageProblem as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[_PLAN] = cached
    return cached


_PLAN = pytest.StashKey[tuple[ConformanceSettings, RunPlan]]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation_id" not in metafunc.fixturenames:
        return
    _, plan = _plan(metafunc.config)
    params = [pytest.param(op.operation_id, id=op.operation_id) for op in plan.operations.selected]
    if plan.graphql is not None:
        params += [pytest.param(name, id=name) for name in plan.graphql.labels().values()]
    params += [
        pytest.param(s.operation_id, id=s.operation_id, marks=pytest.mark.skip(reason=s.reason))
        for s in plan.operations.skipped
    ]
    metafunc.parametrize("operation_id", params)


@pytest.fixture(scope="session")
def conformance_result(pytestconfig: pytest.Config) -> RunResult:
    """The one run of the session (every selected operation, every phase)."""
    from conformance.runner import run_conformance

    settings, _ = _plan(pytestconfig)
    try:
        _, result = run_conformance(settings)
    except UsageProblem as exc:
        pytest.exit(f"mlops-gateway conformance: {exc}", returncode=2)
    assert result is not None
    return result
