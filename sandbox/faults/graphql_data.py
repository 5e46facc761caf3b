"""The graphql_wrong_type fault: a GraphQL answer whose `data` breaks the SDL types of the query.

The OpenAPI schema of the GraphQL operation only says `data` is an object, so this fault is read
from the SDL instead: the answer's values are tried breadth first (the first item of each list),
scalars before lists and objects, each given another JSON type (`_other_type`, as wrong_type
does), and the first change that the gateway's own answer checker
(`gateway.contract.graphql_response`) rejects as a type mismatch at that place is kept. Custom
scalars take any JSON value, so they are never the one broken."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import Any

from gateway.contract import GraphQLChecker, GraphQLLimits, Operation, data_violations, json_pointer
from sandbox.faults.bodies import JsonPath, _other_type, _swap

MAX_NODES = 500  # values of one answer looked at
MAX_ATTEMPTS = 64  # changes checked before giving up


#: The sandbox answered the query, so it only needs parsing here: no gateway limits apply.
_QUERIES = GraphQLChecker(GraphQLLimits(max_depth=1000, max_root_fields=1000))


def _values(data: Any) -> Iterator[tuple[JsonPath, Any]]:
    """The non-null values under `data` and their paths, breadth first, first list items only."""
    queue: deque[tuple[JsonPath, Any]] = deque([(("data",), data)])
    while queue:
        path, value = queue.popleft()
        if isinstance(value, dict):
            queue.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list) and value:
            queue.append(((*path, 0), value[0]))
        if value is not None and len(path) > 1:
            yield path, value


def broken_data(operation: Operation, request_body: Any, document: Any) -> str | None:
    """Break `document` (in place) as graphql_wrong_type says; the pointer broken, or None."""
    graphql = operation.graphql
    if graphql is None or not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        return None
    query, _ = _QUERIES.check(graphql, request_body)
    if query is None:
        return None
    values = sorted(
        islice(_values(document["data"]), MAX_NODES), key=lambda pv: isinstance(pv[1], dict | list)
    )
    for path, value in values[:MAX_ATTEMPTS]:  # scalars first, as wrong_type
        _swap(document, path, _other_type(value))
        pointer = json_pointer(path)
        if any(v.pointer == pointer and v.kind == "type" for v in data_violations(query, document)):
            return pointer
        _swap(document, path, value)
    return None
