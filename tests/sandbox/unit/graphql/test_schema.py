"""The executable schema: built from the packaged SDL with every root field bound, and a root
field the resolvers do not know refuses to build (SDL and resolvers cannot drift apart)."""

from __future__ import annotations

import pytest
from graphql import build_schema

from sandbox.graphql import schema as schema_module
from sandbox.graphql.resolvers import MUTATION_FIELDS, QUERY_FIELDS
from sandbox.graphql.schema import executable_schema, read_sdl


def test_every_root_field_has_its_resolver() -> None:
    schema = executable_schema()
    assert schema.query_type is not None and schema.mutation_type is not None
    assert {n: f.resolve for n, f in schema.query_type.fields.items()} == QUERY_FIELDS
    assert {n: f.resolve for n, f in schema.mutation_type.fields.items()} == MUTATION_FIELDS


def test_a_root_field_without_a_resolver_refuses_to_build() -> None:
    sdl = read_sdl().replace("type query_root {", "type query_root {\n  unknown_table: [workspace!]!")
    with pytest.raises(ValueError, match="unknown_table"):
        schema_module._bind(build_schema(sdl).query_type, QUERY_FIELDS)
