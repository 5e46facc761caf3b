"""Hasura's list arguments over rows: `where` (a `_bool_exp`), `order_by`, `distinct_on`,
`offset` and `limit`, applied in Hasura's order.

A row is a dict of column values; a relationship is a callable (see `rows`), called with no
arguments to read it. A condition on an array relationship holds when any related row matches;
on an object relationship when the related row exists and matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Row = Mapping[str, Any]
Where = Mapping[str, Any]
LOGICAL = ("_and", "_or", "_not")


def _related(value: Any) -> Any:
    return value() if callable(value) else value


def _like(pattern: str, value: Any, flags: int = 0) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return isinstance(value, str) and re.fullmatch(regex, value, flags) is not None


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
}


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
            ok = all(_COMPARISONS[op](value, x) for op, x in condition.items() if x is not None)
        else:
            related = _related(row.get(key))
            if isinstance(related, list):
                ok = any(matches(item, condition) for item in related)
            else:
                ok = related is not None and matches(related, condition)
        if not ok:
            return False
    return True


def _column(row: Row, ordering: Mapping[str, Any]) -> tuple[str, Any]:
    """(direction, value) of a one-column ordering such as `{pipeline_version: {id: desc}}`."""
    ((key, direction),) = ordering.items()
    if isinstance(direction, Mapping):
        return _column(_related(row.get(key)) or {}, direction)
    return str(direction), row.get(key)


def _order(rows: list[Row], order_by: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Row]:
    """Sorted by each column in turn (stable sorts, last column first); nulls last ascending and
    first descending unless the direction says otherwise, as in Hasura."""
    orderings = [order_by] if isinstance(order_by, Mapping) else list(order_by)
    columns = [{k: v} for ordering in orderings for k, v in ordering.items() if v is not None]
    for column in reversed(columns):
        directions = {_column(row, column)[0] for row in rows} or {"asc"}
        direction = directions.pop()
        descending = direction.startswith("desc")
        nulls_high = descending == direction.endswith("nulls_first") if "nulls" in direction else True

        def key(
            row: Row, column: Mapping[str, Any] = column, nulls_high: bool = nulls_high
        ) -> tuple[Any, ...]:
            value = _column(row, column)[1]
            return ((value is None) == nulls_high, value)

        rows = sorted(rows, key=key, reverse=descending)
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
