"""Media-type matching: Content-Type headers normalised (case and charset ignored, other parameters
significant), sorted into body kinds, and found in an operation's table exactly, by main type, or
by a documented `type/*` or `*/*`."""

from __future__ import annotations

import pytest

from gateway.contract.media_types import (
    BodyKind,
    MediaTypeSpec,
    MediaTypeTable,
    media_kind,
    normalise_media_type,
)


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("application/json", "application/json"),
        ("Application/JSON", "application/json"),
        ("  application/json  ", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ('application/json;CHARSET="UTF-8"', "application/json"),
        ("Application/JSON; charset=UTF-8; format=x", "application/json; format=x"),
        ("application/json; format=pandas-records", "application/json; format=pandas-records"),
        ('application/json; FORMAT="pandas-records"', "application/json; format=pandas-records"),
        ("text/plain; b=2; a=1", "text/plain; a=1; b=2"),  # parameter order does not matter
        ("text/plain; a=Mixed", "text/plain; a=Mixed"),  # parameter values keep their case
        ("multipart/form-data; boundary=XyZ", "multipart/form-data; boundary=XyZ"),
        ("text/plain;;", "text/plain"),
    ],
)
def test_normalise_media_type(value: str, normal: str) -> None:
    assert normalise_media_type(value) == normal


@pytest.mark.parametrize(
    ("media_type", "kind"),
    [
        ("application/json", BodyKind.JSON),
        ("Application/JSON; charset=utf-8", BodyKind.JSON),
        ("application/json; format=pandas-records", BodyKind.JSON),
        ("application/problem+json", BodyKind.JSON),
        ("application/vnd.apache.arrow+JSON", BodyKind.JSON),
        ("multipart/form-data; boundary=abc", BodyKind.MULTIPART),
        ("Multipart/Form-Data", BodyKind.MULTIPART),
        ("multipart/mixed", BodyKind.BINARY),
        ("application/octet-stream", BodyKind.BINARY),
        ("application/vnd.apache.arrow.file", BodyKind.BINARY),
        ("application/jsonl", BodyKind.BINARY),
        ("text/plain", BodyKind.BINARY),
    ],
)
def test_media_kind(media_type: str, kind: BodyKind) -> None:
    assert media_kind(media_type) is kind


def _spec(media_type: str) -> MediaTypeSpec:
    return MediaTypeSpec(media_type, None, media_kind(media_type))


def _table(*media_types: str) -> MediaTypeTable:
    return MediaTypeTable(_spec(m) for m in media_types)


def _found(table: MediaTypeTable, content_type: str | None) -> str | None:
    spec = table.find(content_type)
    return None if spec is None else spec.media_type


def test_exact_match_ignores_case_and_charset() -> None:
    table = _table("application/json")
    assert _found(table, "application/json") == "application/json"
    assert _found(table, "APPLICATION/Json; Charset=UTF-8") == "application/json"


def test_other_parameters_pick_their_own_documented_type() -> None:
    table = _table("application/json", "application/json; format=pandas-records")
    assert (
        _found(table, "application/json; format=pandas-records") == "application/json; format=pandas-records"
    )
    assert _found(table, "application/json; charset=utf-8; FORMAT=pandas-records") == (
        "application/json; format=pandas-records"
    )
    assert _found(table, "application/json") == "application/json"


def test_unknown_parameters_fall_back_to_the_first_documented_type_of_that_main_type() -> None:
    table = _table("application/json; format=pandas-records", "application/json")
    assert _found(table, "application/json; format=other") == "application/json; format=pandas-records"
    assert _found(table, "multipart/form-data; boundary=x") is None
    form = _table("multipart/form-data")
    assert _found(form, "multipart/form-data; boundary=----abc") == "multipart/form-data"


def test_wildcards_catch_what_is_more_specific_in_order() -> None:
    table = _table("application/json", "text/*", "*/*")
    assert _found(table, "application/json") == "application/json"
    assert _found(table, "text/csv; charset=latin-1") == "text/*"
    assert _found(table, "TEXT/Plain") == "text/*"
    assert _found(table, "image/png") == "*/*"
    assert _found(table, "nonsense") == "*/*"


def test_a_type_wildcard_does_not_cover_other_types() -> None:
    table = _table("text/*")
    assert _found(table, "text/plain") == "text/*"
    assert _found(table, "application/json") is None


@pytest.mark.parametrize("content_type", [None, ""])
def test_no_content_type_matches_nothing_even_a_catch_all(content_type: str | None) -> None:
    assert _table("application/json", "*/*").find(content_type) is None


def test_an_undocumented_type_is_not_found() -> None:
    assert _found(_table("application/json"), "application/xml") is None


def test_the_table_keeps_the_documented_spelling_and_is_falsy_when_empty() -> None:
    table = _table("Application/JSON; charset=utf-8", "application/octet-stream")
    assert table.keys == ["Application/JSON; charset=utf-8", "application/octet-stream"]
    assert _found(table, "application/json") == "Application/JSON; charset=utf-8"
    assert table
    assert not _table()
    assert _table().find("application/json") is None


def test_form_values_are_json_decoded_only_where_the_encoding_says_so() -> None:
    spec = MediaTypeSpec("multipart/form-data", None, BodyKind.MULTIPART, json_fields=frozenset({"metadata"}))
    assert spec.form_value("metadata", '{"workspace_id": 5}') == {"workspace_id": 5}
    assert spec.form_value("metadata", "{not json") == "{not json"  # left for validation to report
    assert spec.form_value("name", '{"a": 1}') == '{"a": 1}'
