"""The engine's schema holds exactly the planned operations (schemathesis's include filters would
not have: they OR with our per-operation config), a schema that holds more is refused, and a
read-only run probes only safe undeclared methods."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.engine import config_dict
from conformance.errors import UsageProblem
from conformance.plan import plan_run
from conformance.safety import SAFE_PROBE_METHODS, probe_methods, verify_selection
from conformance.selection import OperationPlan
from conformance.settings import ConformanceSettings, Credentials
from gateway.contract import Contract


def loaded(contract: Contract, settings: ConformanceSettings, plan: OperationPlan) -> Any:
    config = SchemathesisConfig.from_dict(config_dict(settings, contract, plan))
    return schemathesis.openapi.from_dict(copy.deepcopy(dict(contract.document)), config=config)


def test_the_schema_holds_only_the_planned_operations(contract: Contract) -> None:
    settings = ConformanceSettings("http://127.0.0.1:1", Credentials(token="t", api_key="k"))
    plan = plan_run(settings, contract).operations
    assert plan.skipped, "the read-only default skips the write operations"
    schema = loaded(contract, settings, plan)
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {op.label for op in plan.selected}
    verify_selection(schema, plan)


def test_a_schema_holding_a_skipped_operation_is_refused(contract: Contract) -> None:
    settings = ConformanceSettings("http://127.0.0.1:1", Credentials(token="t", api_key="k"))
    plan = plan_run(settings, contract).operations
    everything = loaded(contract, settings, OperationPlan((), ()))
    with pytest.raises(UsageProblem, match="would also call skipped POST /v1/api/"):
        verify_selection(everything, plan)


def test_read_only_runs_probe_only_safe_methods() -> None:
    assert set(probe_methods(allow_writes=False)) == set(SAFE_PROBE_METHODS)
    assert {"post", "put", "patch", "delete"} <= set(probe_methods(allow_writes=True))
