"""A GraphQL answer's `data` checked against the types of the selection the client sent.

graphql-core executes the client's operation with the answer's `data` as the root value and a
field resolver that reads each field from its parent by response key (alias-aware) and checks the
value's JSON shape against the field's declared type - strictly, as JSON: an Int is a JSON integer
(not `"7"`, not `true`), a non-null field is not null, a list is an array, an object is an object,
an enum value is one of the enum's names; custom scalars take anything. Every failure comes back
as an execution error at its path, and becomes a value-free `Violation` at `/data/...`, named by
the schema's field names (never the client's aliases), with indices folded to `*` for the drift
report. `errors` in an answer are allowed; introspection answers are not checked (graphql-core
would answer them from the schema itself, not from the data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    InlineFragmentNode,
    SelectionSetNode,
    execute_sync,
)

from gateway.contract.graphql_request import GraphQLQuery
from gateway.contract.graphql_schema import INTROSPECTION
from gateway.contract.violations import FREE_KEY, Violation, describe, json_pointer

MAX_VIOLATIONS = 100  # an answer reports at most this many (a long list of wrong items is one row anyway)
_INT_RANGE = range(-(2**31), 2**31)


class _Mismatch(Exception):
    """A value that is not what its field's type says, raised by the resolver."""

    def __init__(self, kind: str, expected: str, found: str, indices: Sequence[int] = ()) -> None:
        super().__init__(kind)
        self.kind, self.expected, self.found, self.indices = kind, expected, found, tuple(indices)


def data_violations(query: GraphQLQuery, answer: Any) -> list[Violation]:
    """How the answer's `data` breaks the types of the query's selection."""
    if not isinstance(answer, dict) or answer.get("data") is None or INTROSPECTION in query.root_fields:
        return []
    data = answer["data"]
    if not isinstance(data, dict):
        expected, found = "an object or null", describe(data)
        return [
            Violation("response", "/data", "type", expected, found, f"expected {expected}, found {found}")
        ]
    name = query.operation.name.value if query.operation.name else None
    result = execute_sync(
        query.contract.schema,
        query.document,
        root_value=data,
        variable_values=dict(query.variables) if query.variables else None,
        operation_name=name,
        field_resolver=_resolve,
    )
    fragments = query.fragments
    return [_violation(e, query, fragments) for e in (result.errors or [])[:MAX_VIOLATIONS]]


def _resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    key = info.path.key
    if not isinstance(source, dict) or key not in source:
        raise _Mismatch("required", "the selected field", "missing")
    value = source[key]
    _check(value, info.return_type, [])
    return value


def _check(value: Any, type_: GraphQLOutputType, indices: list[int]) -> None:
    """Raise `_Mismatch` where `value` (at `indices` inside its field) does not have the JSON shape
    of `type_`."""
    if value is None:
        if isinstance(type_, GraphQLNonNull):
            raise _Mismatch("type", f"GraphQL type {type_}", "null", indices)
        return
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        if not isinstance(value, list):
            raise _Mismatch("type", f"GraphQL type {type_}", describe(value), indices)
        for index, item in enumerate(value):
            _check(item, inner.of_type, [*indices, index])
    elif isinstance(inner, GraphQLScalarType):
        if not _scalar_fits(inner.name, value):
            raise _Mismatch("type", f"GraphQL type {type_}", describe(value), indices)
    elif isinstance(inner, GraphQLEnumType):
        if not (isinstance(value, str) and value in inner.values):
            raise _Mismatch("enum", f"a value of the GraphQL enum {inner.name}", describe(value), indices)
    elif not isinstance(value, dict):
        raise _Mismatch("type", f"GraphQL type {type_}", describe(value), indices)


def _scalar_fits(name: str, value: Any) -> bool:
    """The specified scalars as JSON carries them; custom scalars take any JSON value."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if name == "Int":
        return is_int and value in _INT_RANGE
    if name == "Float":
        return is_int or isinstance(value, float)
    if name == "String":
        return isinstance(value, str)
    if name == "Boolean":
        return isinstance(value, bool)
    if name == "ID":
        return is_int or isinstance(value, str)
    return True


def _violation(
    error: GraphQLError, query: GraphQLQuery, fragments: Mapping[str, FragmentDefinitionNode]
) -> Violation:
    mismatch = error.original_error
    if isinstance(mismatch, _Mismatch):
        kind, expected, found, indices = mismatch.kind, mismatch.expected, mismatch.found, mismatch.indices
    else:  # graphql-core's own completion failure (an abstract type without __typename ...)
        kind, expected, found, indices = "graphql", "a value the selection's type can complete", "another", ()
    parts: list[str | int] = ["data", *_schema_path(error.path or (), query, fragments), *indices]
    folded = ["*" if isinstance(p, int) else p for p in parts]
    message = f"expected {expected}, found {found}"
    return Violation("response", json_pointer(parts), kind, expected, found, message, json_pointer(folded))


def _schema_path(
    keys: Sequence[str | int], query: GraphQLQuery, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str | int]:
    """An execution path of response keys (aliases) as the schema's field names, indices kept."""
    named: list[str | int] = []
    selection_set: SelectionSetNode | None = query.operation.selection_set
    for key in keys:
        if isinstance(key, int):
            named.append(key)
            continue
        node = _field(selection_set, key, fragments, set()) if selection_set is not None else None
        named.append(node.name.value if node is not None else FREE_KEY)
        selection_set = node.selection_set if node is not None else None
    return named


def _field(
    selection_set: SelectionSetNode,
    key: str,
    fragments: Mapping[str, FragmentDefinitionNode],
    spread: set[str],
) -> FieldNode | None:
    """The field selected under response key `key` in `selection_set`, fragments spread in."""
    for selection in selection_set.selections:
        found: FieldNode | None = None
        if isinstance(selection, FieldNode):
            if (selection.alias or selection.name).value == key:
                return selection
        elif isinstance(selection, InlineFragmentNode):
            found = _field(selection.selection_set, key, fragments, spread)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
            spread.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            found = _field(fragment.selection_set, key, fragments, spread) if fragment is not None else None
        if found is not None:
            return found
    return None
