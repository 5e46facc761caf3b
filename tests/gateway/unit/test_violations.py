"""Violations from the spec's compiled validators carry no value of the instance (found describes
it, messages come from the schema), and their folded pointer is bounded by the spec: array
indices become `*`, keys of free-form objects `{key}`, while named properties stay."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.contract import Contract, Violation
from gateway.contract.violations import describe, folded_parts

PASSWORD = "P@ssw0rd-hunter2-never-log-me"


def _request(contract: Contract, operation: str, body: Any) -> list[Violation]:
    media = contract.operations[operation].request_media.find("application/json")
    assert media is not None and media.validator is not None
    return media.validator.violations(body, "body")


def _response(contract: Contract, operation: str, body: Any) -> list[Violation]:
    table = contract.operations[operation].response_media(200)
    media = table.find("application/json") if table is not None else None
    assert media is not None and media.validator is not None
    return media.validator.violations(body, "response")


def test_keys_of_a_free_form_object_are_folded_and_named_properties_kept(contract: Contract) -> None:
    body = {"pipeline_name": "p", "workspace_id": 1, "next": {"k1": "x", "pipeline_name": "y"}, "limit": "z"}
    found = {(v.pointer, v.folded_pointer) for v in _request(contract, "assays_get_baseline", body)}
    # a key that happens to be a property name elsewhere is still a free-form key here
    assert found == {
        ("/next/k1", "/next/{key}"),
        ("/next/pipeline_name", "/next/{key}"),
        ("/limit", "/limit"),
    }


def test_free_form_keys_and_array_indices_fold_through_refs(contract: Contract) -> None:
    user = {"id": 1, "username": "u", "enabled": True, "createdTimestamp": 1, "access": {"x": "s"}}
    folded = {v.folded_pointer for v in _response(contract, "users_query", {"users": {"abc": user}})}
    assert folded == {"/users/{key}/id", "/users/{key}/access/{key}"}
    listed = {"workspaces": [{"id": "one"}]}
    assert "/workspaces/*/id" in {v.folded_pointer for v in _response(contract, "workspaces_list", listed)}


def test_3000_distinct_free_form_keys_fold_to_one_location(contract: Contract) -> None:
    body = {"pipeline_name": "p", "workspace_id": 1, "next": {f"key-{i}": "x" for i in range(3000)}}
    violations = _request(contract, "assays_get_baseline", body)
    assert len(violations) == 3000 and {v.folded_pointer for v in violations} == {"/next/{key}"}


def test_no_value_reaches_found_or_message(contract: Contract) -> None:
    big = "v" * (512 * 1024)
    for value, size in ((PASSWORD, f"{len(PASSWORD)} characters"), (big, "524,288 characters")):
        violations = _request(contract, "workspaces_remove_user", {"workspace_id": value, "email": 5})
        text = orjson.dumps([v.as_dict() for v in violations]).decode()
        assert value not in text and len(text) < 1000
        found = {v.pointer: v.found for v in violations}
        assert found == {"/workspace_id": f"string of {size}", "/email": "integer"}


def test_format_messages_come_from_the_schema_not_the_value(contract: Contract) -> None:
    body = {"pipeline_name": "p", "workspace_id": 1, "start": PASSWORD}
    violations = _request(contract, "assays_get_baseline", body)
    assert violations and all(PASSWORD not in str(v) for v in violations)


def test_a_long_key_is_not_echoed_in_the_pointer(contract: Contract) -> None:
    key = "k" * 5000
    body = {"pipeline_name": "p", "workspace_id": 1, "next": {key: "x"}}
    (violation,) = _request(contract, "assays_get_baseline", body)
    assert violation.pointer == "/next/{key}" and key not in str(violation)


def test_describe_gives_type_and_size_only() -> None:
    assert [describe(v) for v in (None, True, 3, 2.5, "abc", [1, 2], {"a": 1}, "x" * 524288)] == [
        "null",
        "boolean",
        "integer",
        "number",
        "string of 3 characters",
        "array of 2 items",
        "object with 1 key",
        "string of 524,288 characters",
    ]


def test_folding_keeps_only_keys_the_evaluation_path_names() -> None:
    path = ["properties", "m", "$ref", "additionalProperties", "$ref", "properties", "v", "type"]
    assert folded_parts(["m", "anything", "v"], path) == ["m", "{key}", "v"]
    listed = ["properties", "l", "items", "properties", "v", "type"]
    assert folded_parts(["l", 7, "v"], listed) == ["l", "*", "v"]
    # segments the evaluation path does not explain are folded too
    assert folded_parts(["a", "b", 3], ["properties", "a", "type"]) == ["a", "{key}", "*"]
    assert folded_parts(["x"], ["allOf", 0, "properties", "x", "type"]) == ["x"]
