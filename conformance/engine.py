"""The schemathesis side of a run: its configuration (built as the dictionary a
`schemathesis.toml` would hold, so every key is validated by schemathesis itself) and the loaded
schema, restricted to the planned operations, with our auth provider, generation hooks and checks.
"""

from __future__ import annotations

import copy
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES

from conformance.auth import Bearers, install_auth
from conformance.checks.registration import register
from conformance.generation import install_generation_hooks
from conformance.plan import UNIT_PHASES, enabled_checks
from conformance.safety import deselected, probe_methods, verify_selection
from conformance.selection import OperationPlan
from conformance.settings import ConformanceSettings
from gateway.contract import Contract

#: An operation whose requests have rules a JSON Schema cannot state (an assay definition that
#: names no data, a time range that ends before it starts) carries `x-mlops-semantic-400` in the
#: spec, saying which; for it, a 400 to a schema-valid request is a documented answer, not a failure.
SEMANTIC_400 = "x-mlops-semantic-400"

#: Stateful scenarios per --max-examples: a scenario is a chain of calls that has to get past a
#: create before it tests anything, so it needs more tries than one operation does.
STATEFUL_FACTOR = 20


def _semantic_400_operations(contract: Contract) -> list[dict[str, Any]]:
    accepting = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]
    return [
        {
            "include-operation-id": op_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": accepting}},
        }
        for op_id, op in contract.operations.items()
        if op.spec.get(SEMANTIC_400)
    ]


def with_run_limits(config: dict[str, Any], settings: ConformanceSettings) -> dict[str, Any]:
    """`config` with what every schemathesis run of ours shares: the seed and the rate limit, when given."""
    limits = settings.limits
    if limits.seed is not None:
        config["seed"] = limits.seed
    if limits.rate_limit:
        config["rate-limit"] = limits.rate_limit
    return config


def config_dict(settings: ConformanceSettings, contract: Contract, plan: OperationPlan) -> dict[str, Any]:
    """The run's schemathesis configuration, in `schemathesis.toml` shape; the operations outside
    `plan` turned off (`conformance.safety`)."""
    limits = settings.limits
    check_config: dict[str, Any] = {"enabled": False}
    for check in enabled_checks(settings):
        if check.name != "max_response_time":
            check_config[check.name] = {"enabled": True}
    check_config["max_response_time"] = limits.max_response_time
    config: dict[str, Any] = {
        "base-url": settings.base_url,
        "workers": limits.workers,
        "request-timeout": limits.request_timeout,
        "generation": {"max-examples": limits.max_examples, "database": "none", "no-shrink": True},
        "checks": check_config,
        "phases": {
            **{name: {"enabled": True} for name in UNIT_PHASES},
            "coverage": {"enabled": True, "unexpected-methods": probe_methods(settings.filters.allow_writes)},
            "stateful": {
                "enabled": limits.stateful,
                "max-steps": limits.stateful_steps,
                "generation": {"max-examples": limits.max_examples * STATEFUL_FACTOR},
                # Follow the spec's links only: they are the documented flows.
                "inference": {"algorithms": []},
            },
        },
        "cache": {"enabled": False},
        "operations": [*_semantic_400_operations(contract), *deselected(plan)],
    }
    return with_run_limits(config, settings)


def build_schema(
    settings: ConformanceSettings, contract: Contract, plan: OperationPlan, bearers: Bearers
) -> Any:
    """The spec as a schemathesis schema, ready for `schemathesis.engine.from_schema`."""
    register()
    config = SchemathesisConfig.from_dict(config_dict(settings, contract, plan))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(contract.document)), config=config)
    verify_selection(schema, plan)
    schemes = {op.label: contract.operations[op.operation_id].security for op in plan.selected}
    install_auth(schema, bearers, schemes)
    install_generation_hooks(schema, contract)
    return schema
