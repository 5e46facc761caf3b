"""Hasura's list arguments over rows: `where` (a `_bool_exp`), `order_by`, `distinct_on`,
`offset` and `limit`, applied in Hasura's order.

A row is a dict of column values; a relationship is a callable (see `rows`), called with no
arguments to read it. A condition on an array relationship holds when any related row matches;
on an object relationship when the related row exists and matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from sandbox.graphql.refusals import DataException

Row = Mapping[str, Any]
Where = Mapping[str, Any]
LOGICAL = ("_and", "_or", "_not")


def _related(value: Any) -> Any:
    return value() if callable(value) else value


def _like(pattern: str, value: Any, flags: int = 0) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return isinstance(value, str) and re.fullmatch(regex, value, flags) is not None


def _regex(pattern: str, value: Any, flags: int = 0) -> bool:
    """Postgres's `~` (`~*` with IGNORECASE): the pattern found anywhere in a text value; an
    invalid pattern is a data exception, as in Postgres."""
    try:
        compiled = re.compile(pattern, flags)
    except re.error:
        raise DataException("invalid regular expression") from None
    return isinstance(value, str) and compiled.search(value) is not None


def _cast(value: Any, casts: Mapping[str, Any]) -> bool:
    """A jsonb value cast to String (its JSON text), then compared."""
    text = None if value is None else orjson.dumps(value).decode()
    condition = casts.get("String") or {}
    return all(_compare(op, text, x) for op, x in condition.items() if x is not None)


def _contains(container: Any, part: Any) -> bool:
    if isinstance(part, Mapping):
        return isinstance(container, Mapping) and all(
            k in container and _contains(container[k], v) for k, v in part.items()
        )
    if isinstance(part, list):
        return isinstance(container, list) and all(any(_contains(c, p) for c in container) for p in part)
    return bool(container == part)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "_eq": lambda v, x: v == x,
    "_neq": lambda v, x: v != x,
    "_gt": lambda v, x: v is not None and v > x,
    "_gte": lambda v, x: v is not None and v >= x,
    "_lt": lambda v, x: v is not None and v < x,
    "_lte": lambda v, x: v is not None and v <= x,
    "_in": lambda v, x: v in x,
    "_nin": lambda v, x: v not in x,
    "_is_null": lambda v, x: (v is None) == x,
    "_like": lambda v, x: _like(x, v),
    "_nlike": lambda v, x: not _like(x, v),
    "_ilike": lambda v, x: _like(x, v, re.IGNORECASE),
    "_nilike": lambda v, x: not _like(x, v, re.IGNORECASE),
    "_contains": _contains,
    "_has_key": lambda v, x: isinstance(v, Mapping) and x in v,
    "_regex": lambda v, x: _regex(x, v),
    "_iregex": lambda v, x: _regex(x, v, re.IGNORECASE),
    "_cast": _cast,
}


def _compare(op: str, value: Any, operand: Any) -> bool:
    """One comparison; values Python cannot order against each other do not match."""
    try:
        return _COMPARISONS[op](value, operand)
    except TypeError:
        return False


def _is_comparison(condition: Mapping[str, Any]) -> bool:
    return all(key.startswith("_") and key not in LOGICAL for key in condition)


def matches(row: Row, where: Where | None) -> bool:
    """Whether `row` satisfies the bool_exp `where` (None or `{}`: every row does)."""
    for key, condition in (where or {}).items():
        if condition is None:
            continue
        if key == "_and":
            ok = all(matches(row, c) for c in condition)
        elif key == "_or":
            ok = any(matches(row, c) for c in condition)
        elif key == "_not":
            ok = not matches(row, condition)
        elif _is_comparison(condition):
            value = row.get(key)
            ok = all(_compare(op, value, x) for op, x in condition.items() if x is not None)
        else:
            related = _related(row.get(key))
            if isinstance(related, list):
                ok = any(matches(item, condition) for item in related)
            else:
                ok = related is not None and matches(related, condition)
        if not ok:
            return False
    return True


def _columns(
    ordering: Mapping[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(column path, direction) of each column an ordering names, in order: `{pipeline_version:
    {id: desc, name: asc}}` names pipeline_version.id, then pipeline_version.name."""
    for key, direction in ordering.items():
        if isinstance(direction, Mapping):
            yield from _columns(direction, (*path, key))
        elif direction is not None:
            yield (*path, key), str(direction)


def _value(row: Row, path: tuple[str, ...]) -> Any:
    value: Any = row
    for key in path:
        value = _related(value.get(key)) if isinstance(value, Mapping) else None
    return value


def _order(rows: list[Row], order_by: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Row]:
    """Sorted by each column in turn (stable sorts, last column first); nulls last ascending and
    first descending unless the direction says otherwise, as in Hasura. Values of different types
    keep their order."""
    orderings = [order_by] if isinstance(order_by, Mapping) else list(order_by)
    columns = [column for ordering in orderings for column in _columns(ordering)]
    for path, direction in reversed(columns):
        descending = direction.startswith("desc")
        nulls_high = descending == direction.endswith("nulls_first") if "nulls" in direction else True

        def key(row: Row, path: tuple[str, ...] = path, nulls_high: bool = nulls_high) -> tuple[Any, ...]:
            value = _value(row, path)
            return ((value is None) == nulls_high, value)

        try:
            rows = sorted(rows, key=key, reverse=descending)
        except TypeError:
            continue
    return rows


def select(
    rows: Iterable[Row],
    where: Where | None = None,
    order_by: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    distinct_on: str | Sequence[str] | None = None,
    offset: int | None = None,
    limit: int | None = None,
    **_: Any,
) -> list[Row]:
    """The rows a Hasura list field answers for these arguments."""
    chosen = [row for row in rows if matches(row, where)]
    if order_by:
        chosen = _order(chosen, order_by)
    if distinct_on:
        columns = [distinct_on] if isinstance(distinct_on, str) else list(distinct_on)
        seen: set[tuple[Any, ...]] = set()
        unique = []
        for row in chosen:
            marker = tuple(row.get(c) for c in columns)
            if marker not in seen:
                seen.add(marker)
                unique.append(row)
        chosen = unique
    start = offset or 0
    return chosen[start : start + limit if limit is not None else None]
