"""The GraphQL phase's parts, without a server: which root fields a run calls, the custom scalars
generated from the spec, generated queries within the gateway's limits, refusals, and how the
reports name each root field."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import jsonschema_rs
import orjson
import pytest
from graphql import GraphQLScalarType, parse_value, print_ast, specified_scalar_types, value_from_ast_untyped
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.auth import API_KEY_SCHEME, TOKEN_SCHEME, Bearers
from conformance.graphql.plan import plan_graphql
from conformance.graphql.scalars import SCALARS_EXTENSION, scalar_strategies
from conformance.graphql.schema import REFUSALS_EXTENSION, build_graphql_schema, refused
from conformance.reports.junit import render_junit
from conformance.reports.markdown import render_markdown
from conformance.reports.terminal import render_summary
from conformance.results import Finding, RunResult
from conformance.selection import OperationPlan, PlannedOperation, plan_operations
from conformance.settings import ConformanceSettings, Filters, Limits
from gateway.config import LimitsConfig
from gateway.contract import Contract, GraphQLChecker, GraphQLLimits

BOTH = (TOKEN_SCHEME, API_KEY_SCHEME)


def test_mutations_only_with_writes_and_nothing_without_the_operation(contract: Contract) -> None:
    read_only = plan_graphql(contract, plan_operations(contract, Filters(), BOTH), allow_writes=False)
    assert read_only is not None and set(read_only.fields) == {"query"}
    assert read_only.labels()["query_root.workspace"] == "graphql Query.workspace"
    writes = plan_graphql(contract, plan_operations(contract, Filters(allow_writes=True), BOTH), True)
    assert writes is not None and set(writes.fields) == {"query", "mutation"} and not writes.skipped_mutations
    assert read_only.skipped_mutations == len(writes.fields["mutation"]) == 66
    assert writes.field_count == 116
    assert writes.labels()["mutation_root.insert_workspace_one"] == "graphql Mutation.insert_workspace_one"
    for filters in (Filters(exclude_operations=("^graphql$",)), Filters(include_tags=("users",))):
        assert plan_graphql(contract, plan_operations(contract, filters, BOTH), True) is None


def test_every_custom_scalar_is_declared_and_generated_as_declared(contract: Contract) -> None:
    operation = contract.operations["graphql"]
    assert operation.graphql is not None
    declared = operation.spec[SCALARS_EXTENSION]
    custom = {
        name
        for name, type_ in operation.graphql.schema.type_map.items()
        if isinstance(type_, GraphQLScalarType) and name not in specified_scalar_types
    }
    assert custom == set(declared)
    strategies = scalar_strategies(declared)
    validators = {
        name: jsonschema_rs.validator_for(schema, validate_formats=True) for name, schema in declared.items()
    }

    @given(
        st.sampled_from(sorted(strategies)).flatmap(lambda name: st.tuples(st.just(name), strategies[name]))
    )
    @settings(max_examples=100, deadline=None, database=None)
    def fits(drawn: tuple[str, Any]) -> None:
        name, node = drawn
        value = value_from_ast_untyped(parse_value(print_ast(node)))  # printed, it is a literal again
        assert validators[name].is_valid(value), (name, value)

    fits()


def test_generated_queries_fit_the_gateway_limits(contract: Contract) -> None:
    """Every generated case is a query the gateway would forward (depth, root fields, validity)."""
    settings_ = ConformanceSettings("http://127.0.0.1:9", limits=Limits(max_examples=4, seed=1))
    plan = plan_graphql(contract, plan_operations(contract, Filters(allow_writes=True), BOTH), True)
    assert plan is not None
    schema = build_graphql_schema(settings_, contract, plan, Bearers({}))
    graphql = contract.operations["graphql"].graphql
    assert graphql is not None
    limits = LimitsConfig()
    checker = GraphQLChecker(GraphQLLimits(limits.graphql_max_depth, limits.graphql_max_root_fields))
    fields = (
        ("query_root", "pipeline"),
        ("query_root", "search_pipelines"),
        ("mutation_root", "insert_workspace_one"),
    )
    cases = st.one_of([schema[root][name].as_strategy() for root, name in fields])

    @given(cases)
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def forwarded(case: Any) -> None:
        query, problems = checker.check(graphql, {"query": case.body})
        assert query is not None and not problems, (case.body, problems)

    forwarded()


class _Answer:
    def __init__(self, payload: Any) -> None:
        self.content = orjson.dumps(payload)
        self.encoding = "utf-8"

    def json(self) -> Any:
        return orjson.loads(self.content)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ([{"message": "x is not supported", "extensions": {"code": "not-supported"}}], True),
        ([{"message": "a", "extensions": {"code": "not-supported"}}, {"message": "boom"}], False),
        ([{"message": "boom", "path": ["workspace"]}], False),
        ([], False),
    ],
)
def test_only_declared_refusals_are_not_server_errors(
    contract: Contract, errors: list[Any], expected: bool
) -> None:
    codes = frozenset(contract.operations["graphql"].spec[REFUSALS_EXTENSION])
    assert "not-supported" in codes
    assert refused(_Answer({"data": None, "errors": errors}), codes) is expected


def test_reports_name_each_graphql_root_field() -> None:
    plan = OperationPlan((PlannedOperation("graphql", "POST", "/v1/graphql", ("platform",), False),), ())
    finding = Finding(
        "graphql Query.workspace", "graphql_data_conformance", "GraphQL data does not fit the schema", "high",
        "/data/workspace/0/name: expected GraphQL type String, found 7", "curl", "fuzzing", "MG304", "k",
    )  # fmt: skip
    result = RunResult(plan, ("fuzzing",), ("graphql_data_conformance",), findings=[finding])
    result.requests = {"graphql": 3, "graphql Query.workspace": 2, "graphql Query.model": 2}
    result.successes = dict(result.requests)
    assert result.graphql_fields() == ["graphql Query.model", "graphql Query.workspace"]
    assert result.exit_status == 1
    cases = ElementTree.fromstring(render_junit(result)).findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("platform", "graphql"), ("graphql", "graphql Query.model"), ("graphql", "graphql Query.workspace"),
    ]  # fmt: skip
    assert cases[2].find("failure").get("type") == "graphql_data_conformance"  # type: ignore[union-attr]
    markdown = render_markdown(result, ConformanceSettings("http://h"))
    assert "| `graphql Query.workspace` | 2 | 2 | FAIL | `graphql_data_conformance` |" in markdown
    summary = render_summary(result, ConformanceSettings("http://h"))
    assert "FAIL  graphql: 2 root fields,     4 requests,    4 2xx, 1 broken" in summary
