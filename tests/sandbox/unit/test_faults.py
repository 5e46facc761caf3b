"""The fault switch's parts without a server: the schema-driven body faults work on every operation of
the spec (each breaks exactly where and how it says, or leaves a body with nothing to break alone),
the plausible answers are valid, truncated JSON never parses, and the switch refuses what it cannot
apply."""

from __future__ import annotations

import copy

import orjson
import pytest

from gateway.contract import Contract
from sandbox.core.fault_switch import Fault, FaultError, FaultSwitch
from sandbox.faults.bodies import BodyFaults
from sandbox.faults.graphql_data import broken_data
from sandbox.faults.middleware import truncated_json

#: Operations whose success body is `{}` or null: no body fault applies to them.
NOTHING_TO_BREAK = {
    "users_invite",
    "users_deactivate",
    "users_activate",
    "workspaces_add_user",
    "pipelines_undeploy",
    "assays_v2_set_active",
}
#: At least this many of the spec's operations' example bodies break (bad_enum needs an enum field).
MINIMUM_BROKEN = {
    Fault.MISSING_REQUIRED_FIELD: 28,
    Fault.WRONG_TYPE: 28,
    Fault.NULL_NOT_ALLOWED: 26,
    Fault.BAD_ENUM: 8,
}


@pytest.fixture(scope="module")
def bodies(contract: Contract) -> BodyFaults:
    return BodyFaults(contract)


def test_every_operation_has_a_valid_plausible_answer(contract: Contract, bodies: BodyFaults) -> None:
    for operation in contract.operations.values():
        plausible = bodies.plausible_body(operation)
        assert plausible is not None, operation.operation_id
        status, document = plausible
        table = operation.response_media(status)
        assert table is not None
        media = table.find("application/json")
        assert media is not None and media.validator is not None
        assert media.validator.violations(document, "response") == [], operation.operation_id


@pytest.mark.parametrize("fault", sorted(BodyFaults.BODY_FAULTS))
def test_body_faults_work_on_every_operation(contract: Contract, bodies: BodyFaults, fault: Fault) -> None:
    broken = set()
    for operation in contract.operations.values():
        plausible = bodies.plausible_body(operation)
        assert plausible is not None
        status, original = plausible
        document = copy.deepcopy(original)
        result = bodies.break_body(fault, operation, status, "application/json", document)
        if result is None:
            assert document == original, operation.operation_id  # left alone
            continue
        table = operation.response_media(status)
        assert table is not None
        media = table.find("application/json")
        assert media is not None and media.validator is not None
        found = [(v.pointer, v.kind) for v in media.validator.violations(result.document, "response")]
        assert (result.pointer, result.kind) in found, (operation.operation_id, found)
        assert result.pointer  # a field, never the whole body
        broken.add(operation.operation_id)
    assert len(broken) >= MINIMUM_BROKEN[fault], sorted(broken)
    assert broken.isdisjoint(NOTHING_TO_BREAK)


def test_other_faults_leave_bodies_to_the_middleware(contract: Contract, bodies: BodyFaults) -> None:
    operation = contract.operations["workspaces_create"]
    assert (
        bodies.break_body(Fault.SERVER_ERROR, operation, 200, "application/json", {"workspace_id": 1}) is None
    )


@pytest.mark.parametrize(
    "body", [b"{}", b"null", b"[]", b"12345678", b'{"a":1}', b'[{"id":12345}]', b'"text"']
)
def test_truncated_json_never_parses(body: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(truncated_json(body))


def test_the_switch(contract: Contract) -> None:
    switch = FaultSwitch(contract.operations)
    assert switch.fault is None and not switch.on(Fault.WRONG_TYPE, "workspaces_list")
    switch.set("wrong_type", "workspaces_list, workspaces_create", 2)
    assert switch.on(Fault.WRONG_TYPE, "workspaces_list") and not switch.on(Fault.WRONG_TYPE, "models_list")
    assert not switch.on(Fault.BAD_ENUM, "workspaces_list")
    assert switch.snapshot()["operations"] == ["workspaces_create", "workspaces_list"]
    switch.set(Fault.SLOW_RESPONSE, [], 0)
    assert switch.operations is None and switch.delay == 0 and switch.selects("models_list")
    for fault, operations, delay in [
        ("teapot", None, 1),
        (3, None, 1),
        ("wrong_type", ["no_such_operation"], 1),
        ("wrong_type", [1], 1),
        ("slow_response", None, -1),
        ("slow_response", None, True),
    ]:
        with pytest.raises(FaultError):
            switch.set(fault, operations, delay)
    assert switch.fault is Fault.SLOW_RESPONSE  # a refused setting changes nothing
    switch.set(None)
    assert switch.fault is None and not switch.selects("models_list")


def test_graphql_wrong_type_breaks_the_first_value_the_sdl_fixes(contract: Contract) -> None:
    operation = contract.operations["graphql"]
    request = {"query": "{ workspace { id name archived } }"}  # id is a bigint: any JSON value fits
    answer = {"data": {"workspace": [{"id": 1, "name": "w", "archived": False}]}}
    assert broken_data(operation, request, answer) == "/data/workspace/0/name"
    assert answer == {"data": {"workspace": [{"id": 1, "name": 1, "archived": False}]}}
    missing = {"query": "{ workspace_by_pk(id: 9) { id } }"}
    assert broken_data(operation, missing, {"data": {"workspace_by_pk": None}}) is None  # nothing to break
    assert broken_data(contract.operations["workspaces_list"], request, answer) is None  # not GraphQL
