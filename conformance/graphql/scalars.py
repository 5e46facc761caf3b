"""Arguments for the SDL's custom scalars, generated from the spec.

A custom scalar (`scalar bigint`) says nothing about its values, and hypothesis-graphql cannot
generate one without a strategy. The GraphQL operation declares each scalar's values as JSON
Schema (`x-mlops-graphql-scalars`, e.g. `uuid: {type: string, format: uuid}`); schemathesis's own
JSON Schema generator draws them (with its string formats) and they are written as GraphQL
literals. A scalar the spec leaves out makes schemathesis report it as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs
import schemathesis
from graphql import (
    BooleanValueNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    NameNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
)
from hypothesis import strategies as st
from schemathesis.generation.jsonschema.builder import build
from schemathesis.specs.openapi.formats import get_default_format_strategies

SCALARS_EXTENSION = "x-mlops-graphql-scalars"


def literal(value: Any) -> ValueNode:
    """A JSON value as a GraphQL literal (an object's keys as field names)."""
    if value is None:
        return NullValueNode()
    if isinstance(value, bool):
        return BooleanValueNode(value=value)
    if isinstance(value, int):
        return IntValueNode(value=str(value))
    if isinstance(value, float):
        return FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return StringValueNode(value=value)
    if isinstance(value, list):
        return ListValueNode(values=tuple(literal(item) for item in value))
    return ObjectValueNode(
        fields=tuple(
            ObjectFieldNode(name=NameNode(value=key), value=literal(item)) for key, item in value.items()
        )
    )


def scalar_strategies(declared: Mapping[str, Any]) -> dict[str, st.SearchStrategy[ValueNode]]:
    """A literal strategy per declared scalar."""
    formats = get_default_format_strategies()
    return {
        name: build(dict(schema), draft=jsonschema_rs.Draft202012, formats=formats).map(literal)
        for name, schema in declared.items()
    }


def register_scalars(operation_spec: Mapping[str, Any]) -> None:
    """Register the operation's scalars with schemathesis (a process-wide registry, by name)."""
    for name, strategy in scalar_strategies(operation_spec.get(SCALARS_EXTENSION) or {}).items():
        schemathesis.graphql.scalar(name, strategy)
