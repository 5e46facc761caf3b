"""Generated requests are kept honest before they are sent (conformance.generation), and runtime
expressions and wildcard pointers resolve as our checks need (conformance.checks.exchange)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from schemathesis.generation.stateful.state_machine import StepOutput

from conformance.checks.exchange import UNRESOLVED, pointer_values, resolve
from conformance.generation import contract_accepts, files_last, unique_names, wire_faithful
from gateway.contract import Contract


def case(body: Any, media_type: str = "application/json", positive: bool = True, **extra: Any) -> Any:
    mode = SimpleNamespace(is_positive=positive)
    meta = SimpleNamespace(generation=SimpleNamespace(mode=mode))
    return SimpleNamespace(body=body, media_type=media_type, meta=meta, query={}, path_parameters={}, **extra)


def test_the_contract_asserts_formats_where_schemathesis_does_not(contract: Contract) -> None:
    baseline = contract.operations["assays_get_baseline"]
    valid = {"pipeline_name": "p", "workspace_id": 1, "start": "2024-01-01T00:00:00Z", "end": None}
    assert contract_accepts(baseline, case(valid))
    assert not contract_accepts(baseline, case({**valid, "start": ""}))


def test_a_required_upload_is_not_empty(contract: Contract) -> None:
    stream = contract.operations["models_upload_stream"]
    query = {"name": "m", "filename": "m.onnx", "workspace_id": 5}
    upload = case(b"model bytes", "application/octet-stream")
    upload.query = query
    assert contract_accepts(stream, upload)
    upload.body = ""
    assert not contract_accepts(stream, upload)


def test_multipart_bodies_must_survive_the_wire(contract: Contract) -> None:
    upload = contract.operations["models_upload"]
    fine = {"name": "m", "workspace_id": "5", "note": "x", "file": b"bytes"}
    assert wire_faithful(upload, case(fine, "multipart/form-data"))
    for broken in ({"": "x"}, {"na\x1cme": "x"}, {'a"b': "x"}, {"tags": ["a", "b"]}):
        assert not wire_faithful(upload, case({**fine, **broken}, "multipart/form-data"))
    assert wire_faithful(contract.operations["workspaces_list"], case({"": [1]}))  # JSON: anything goes


def test_message_framing_headers_are_not_sent_as_generated(contract: Contract) -> None:
    evaluate = contract.operations["openlayer_tests_evaluate"]
    body = {"startTimestamp": 1, "endTimestamp": 2}
    assert wire_faithful(evaluate, case(body, headers={"X-Anything": "x", "lSGW": "j"}))
    for name in ("transfer-encoding", "Content-Length", "HOST", "Connection", "TE", "Upgrade"):
        assert not wire_faithful(evaluate, case(body, headers={name: "o/P%ef]A"})), name


def test_file_parts_go_last(contract: Contract) -> None:
    upload = contract.operations["models_upload"]
    moved = files_last(upload, case({"file": b"x", "name": "m", "workspace_id": "5"}, "multipart/form-data"))
    assert list(moved.body) == ["name", "workspace_id", "file"]


def test_new_names_are_made_unique_once(contract: Contract) -> None:
    create = contract.operations["workspaces_create"]
    counter = itertools.count(1)
    first = unique_names(create, case({"workspace_name": "ws"}), "cab12", counter)
    assert first.body == {"workspace_name": "ws-cab12-1"}
    again = unique_names(create, case({"workspace_name": "ws-cab12-1"}), "cab12", counter)
    assert again.body == {"workspace_name": "ws-cab12-1"}  # came from a link: already unique
    negative = unique_names(create, case({"workspace_name": 5}, positive=False), "cab12", counter)
    assert negative.body == {"workspace_name": 5}
    invite = unique_names(contract.operations["users_invite"], case({"email": "a@b.co"}), "cab12", counter)
    assert invite.body == {"email": "a+cab12-3@b.co"}


def test_pointers_with_wildcards() -> None:
    document = {"workspaces": [{"id": 1}, {"id": 2}, {"name": "x"}], "models": []}
    assert pointer_values(document, "/workspaces/*/id") == [1, 2]
    assert pointer_values(document, "/workspaces/1/id") == [2]
    assert pointer_values(document, "") == [document]
    assert pointer_values(document, "/models/*/id") == [] and pointer_values([{"id": 3}], "/*/id") == [3]


def test_expressions_fall_back_to_earlier_steps() -> None:
    set_active = StepOutput(None, SimpleNamespace(body={"id": 7, "active": False}))  # type: ignore[arg-type]
    create = StepOutput(None, SimpleNamespace(body={"pipeline_id": 3}))  # type: ignore[arg-type]
    template = {"pipeline_id": "$request.body#/pipeline_id", "id": "$request.body#/id", "limit": 5}
    assert resolve(template, [set_active, create]) == {"pipeline_id": 3, "id": 7, "limit": 5}
    assert resolve(template, [set_active]) is UNRESOLVED
    alternatives = ["$request.body#/missing", "$request.body#/active"]
    assert resolve(alternatives, [set_active]) is False
