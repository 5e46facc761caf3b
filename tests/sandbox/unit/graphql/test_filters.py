"""Hasura's list arguments over plain rows: comparisons (regexes and jsonb casts included),
logical operators, relationships, orderings with Hasura's null placement, distinct_on and paging."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.graphql.filters import matches, select
from sandbox.graphql.refusals import DataException
from sandbox.graphql.rows import many, one

ROWS: list[dict[str, Any]] = [
    {"id": 1, "name": "alpha", "score": None, "meta": {"a": 1, "b": [1, 2]}},
    {"id": 2, "name": "Beta", "score": 5, "meta": {"a": 2}},
    {"id": 3, "name": "gamma", "score": 3, "meta": None},
]


@pytest.mark.parametrize(
    ("where", "ids"),
    [
        ({"id": {"_eq": 2}}, [2]),
        ({"id": {"_neq": 2}}, [1, 3]),
        ({"id": {"_in": [1, 3]}}, [1, 3]),
        ({"id": {"_nin": [1, 3]}}, [2]),
        ({"score": {"_gt": 3}}, [2]),
        ({"score": {"_lte": 3}}, [3]),
        ({"score": {"_is_null": True}}, [1]),
        ({"name": {"_like": "%a"}}, [1, 2, 3]),
        ({"name": {"_like": "b%"}}, []),
        ({"name": {"_ilike": "b%"}}, [2]),
        ({"name": {"_nlike": "%mm%"}}, [1, 2]),
        ({"meta": {"_contains": {"b": [2]}}}, [1]),
        ({"meta": {"_has_key": "a"}}, [1, 2]),
        ({"name": {"_regex": "^[ab]"}}, [1]),
        ({"name": {"_iregex": "^[ab]"}}, [1, 2]),
        ({"meta": {"_cast": {"String": {"_like": '%"b":[1,2]%'}}}}, [1]),
        ({"score": {"_gt": "3"}}, []),  # a value Python cannot order against the column matches nothing
        ({"_or": [{"id": {"_eq": 1}}, {"score": {"_eq": 3}}]}, [1, 3]),
        ({"_and": [{"id": {"_gt": 1}}, {"score": {"_gt": 4}}]}, [2]),
        ({"_not": {"id": {"_eq": 1}}}, [2, 3]),
        ({"id": None}, [1, 2, 3]),
        ({}, [1, 2, 3]),
    ],
)
def test_where(where: dict[str, Any], ids: list[int]) -> None:
    assert [row["id"] for row in select(ROWS, where=where)] == ids


def test_relationships_match_any_related_row_or_the_related_object() -> None:
    children = [{"tag": "x"}, {"tag": "y"}]
    row = {
        "children": many(lambda: children),
        "parent": one(lambda: {"name": "p"}),
        "orphan": one(lambda: None),
    }
    assert matches(row, {"children": {"tag": {"_eq": "y"}}})
    assert not matches(row, {"children": {"tag": {"_eq": "z"}}})
    assert matches(row, {"parent": {"name": {"_eq": "p"}}})
    assert not matches(row, {"orphan": {"name": {"_eq": "p"}}})
    assert [c["tag"] for c in row["children"](None, where={"tag": {"_neq": "x"}})] == ["y"]


@pytest.mark.parametrize(
    ("order_by", "ids"),
    [
        ({"id": "desc"}, [3, 2, 1]),
        ([{"score": "asc"}], [3, 2, 1]),  # nulls last ascending
        ([{"score": "desc"}], [1, 2, 3]),  # nulls first descending
        ([{"score": "asc_nulls_first"}], [1, 3, 2]),
        ([{"score": "desc_nulls_last"}], [2, 3, 1]),
        ([{"parent": {"rank": "asc"}}, {"id": "desc"}], [3, 1, 2]),
        ({"parent": {"rank": "desc", "id": "asc"}}, [2, 1, 3]),  # two columns in one relationship ordering
    ],
)
def test_order_by(order_by: Any, ids: list[int]) -> None:
    ranks = {1: 1, 2: 2, 3: 1}
    rows = [{**row, "parent": one(lambda r=row: {"rank": ranks[r["id"]], "id": r["id"]})} for row in ROWS]
    assert [row["id"] for row in select(rows, order_by=order_by)] == ids


def test_distinct_on_offset_and_limit() -> None:
    rows = [{"id": i, "group": i % 2} for i in range(1, 7)]
    assert [r["id"] for r in select(rows, distinct_on="group")] == [1, 2]
    assert [r["id"] for r in select(rows, distinct_on=["group", "id"])] == [1, 2, 3, 4, 5, 6]
    assert [r["id"] for r in select(rows, order_by={"id": "desc"}, offset=1, limit=2)] == [5, 4]
    assert select(rows, limit=0) == []


def test_an_invalid_regex_is_a_data_exception() -> None:
    with pytest.raises(DataException) as raised:
        select(ROWS, where={"name": {"_regex": "("}})
    assert raised.value.extensions == {"code": "data-exception"}
