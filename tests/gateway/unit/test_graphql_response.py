"""An answer's `data` checked against the types of the query's selection: strict JSON types,
non-null, lists and objects, enums, aliases named by their schema fields, fragments and
`@skip`, abstract types by `__typename`; every mismatch found (no null propagation), value-free,
indices folded for the drift report; `errors` and a null `data` allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from gateway.contract import GraphQLChecker, GraphQLContract, GraphQLLimits, GraphQLQuery, data_violations
from gateway.contract.graphql_schema import load_graphql_schema
from tests.support.graphql import SDL

ABSTRACT = """
interface named { name: String! }
type dog implements named { name: String!, barks: Boolean! }
type cat implements named { name: String!, lives: Int! }
union pet = dog | cat
extend type Query { pets: [pet!]!, named: named }
"""
CHECKER = GraphQLChecker(GraphQLLimits(15, 32))


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> GraphQLContract:
    directory: Path = tmp_path_factory.mktemp("sdl")
    (directory / "s.graphql").write_text(SDL + ABSTRACT)
    return load_graphql_schema(directory, "s.graphql", "#/test")


def _query(schema: GraphQLContract, text: str, variables: dict[str, Any] | None = None) -> GraphQLQuery:
    query, problems = GraphQLChecker(GraphQLLimits(15, 32)).check(
        schema, {"query": text, "variables": variables}
    )
    assert query is not None, problems
    return query


def _found(
    schema: GraphQLContract, text: str, data: Any, **variables: Any
) -> list[tuple[str, str, str, str]]:
    violations = data_violations(_query(schema, text, variables), {"data": data})
    return [(v.pointer, v.folded_pointer, v.kind, v.found) for v in violations]


def test_a_fitting_answer_has_no_violations(schema: GraphQLContract) -> None:
    data = {"w": [{"id": 1, "name": "a", "archived": None, "created_at": {"any": "thing"}, "models": []}]}
    assert _found(schema, "{ w: workspace { id name archived created_at models { id } } }", data) == []


def test_every_mismatch_is_found_at_its_schema_pointer(schema: GraphQLContract) -> None:
    query = "{ ws: workspace { id label: name archived models { id name owner { id } } } }"
    data = {
        "ws": [
            {"id": 1, "label": "ok", "archived": False, "models": []},
            {"id": "7", "label": None, "archived": 1, "models": {}},
            {
                "id": True,
                "label": "x",
                "models": [{"id": 1.5, "name": 3, "owner": "w"}, None],
            },
        ]
    }
    assert _found(schema, query, data) == [
        ("/data/workspace/1/id", "/data/workspace/*/id", "type", "string of 1 character"),
        ("/data/workspace/1/name", "/data/workspace/*/name", "type", "null"),
        ("/data/workspace/1/archived", "/data/workspace/*/archived", "type", "integer"),
        ("/data/workspace/1/models", "/data/workspace/*/models", "type", "object with 0 keys"),
        ("/data/workspace/2/id", "/data/workspace/*/id", "type", "boolean"),
        ("/data/workspace/2/archived", "/data/workspace/*/archived", "required", "missing"),
        ("/data/workspace/2/models/0/id", "/data/workspace/*/models/*/id", "type", "number"),
        ("/data/workspace/2/models/0/name", "/data/workspace/*/models/*/name", "type", "integer"),
        (
            "/data/workspace/2/models/0/owner",
            "/data/workspace/*/models/*/owner",
            "type",
            "string of 1 character",
        ),
        ("/data/workspace/2/models/1", "/data/workspace/*/models/*", "type", "null"),
    ]


def test_violations_hold_no_value_and_no_alias(schema: GraphQLContract) -> None:
    query = "{ secret_alias: workspace(order_by: desc) { id name } }"
    data = {"secret_alias": [{"id": "secret-value", "name": ["secret-item"]}]}
    violations = data_violations(_query(schema, query), {"data": data})
    assert len(violations) == 2
    text = orjson.dumps([[v.as_dict(), v.folded_pointer] for v in violations]).decode()
    assert "secret" not in text
    assert violations[0].expected == "GraphQL type Int!"


def test_fragments_skip_and_abstract_types(schema: GraphQLContract) -> None:
    query = """query Q($hide: Boolean!) {
      pets { __typename ... on dog { barks } ... on cat { lives } }
      named { name ...N }
      model @skip(if: $hide) { id }
    }
    fragment N on named { ... on cat { lives } }"""
    data = {
        "pets": [{"__typename": "dog", "barks": "yes"}, {"__typename": "cat", "lives": 9}, {"barks": True}],
        "named": {"__typename": "cat", "name": "c", "lives": None},
    }
    assert _found(schema, query, data, hide=True) == [
        ("/data/pets/0/barks", "/data/pets/*/barks", "type", "string of 3 characters"),
        ("/data/pets/2", "/data/pets/*", "__typename", "none named"),
        ("/data/named/lives", "/data/named/lives", "type", "null"),
    ]
    assert ("/data/model", "/data/model", "required", "missing") in _found(schema, query, data, hide=False)


def test_enums_and_the_specified_scalars_are_strict(schema: GraphQLContract) -> None:
    query = "{ workspace_by_pk(id: 1) { id name archived } }"
    assert _found(schema, query, {"workspace_by_pk": {"id": 2**31, "name": 5, "archived": "true"}}) == [
        ("/data/workspace_by_pk/id", "/data/workspace_by_pk/id", "type", "integer"),
        ("/data/workspace_by_pk/name", "/data/workspace_by_pk/name", "type", "integer"),
        (
            "/data/workspace_by_pk/archived",
            "/data/workspace_by_pk/archived",
            "type",
            "string of 4 characters",
        ),
    ]


def test_errors_a_null_data_and_introspection_are_not_checked(schema: GraphQLContract) -> None:
    query = _query(schema, "{ model { id } }")
    assert data_violations(query, {"data": None, "errors": [{"message": "denied"}]}) == []
    assert data_violations(query, {"errors": [{"message": "denied"}]}) == []
    partial = data_violations(query, {"data": {"model": [{"id": None}]}, "errors": [{"message": "x"}]})
    assert [v.pointer for v in partial] == ["/data/model/0/id"]
    (not_object,) = data_violations(query, {"data": [1]})
    assert (not_object.pointer, not_object.found) == ("/data", "array of 1 item")
    introspection = _query(schema, "{ __schema { types { name } } }")
    assert data_violations(introspection, {"data": {"__schema": 5}}) == []
