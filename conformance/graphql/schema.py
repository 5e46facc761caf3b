"""The schemathesis side of the GraphQL phase: the contract's SDL loaded as a schemathesis GraphQL
schema, restricted to the planned root fields, sent to the GraphQL operation's URL with the
operation's credentials, and configured like the OpenAPI phases (seed, workers, timeouts, rate
limit) but bounded: positive cases only, fuzzing only, a quarter of `--max-examples` per field.

Its checks: schemathesis's `not_a_server_error` (5xx, or GraphQL errors from resolvers) and
`response_schema_conformance` (the answer is a GraphQL response, no null in a non-null field),
ours `graphql_data_conformance` (the data fits the SDL types of the query), and
`max_response_time`. A GraphQL error whose `extensions.code` the spec lists in
`x-mlops-graphql-refusals` refuses the operation as documented, so an answer made only of those is
no server error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import introspection_from_schema
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.graphql.schemas import GraphQLSchema
from schemathesis.specs.graphql.validation import parse_payload

from conformance.auth import Bearers, install_auth
from conformance.checks.registration import register
from conformance.engine import with_run_limits
from conformance.graphql.plan import GraphQLPlan
from conformance.graphql.scalars import register_scalars
from conformance.settings import ConformanceSettings
from gateway.contract import Contract

REFUSALS_EXTENSION = "x-mlops-graphql-refusals"
#: GraphQL root fields are many (130 in wallaroo.graphql) and each case is one root field, so a
#: field gets this fraction of --max-examples (at least one).
EXAMPLES_DIVISOR = 4
GRAPHQL_CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "graphql_data_conformance",
)


def refused(response: Any, codes: frozenset[str]) -> bool:
    """Whether the answer's GraphQL errors all carry one of the refusal `codes`."""
    try:
        payload = parse_payload(response)
    except ValueError:
        return False
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not errors or not isinstance(errors, list):
        return False
    return all(
        isinstance(error, dict)
        and isinstance(error.get("extensions"), dict)
        and error["extensions"].get("code") in codes
        for error in errors
    )


def _schema_class(codes: frozenset[str]) -> type[GraphQLSchema]:
    class ContractGraphQLSchema(GraphQLSchema):
        """schemathesis's GraphQL schema, with the contract's refusals not taken for server errors."""

        def evaluate_server_error(self, case: Any, response: Any) -> None:
            if not refused(response, codes):
                super().evaluate_server_error(case, response)

    return ContractGraphQLSchema


def config_dict(settings: ConformanceSettings, plan: GraphQLPlan) -> dict[str, Any]:
    """The GraphQL phase's schemathesis configuration, in `schemathesis.toml` shape."""
    limits = settings.limits
    checks: dict[str, Any] = {"enabled": False, **{name: {"enabled": True} for name in GRAPHQL_CHECKS}}
    checks["max_response_time"] = limits.max_response_time
    config: dict[str, Any] = {
        "base-url": settings.base_url.rstrip("/") + plan.path,
        "workers": limits.workers,
        "request-timeout": limits.request_timeout,
        "generation": {
            "max-examples": max(1, limits.max_examples // EXAMPLES_DIVISOR),
            "mode": "positive",
            "database": "none",
            "no-shrink": True,
        },
        "checks": checks,
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "cache": {"enabled": False},
    }
    return with_run_limits(config, settings)


def build_graphql_schema(
    settings: ConformanceSettings, contract: Contract, plan: GraphQLPlan, bearers: Bearers
) -> Any:
    """The contract's SDL as a schemathesis schema, ready for `schemathesis.engine.from_schema`."""
    operation = contract.operations[plan.operation_id]
    assert operation.graphql is not None
    register()
    register_scalars(operation.spec)
    codes: Mapping[str, Any] = operation.spec.get(REFUSALS_EXTENSION) or {}
    raw: dict[str, Any] = dict(introspection_from_schema(operation.graphql.schema))
    project = SchemathesisConfig.from_dict(config_dict(settings, plan)).projects.get(raw)
    loaded = _schema_class(frozenset(codes))(raw, config=project)
    loaded.filter_set = project.operations.filter_set_with(include=loaded.filter_set)
    labels = plan.labels()
    schema = loaded.include(name=list(labels))
    install_auth(schema, bearers, dict.fromkeys(labels, operation.security))
    return schema
