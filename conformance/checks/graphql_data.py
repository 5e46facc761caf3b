"""`graphql_data_conformance`: a GraphQL answer's `data` fits the SDL types of the query sent.

schemathesis judges a GraphQL answer by its `errors` only; this check walks the `data` along the
query's selection with the gateway's own answer checker (`gateway.contract.graphql_response`), so
the suite and the gateway agree on what a conforming answer is. It judges GraphQL cases only (the
OpenAPI operations have `response_schema_conformance`), and only queries the gateway itself would
accept: its default limits (`LimitsConfig`) bound what is checked.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import GraphQLSchema as CoreSchema
from schemathesis.specs.graphql.schemas import GraphQLSchema

from conformance.checks.exchange import UNRESOLVED, json_of
from conformance.checks.failures import GraphQLDataMismatch
from gateway.config import LimitsConfig
from gateway.contract import GraphQLChecker, GraphQLContract, GraphQLLimits, data_violations
from gateway.contract.graphql_schema import graphql_contract

MAX_SHOWN = 5  # violations a finding's message lists


@cache
def _checker() -> GraphQLChecker:
    limits = LimitsConfig()
    return GraphQLChecker(GraphQLLimits(limits.graphql_max_depth, limits.graphql_max_root_fields))


@cache
def _contract(schema: CoreSchema) -> GraphQLContract:
    """The schema in the shape the gateway's checker takes."""
    return graphql_contract("conformance", schema)


def graphql_data_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    schema = case.operation.schema
    if not isinstance(schema, GraphQLSchema) or not isinstance(case.body, str):
        return None
    query, problems = _checker().check(_contract(schema.client_schema), {"query": case.body})
    answer = json_of(response)
    if query is None or problems or answer is UNRESOLVED:
        return None
    violations = data_violations(query, answer)
    if not violations:
        return None
    shown = [f"{v.pointer}: {v.message}" for v in violations[:MAX_SHOWN]]
    if len(violations) > MAX_SHOWN:
        shown.append(f"... and {len(violations) - MAX_SHOWN} more")
    raise GraphQLDataMismatch(
        operation=case.operation.label,
        pointers=",".join(sorted({v.folded or v.pointer for v in violations})),
        message="\n".join(shown),
    )
