"""The sandbox's fault switch over real sockets: each fault, switched on, is visible in the raw HTTP
answer and makes the spec check fail where it should; with no fault the same calls conform; the
switch works from settings, from `python -m sandbox`'s options and environment, and at run time
through `/_sandbox/fault`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from multidict import CIMultiDictProxy

from gateway.contract import Contract, Violation
from sandbox import SandboxServer, start_sandbox
from sandbox.__main__ import parse_args, settings_from
from sandbox.core.fault_switch import DESCRIPTIONS, Fault
from sandbox.core.seed import HOUSEPRICE_MODEL, HOUSEPRICE_PIPELINE, HOUSEPRICE_WORKSPACE
from sandbox.faults.bodies import BodyFaults
from sandbox.faults.created_ids import stale
from sandbox.faults.middleware import FAULT_HEADER
from tests.support.sandbox import password_token, sandbox_settings
from tests.support.tutorial import ASSAY

FAULT_URL = "/_sandbox/fault"


@dataclass(frozen=True, slots=True)
class Raw:
    """An answer as it came off the wire: nothing parsed, nothing trusted."""

    operation_id: str
    status: int
    content_type: str
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Caller:
    """Posts JSON to spec operations by operationId and judges answers with the contract."""

    def __init__(self, http: aiohttp.ClientSession, server: SandboxServer, contract: Contract, token: str):
        self.http, self.server, self.contract, self.token = http, server, contract, token

    async def post(self, operation_id: str, json: Any = None, token: str | None = "", **kwargs: Any) -> Raw:
        headers = dict(kwargs.pop("headers", {}))
        bearer = self.token if token == "" else token
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        path = self.contract.operations[operation_id].path_template
        async with self.http.post(self.server.url + path, json=json, headers=headers, **kwargs) as response:
            body = await response.read()
            return Raw(operation_id, response.status, response.content_type, response.headers, body)

    def violations(self, raw: Raw) -> list[Violation]:
        """What the spec says is wrong with the answer (asserts it is documented and JSON)."""
        table = self.contract.operations[raw.operation_id].response_media(raw.status)
        assert table is not None, f"status {raw.status} is not documented"
        media = table.find(raw.headers.get("Content-Type"))
        assert media is not None and media.validator is not None, f"{raw.content_type} is not documented"
        return media.validator.violations(raw.json(), "response")

    def conforms(self, raw: Raw) -> bool:
        return self.violations(raw) == [] and FAULT_HEADER not in raw.headers

    def request_violations(self, operation_id: str, body: Any) -> list[Violation]:
        media = self.contract.operations[operation_id].request_media.find("application/json")
        assert media is not None and media.validator is not None
        return media.validator.violations(body, "body")


@pytest.fixture
async def call(sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract) -> Caller:
    return Caller(http, sandbox, contract, await password_token(http, sandbox))


def housepricedrift(sandbox: SandboxServer) -> int:
    return sandbox.store.workspace_by_name(HOUSEPRICE_WORKSPACE).id


def assay_definition(sandbox: SandboxServer) -> dict[str, Any]:
    """A v1 assay on the seeded pipeline, as assays_create and assays_run_interactive take it."""
    workspace = sandbox.store.workspace_by_name(HOUSEPRICE_WORKSPACE)
    return {
        **ASSAY,
        "name": f"assay-{time.monotonic_ns()}",
        "pipeline_id": workspace.pipeline_ids[0],
        "pipeline_name": HOUSEPRICE_PIPELINE,
        "workspace_id": workspace.id,
    }


def requests(sandbox: SandboxServer) -> dict[str, Any]:
    """A valid request body per operation the tests call."""
    workspace_id = housepricedrift(sandbox)
    model = sandbox.store.models_in(workspace_id)[0]
    return {
        "assays_run_interactive": {**assay_definition(sandbox), "id": 0},  # an unsaved assay
        "workspaces_create": {"workspace_name": f"ws-{time.monotonic_ns()}"},
        "workspaces_list": {},
        "workspaces_list_users": {"workspace_id": workspace_id},
        "workspaces_add_user": {"workspace_id": workspace_id, "email": sandbox.settings.admin_email},
        "models_list_versions": {"model_id": HOUSEPRICE_MODEL, "models_pk_id": model.id},
        "assays_v2_get": {"active": "All"},
    }


async def create_assay(call: Caller) -> tuple[int, int]:
    """A new v1 assay on the seeded pipeline: (assay id, pipeline id)."""
    definition = assay_definition(call.server)
    created = await call.post("assays_create", definition)
    assert created.status == 200, created.body
    return created.json()["assay_id"], definition["pipeline_id"]


# -- response-body faults ------------------------------------------------------------------------

BODY_CASES = [
    (Fault.MISSING_REQUIRED_FIELD, "workspaces_create", "/workspace_id", "required"),
    (Fault.MISSING_REQUIRED_FIELD, "workspaces_list", "/workspaces", "required"),
    (Fault.MISSING_REQUIRED_FIELD, "models_list_versions", "/0/sha", "required"),
    (Fault.WRONG_TYPE, "workspaces_create", "/workspace_id", "type"),
    (Fault.WRONG_TYPE, "workspaces_list", "/workspaces/0/id", "type"),
    (Fault.NULL_NOT_ALLOWED, "workspaces_create", "/workspace_id", "type"),
    (Fault.NULL_NOT_ALLOWED, "workspaces_list", "/workspaces", "type"),
    (Fault.BAD_ENUM, "workspaces_list_users", "/users/0/user_type", "enum"),
    (Fault.BAD_ENUM, "assays_run_interactive", "/0/status", "enum"),
    (Fault.BAD_ENUM, "assays_v2_get", "/0/summarizer/UnivariateContinuous/aggregation", "enum"),
]


def _at(document: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        document = document[int(part) if isinstance(document, list) else part]
    return document


@pytest.mark.parametrize(("fault", "operation_id", "pointer", "kind"), BODY_CASES)
async def test_body_faults_break_the_documented_field(
    sandbox: SandboxServer, call: Caller, fault: Fault, operation_id: str, pointer: str, kind: str
) -> None:
    body = requests(sandbox)[operation_id]
    normal = await call.post(operation_id, body)
    assert normal.status == 200 and call.conforms(normal), normal.body

    sandbox.faults.set(fault)
    broken = await call.post(operation_id, requests(sandbox)[operation_id])
    assert broken.status == 200 and broken.content_type == "application/json"
    assert broken.headers[FAULT_HEADER] == f"{fault}; pointer={pointer}"
    parent_pointer, _, name = pointer.rpartition("/")
    parent = _at(broken.json(), parent_pointer) if parent_pointer else broken.json()
    if fault is Fault.MISSING_REQUIRED_FIELD:
        assert name not in parent
    elif fault is Fault.WRONG_TYPE:
        assert type(_at(broken.json(), pointer)) is not type(_at(normal.json(), pointer))
    elif fault is Fault.NULL_NOT_ALLOWED:
        assert _at(broken.json(), pointer) is None
    else:
        assert _at(broken.json(), pointer) in ("Broken", "BROKEN")
    found = [(v.pointer, v.kind) for v in call.violations(broken)]
    assert (pointer, kind) in found, found


async def test_a_create_that_forgets_its_id_answers_an_empty_object(
    sandbox: SandboxServer, call: Caller
) -> None:
    sandbox.faults.set(Fault.MISSING_REQUIRED_FIELD)
    answer = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert answer.json() == {}


@pytest.mark.parametrize("fault", sorted(BodyFaults.BODY_FAULTS))
async def test_bodies_with_nothing_to_break_are_left_alone(
    sandbox: SandboxServer, call: Caller, fault: Fault
) -> None:
    sandbox.faults.set(fault)
    answer = await call.post("workspaces_add_user", requests(sandbox)["workspaces_add_user"])
    assert answer.status == 200 and answer.json() == {} and call.conforms(answer)


# -- status, media type, framing and timing faults -----------------------------------------------


async def test_undocumented_status(sandbox: SandboxServer, call: Caller, contract: Contract) -> None:
    sandbox.faults.set(Fault.UNDOCUMENTED_STATUS)
    answer = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert answer.status == 418 and answer.headers[FAULT_HEADER] == "undocumented_status"
    assert isinstance(answer.json()["workspace_id"], int)  # the body is the real one
    assert contract.operations["workspaces_create"].response_media(418) is None


async def test_wrong_content_type(sandbox: SandboxServer, call: Caller, contract: Contract) -> None:
    sandbox.faults.set(Fault.WRONG_CONTENT_TYPE)
    answer = await call.post("workspaces_list", {})
    assert answer.status == 200 and answer.content_type == "text/plain"
    assert "workspaces" in answer.json()  # still the JSON text, just mislabelled
    table = contract.operations["workspaces_list"].response_media(200)
    assert table is not None and table.find(answer.headers["Content-Type"]) is None


async def test_server_error_on_valid_input_only(
    sandbox: SandboxServer, call: Caller, contract: Contract
) -> None:
    sandbox.faults.set(Fault.SERVER_ERROR)
    answer = await call.post("workspaces_list", {})
    assert answer.status == 500 and answer.json()["code"] == 500
    assert contract.operations["workspaces_list"].response_media(500) is None
    invalid = await call.post("workspaces_create", {"workspace_name": 5})
    assert invalid.status == 400 and call.conforms(invalid)


async def test_malformed_json(sandbox: SandboxServer, call: Caller) -> None:
    sandbox.faults.set(Fault.MALFORMED_JSON)
    answer = await call.post("workspaces_list", {})
    assert answer.status == 200 and answer.content_type == "application/json"
    with pytest.raises(orjson.JSONDecodeError):
        answer.json()
    assert answer.body.startswith(b'{"workspaces":[')


async def test_slow_response(sandbox: SandboxServer, call: Caller) -> None:
    sandbox.faults.set(Fault.SLOW_RESPONSE, delay=0.6)
    with pytest.raises(asyncio.TimeoutError):
        await call.post("workspaces_list", {}, timeout=aiohttp.ClientTimeout(total=0.2))
    started = time.monotonic()
    answer = await call.post("workspaces_list", {})
    assert time.monotonic() - started >= 0.6
    assert answer.status == 200 and call.violations(answer) == []


# -- request-side faults -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "data"),
    [({"workspace_name": 5}, None), ({}, None), (None, b"{not json"), (None, b"")],
    ids=["wrong-type", "missing-field", "not-json", "empty"],
)
async def test_accepts_invalid(sandbox: SandboxServer, call: Caller, body: Any, data: bytes | None) -> None:
    refused = await call.post(
        "workspaces_create", body, data=data, headers={"Content-Type": "application/json"}
    )
    assert refused.status == 400

    sandbox.faults.set(Fault.ACCEPTS_INVALID)
    accepted = await call.post(
        "workspaces_create", body, data=data, headers={"Content-Type": "application/json"}
    )
    assert accepted.status == 200 and accepted.headers[FAULT_HEADER] == "accepts_invalid"
    assert call.violations(accepted) == []  # a plausible, valid-looking answer ...
    if body is not None:  # ... to a request the spec refuses
        assert call.request_violations("workspaces_create", body)
    valid = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert valid.status == 200 and call.conforms(valid)  # valid requests still reach the handler


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
async def test_ignores_auth(
    sandbox: SandboxServer, call: Caller, contract: Contract, token: str | None
) -> None:
    assert contract.operations["workspaces_create"].security
    assert (await call.post("workspaces_list", {}, token=token)).status == 401

    sandbox.faults.set(Fault.IGNORES_AUTH)
    created = await call.post("workspaces_create", requests(sandbox)["workspaces_create"], token=token)
    assert created.status == 200 and call.conforms(created)
    listed = await call.post("workspaces_list", {}, token=token)
    assert listed.status == 200 and call.conforms(listed)
    assert created.json()["workspace_id"] in [w["id"] for w in listed.json()["workspaces"]]


# -- stateful faults -----------------------------------------------------------------------------


async def test_created_workspace_missing_from_list(sandbox: SandboxServer, call: Caller) -> None:
    before = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    sandbox.faults.set(Fault.CREATED_MISSING_FROM_LIST)
    created = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert created.status == 200 and call.conforms(created)
    new_id = created.json()["workspace_id"]
    listed = await call.post("workspaces_list", {})
    ids = [w["id"] for w in listed.json()["workspaces"]]
    assert new_id not in ids and before.json()["workspace_id"] in ids
    assert call.violations(listed) == []  # only a stateful check can tell
    assert sandbox.store.workspace(new_id).id == new_id  # it does exist


async def test_created_assay_missing_from_list(sandbox: SandboxServer, call: Caller) -> None:
    sandbox.faults.set(Fault.CREATED_MISSING_FROM_LIST, operations=["assays_list"])
    assay_id, pipeline_id = await create_assay(call)
    listed = await call.post("assays_list", {"pipeline_id": pipeline_id})
    assert listed.status == 200 and call.violations(listed) == []
    assert assay_id not in [a["id"] for a in listed.json()]
    sandbox.faults.set(None)
    listed = await call.post("assays_list", {"pipeline_id": pipeline_id})
    assert assay_id in [a["id"] for a in listed.json()]


async def test_stale_ids(sandbox: SandboxServer, call: Caller) -> None:
    sandbox.faults.set(Fault.STALE_IDS)
    created = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert created.status == 200 and call.violations(created) == []
    stale = created.json()["workspace_id"]
    answer = await call.post("workspaces_list_users", {"workspace_id": stale})
    assert answer.status == 404 and call.conforms(answer)


async def test_stale_ids_keep_their_kind(sandbox: SandboxServer, call: Caller) -> None:
    """A uuid answer (v2 schedule's bare id) becomes another uuid, so only a later call can tell."""
    v2 = (await call.post("assays_v2_get", {"active": "All"})).json()[0]
    sandbox.faults.set(Fault.STALE_IDS, ["assays_v2_get"])
    assert (await call.post("assays_v2_get", {"active": "All"})).json()[0]["id"] == v2["id"], (
        "reads are left alone"
    )
    stale_id = stale(v2["id"])
    assert stale_id != v2["id"] and len(stale_id) == len(v2["id"])
    assert stale(41) == 1_000_041 and stale("name") == "name-stale"
    answer = await call.post("assays_v2_get_by_id", {"id": stale_id})
    assert answer.status == 404 and call.conforms(answer)


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_set_active_bare_ack(sandbox: SandboxServer, call: Caller, version: str) -> None:
    """The change is made, but the acknowledgement is `{}` rather than the documented body."""
    assay_id, pipeline_id = await create_assay(call)
    sandbox.faults.set(Fault.SET_ACTIVE_BARE_ACK)
    if version == "v1":
        answer = await call.post("assays_set_active", {"id": assay_id, "active": False})
        listed = (await call.post("assays_list", {"pipeline_id": pipeline_id})).json()
        assert next(a for a in listed if a["id"] == assay_id)["active"] is False
    else:
        assay = (await call.post("assays_v2_get", {"active": "All"})).json()[0]
        answer = await call.post(
            "assays_v2_set_active", {"assay_id": assay["id"], "active": not assay["active"]}
        )
        again = await call.post("assays_v2_get_by_id", {"id": assay["id"]})
        assert again.json()["active"] is not assay["active"]
    assert answer.status == 200 and answer.json() == {}
    assert call.violations(answer) != []


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_set_active_ignored(sandbox: SandboxServer, call: Caller, version: str) -> None:
    assay_id, pipeline_id = await create_assay(call)
    sandbox.faults.set(Fault.SET_ACTIVE_IGNORED)
    if version == "v1":
        answer = await call.post("assays_set_active", {"id": assay_id, "active": False})
        assert answer.status == 200 and answer.json() == {"id": assay_id, "active": False}
        listed = (await call.post("assays_list", {"pipeline_id": pipeline_id})).json()
        assert next(a for a in listed if a["id"] == assay_id)["active"] is True
    else:
        assay = (await call.post("assays_v2_get", {"active": "All"})).json()[0]
        answer = await call.post(
            "assays_v2_set_active", {"assay_id": assay["id"], "active": not assay["active"]}
        )
        assert answer.status == 200 and answer.json() is None
        again = await call.post("assays_v2_get_by_id", {"id": assay["id"]})
        assert again.json()["active"] is assay["active"]
    assert call.violations(answer) == []


# -- switching -----------------------------------------------------------------------------------


async def test_operations_limit_the_fault(sandbox: SandboxServer, call: Caller) -> None:
    sandbox.faults.set(Fault.WRONG_TYPE, operations=["workspaces_list"])
    created = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert call.conforms(created)
    listed = await call.post("workspaces_list", {})
    assert call.violations(listed)


async def test_switching_at_run_time(
    sandbox: SandboxServer, call: Caller, http: aiohttp.ClientSession
) -> None:
    admin = {"Authorization": f"Bearer {sandbox.settings.admin_key}"}
    async with http.get(sandbox.url + FAULT_URL, headers=admin) as r:
        state = await r.json()
    assert r.status == 200 and state["fault"] is None and state["operations"] is None
    assert state["faults"] == {fault.value: text for fault, text in DESCRIPTIONS.items()}

    wanted = {"fault": "wrong_type", "operations": ["workspaces_create"], "delay": 1}
    async with http.post(sandbox.url + FAULT_URL, json=wanted, headers=admin) as r:
        assert r.status == 200 and {k: (await r.json())[k] for k in wanted} == wanted
    broken = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert [(v.pointer, v.kind) for v in call.violations(broken)] == [("/workspace_id", "type")]

    async with http.post(sandbox.url + FAULT_URL, json={"fault": None}, headers=admin) as r:
        assert r.status == 200 and (await r.json())["fault"] is None
    restored = await call.post("workspaces_create", requests(sandbox)["workspaces_create"])
    assert restored.status == 200 and call.conforms(restored)


@pytest.mark.parametrize(
    "payload",
    [
        {"fault": "teapot"},
        {"fault": 3},
        {"fault": "wrong_type", "operations": ["no_such_operation"]},
        {"fault": "wrong_type", "operations": "workspaces_list"},
        {"fault": "slow_response", "delay": -1},
        {"fault": "wrong_type", "colour": "red"},
        ["wrong_type"],
    ],
)
async def test_the_admin_endpoint_refuses_what_it_cannot_apply(
    sandbox: SandboxServer, http: aiohttp.ClientSession, payload: Any
) -> None:
    sandbox.faults.set(Fault.BAD_ENUM)
    admin = {"Authorization": f"Bearer {sandbox.settings.admin_key}"}
    async with http.post(sandbox.url + FAULT_URL, json=payload, headers=admin) as r:
        assert r.status == 400 and "msg" in await r.json()
    assert sandbox.faults.fault is Fault.BAD_ENUM  # unchanged


async def test_the_admin_endpoint_needs_the_admin_key(
    sandbox: SandboxServer, http: aiohttp.ClientSession, call: Caller
) -> None:
    for headers in ({}, {"Authorization": f"Bearer {call.token}"}):
        async with http.post(sandbox.url + FAULT_URL, json={"fault": "server_error"}, headers=headers) as r:
            assert r.status == 401
        async with http.get(sandbox.url + FAULT_URL, headers=headers) as r:
            assert r.status == 401
    assert sandbox.faults.fault is None
    async with http.post(sandbox.url + "/_sandbox/other", json={}) as r:
        assert r.status == 404  # only the fault endpoint is added; other unknown paths still 404


async def test_switched_on_at_start_up(
    tmp_path: Any, http: aiohttp.ClientSession, contract: Contract
) -> None:
    settings = sandbox_settings(tmp_path, fault=Fault.WRONG_TYPE, fault_operations=("workspaces_create",))
    server = await start_sandbox(settings, contract=contract)
    try:
        call = Caller(http, server, contract, await password_token(http, server))
        created = await call.post("workspaces_create", {"workspace_name": "at-start"})
        assert isinstance(created.json()["workspace_id"], str) and call.violations(created)
        assert call.conforms(await call.post("workspaces_list", {}))
    finally:
        await server.close()


def test_command_line_and_environment() -> None:
    environ = {
        "SANDBOX_FAULT": "wrong_type",
        "SANDBOX_FAULT_OPERATIONS": "workspaces_list, workspaces_create",
        "SANDBOX_FAULT_DELAY": "0.5",
    }
    settings = settings_from(parse_args([], environ))
    assert settings.fault is Fault.WRONG_TYPE
    assert settings.fault_operations == ("workspaces_create", "workspaces_list")
    assert settings.fault_delay == 0.5
    flags = settings_from(parse_args(["--fault", "slow_response", "--fault-delay", "2"], environ))
    assert (flags.fault, flags.fault_delay) == (Fault.SLOW_RESPONSE, 2.0)
    assert settings_from(parse_args([], {})).fault is None
    with pytest.raises(SystemExit):
        parse_args([], {"SANDBOX_FAULT": "teapot"})
