"""GraphQL schemas of the contract: an operation whose spec carries `x-mlops-graphql-schema` names an
SDL file (relative to the spec's directory), compiled here once, at start-up.

The compiled `GraphQLContract` holds what request time needs: the graphql-core schema, its root
fields by operation type (the only field names the metrics may carry) and every name the schema
defines (types, fields, arguments, enum values, directives), which are the only names a problem
body or a drift row may show. A missing, unreadable or invalid SDL is a `ContractError`, so a
gateway (and `spec-check`) refuses to start instead of failing on the first query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    validate_schema,
)

from gateway.contract.errors import ContractError

SCHEMA_EXTENSION = "x-mlops-graphql-schema"
OPERATION_TYPES = ("query", "mutation", "subscription")
INTROSPECTION = "introspection"  # the root field label of __schema, __type and __typename
INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "__typename"})


@dataclass(frozen=True, slots=True)
class GraphQLContract:
    """One compiled SDL: the schema, its root fields by operation type, and every name it defines."""

    file_name: str
    schema: GraphQLSchema = field(repr=False)
    root_fields: dict[str, frozenset[str]] = field(repr=False)
    names: frozenset[str] = field(repr=False)

    def root_label(self, operation_type: str, name: str) -> str | None:
        """The metric label of a root field: its schema name, `introspection`, or None if unknown."""
        if name in INTROSPECTION_FIELDS:
            return INTROSPECTION
        return name if name in self.root_fields.get(operation_type, frozenset()) else None


def load_graphql_schema(spec_dir: Path, file_name: object, pointer: str) -> GraphQLContract:
    """Compile the SDL file `file_name` (relative to `spec_dir`), named at `pointer` in the spec."""
    if not isinstance(file_name, str) or not file_name:
        raise ContractError(f"{SCHEMA_EXTENSION} at {pointer} must be a file name")
    path = spec_dir / file_name
    try:
        sdl = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(f"cannot read the GraphQL schema {path} named at {pointer}: {exc}") from exc
    try:
        schema = build_schema(sdl)
    except (GraphQLError, TypeError) as exc:  # a syntax error, or SDL validation (TypeError)
        raise ContractError(f"the GraphQL schema {path} named at {pointer} is invalid: {exc}") from exc
    problems = validate_schema(schema)
    if problems:
        raise ContractError(f"the GraphQL schema {path} named at {pointer} is invalid: {problems[0].message}")
    return graphql_contract(file_name, schema)


def graphql_contract(file_name: str, schema: GraphQLSchema) -> GraphQLContract:
    """The contract of a built, valid schema: its root fields by operation type and its names."""
    roots = {
        kind: frozenset(root.fields)
        for kind, root in zip(
            OPERATION_TYPES, (schema.query_type, schema.mutation_type, schema.subscription_type), strict=True
        )
        if root is not None
    }
    return GraphQLContract(file_name, schema, roots, frozenset(_names(schema)))


def _names(schema: GraphQLSchema) -> Iterator[str]:
    """Every name the schema defines: types, fields, arguments, input fields, enum values, directives."""
    for name, type_ in schema.type_map.items():
        yield name
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field_def in type_.fields.items():
                yield field_name
                yield from field_def.args
        elif isinstance(type_, GraphQLInputObjectType):
            yield from type_.fields
        elif isinstance(type_, GraphQLEnumType):
            yield from type_.values
    for directive in schema.directives:
        yield directive.name
        yield from directive.args
