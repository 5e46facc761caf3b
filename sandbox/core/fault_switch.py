"""The sandbox's fault switch: one contract fault at a time, for proving that checks catch it.

A conformance suite is only worth something if it notices a broken upstream. With a fault on, the
sandbox breaks its contract in exactly one way (`Fault`), on every operation where that fault makes
sense or only on the operations named in `FaultSwitch.operations`. The switch is set at start-up
(`SandboxSettings.fault`, `fault_operations`, `fault_delay`; `python -m sandbox --fault` or
`SANDBOX_FAULT`) and at run time (`POST /_sandbox/fault`, see `sandbox.faults.admin`).

This module holds only the names and the state; `sandbox.faults.middleware` acts on answers,
`sandbox.faults.bodies` finds what to break in a body, and the auth and validation middlewares ask
`FaultSwitch.on` for the two faults that live in them (ignores_auth, accepts_invalid).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class Fault(StrEnum):
    """One kind of contract break; the value is the name used by settings, CLI, env and admin API."""

    MISSING_REQUIRED_FIELD = "missing_required_field"
    WRONG_TYPE = "wrong_type"
    NULL_NOT_ALLOWED = "null_not_allowed"
    BAD_ENUM = "bad_enum"
    UNDOCUMENTED_STATUS = "undocumented_status"
    WRONG_CONTENT_TYPE = "wrong_content_type"
    SERVER_ERROR = "server_error"
    ACCEPTS_INVALID = "accepts_invalid"
    IGNORES_AUTH = "ignores_auth"
    CREATED_MISSING_FROM_LIST = "created_missing_from_list"
    MALFORMED_JSON = "malformed_json"
    SLOW_RESPONSE = "slow_response"
    STALE_IDS = "stale_ids"
    SET_ACTIVE_IGNORED = "set_active_ignored"
    GRAPHQL_WRONG_TYPE = "graphql_wrong_type"
    SET_ACTIVE_BARE_ACK = "set_active_bare_ack"


#: What each fault does, as the README and `GET /_sandbox/fault` describe it.
DESCRIPTIONS: dict[Fault, str] = {
    Fault.MISSING_REQUIRED_FIELD: "the first required property present in a success body is dropped "
    "(breadth first: the top-level object, or the first item of an array body, before nested ones)",
    Fault.WRONG_TYPE: "the first field of a success body whose value can change type does (scalars "
    "first: integer -> its decimal string, string -> its length, boolean -> 'true'/'false')",
    Fault.NULL_NOT_ALLOWED: "the first field of a success body whose schema forbids null is null",
    Fault.BAD_ENUM: "the first enum-typed field of a success body gets a value outside its enum "
    "('Broken', or 'BROKEN' for upper-case enums)",
    Fault.UNDOCUMENTED_STATUS: "success answers carry status 418 (299 if 418 were documented), body kept",
    Fault.WRONG_CONTENT_TYPE: "success answers say text/plain (text/html if text/plain were "
    "documented), body kept",
    Fault.SERVER_ERROR: "valid requests answer 500 with an Error body (after the handler ran)",
    Fault.ACCEPTS_INVALID: "requests failing validation (400) answer 200 with the spec's example "
    "success body instead; the handler is not called",
    Fault.IGNORES_AUTH: "missing or bad credentials are not refused: the request runs as the admin user",
    Fault.CREATED_MISSING_FROM_LIST: "items created while the fault is on are left out of their list "
    "(workspaces_create/workspaces_list, assays_create/assays_list, models upload/models_list)",
    Fault.MALFORMED_JSON: "success bodies are cut in half (still application/json), so they do not parse",
    Fault.SLOW_RESPONSE: "success answers are held back for the fault's delay (default 5 s)",
    Fault.STALE_IDS: "create operations answer ids that do not exist where their links read them "
    "(any writing operation; the places are read from the spec's links), so later calls with them get 404",
    Fault.SET_ACTIVE_IGNORED: "assays_set_active / assays_v2_set_active answer success but change nothing",
    Fault.GRAPHQL_WRONG_TYPE: "the first value of a GraphQL answer's data whose SDL type fixes its JSON type "
    "(Int, String, Boolean, an enum; not custom scalars) gets another JSON type, as wrong_type does",
    Fault.SET_ACTIVE_BARE_ACK: "assays_set_active / assays_v2_set_active make the change but acknowledge "
    "it with {} instead of their documented body",
}

DEFAULT_DELAY = 5.0


class FaultError(ValueError):
    """A fault setting that cannot be applied: unknown fault or operation, or a bad delay."""


def parse_fault(name: object) -> Fault | None:
    """`None` or `""` is no fault; anything else must be a `Fault` value."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise FaultError(f"a fault is named by a string, not {name!r}")
    if not name.strip():
        return None
    try:
        return Fault(name.strip())
    except ValueError:
        raise FaultError(
            f"unknown fault {name!r}; known faults: {', '.join(f.value for f in Fault)}"
        ) from None


def parse_operations(names: object) -> frozenset[str] | None:
    """Comma-separated text or a list of operationIds; `None` or empty means every operation."""
    if names is None:
        return None
    items = names.split(",") if isinstance(names, str) else names
    if not isinstance(items, list | tuple | set | frozenset) or not all(isinstance(i, str) for i in items):
        raise FaultError("operations must be a list of operationIds")
    cleaned = frozenset(item.strip() for item in items if item.strip())
    return cleaned or None


class FaultSwitch:
    """The fault in force (at most one), the operations it is limited to, and its delay.

    `on` is what the hot path asks, and costs one comparison when no fault is set. Switching resets
    what a fault remembered (the ids hidden by created_missing_from_list).
    """

    def __init__(self, known_operations: Iterable[str], stand_in_subject: str = "") -> None:
        self.known_operations = frozenset(known_operations)
        #: The `sub` a request runs as when ignores_auth lets it in without valid credentials.
        self.stand_in_subject = stand_in_subject
        self.fault: Fault | None = None
        self.operations: frozenset[str] | None = None
        self.delay = DEFAULT_DELAY
        self.hidden: set[tuple[str, Any]] = set()

    def set(
        self,
        fault: object,
        operations: object = None,
        delay: object = DEFAULT_DELAY,
    ) -> None:
        """Switch to `fault` (a `Fault` or its name; None: off) on `operations` (operationIds, a list
        or comma-separated; None: all), with `delay` seconds for slow_response. Raises FaultError
        and changes nothing when any of them is unusable."""
        chosen = parse_fault(fault)
        selected = parse_operations(operations)
        unknown = sorted((selected or frozenset()) - self.known_operations)
        if unknown:
            raise FaultError(f"unknown operations: {', '.join(unknown)}")
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 3600:
            raise FaultError(f"delay must be a number of seconds between 0 and 3600, not {delay!r}")
        self.fault, self.operations, self.delay = chosen, selected, float(delay)
        self.hidden = set()

    def on(self, fault: Fault, operation_id: str) -> bool:
        """Whether `fault` is in force for `operation_id`."""
        return self.fault is fault and (self.operations is None or operation_id in self.operations)

    def selects(self, operation_id: str) -> bool:
        """Whether the fault in force (whichever it is) covers `operation_id`."""
        return self.fault is not None and (self.operations is None or operation_id in self.operations)

    def snapshot(self) -> dict[str, Any]:
        """The state as `GET /_sandbox/fault` answers it."""
        return {
            "fault": self.fault.value if self.fault else None,
            "operations": sorted(self.operations) if self.operations is not None else None,
            "delay": self.delay,
            "faults": {fault.value: text for fault, text in DESCRIPTIONS.items()},
        }
