"""The fault middleware: breaks the handler's success answer the way the switched-on fault says.

It sits innermost (after validation), so it sees only requests that passed routing, auth and
validation, and their handlers' answers; error answers pass untouched, so each fault stays one
fault. With no fault set it costs one attribute read. Faults that live elsewhere: ignores_auth in
`sandbox.core.auth`, accepts_invalid in `sandbox.core.validation`.

Changed answers carry `X-Sandbox-Fault: <fault>` (with `; pointer=<JSON pointer>` for body faults),
so a failing check can be traced back to the fault that caused it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from gateway.contract import BodyKind, Operation, media_kind
from gateway.contract.links import writes_upstream
from sandbox.core.context import OPERATION, body
from sandbox.core.fault_switch import Fault, FaultSwitch
from sandbox.core.responses import error_response, json_response
from sandbox.faults.bodies import BodyFaults, JsonPath
from sandbox.faults.created_ids import answer_paths, with_stale_ids
from sandbox.faults.graphql_data import broken_data

FAULT_HEADER = "X-Sandbox-Fault"
UNDOCUMENTED_STATUSES = (418, 299)


@dataclass(frozen=True, slots=True)
class Listing:
    """A create operation, where its answer holds the new id, and the list operation that shows the
    created item (an object with that `id`) in the array at `items_at`."""

    create: str
    id_at: JsonPath
    list: str
    items_at: JsonPath


_MODEL_ID: JsonPath = ("insert_models", "returning", 0, "models", 0, "id")
LISTINGS = (
    Listing("workspaces_create", ("workspace_id",), "workspaces_list", ("workspaces",)),
    Listing("assays_create", ("assay_id",), "assays_list", ()),
    Listing("models_upload", _MODEL_ID, "models_list", ("models",)),
    Listing("models_upload_stream", _MODEL_ID, "models_list", ("models",)),
)
#: What a set_active operation answers, from its request body, when set_active_ignored skips it.
SET_ACTIVE_ANSWERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "assays_set_active": lambda request: {"id": request["id"], "active": request["active"]},
    "assays_v2_set_active": lambda request: None,
}


def _get(document: Any, path: JsonPath) -> Any:
    for part in path:
        document = document[part]
    return document


def marked(response: web.Response, fault: Fault, pointer: str | None = None) -> web.Response:
    """`response`, labelled with the fault that shaped it."""
    response.headers[FAULT_HEADER] = fault.value if pointer is None else f"{fault.value}; pointer={pointer}"
    return response


def _raw(body: bytes, status: int, content_type: str) -> web.Response:
    return web.Response(body=body, status=status, headers={"Content-Type": content_type})


Rewrite = Callable[[Operation, web.Response], web.Response]


class _Rewriter:
    """Turns one success answer into its faulty twin: one small method per answer-shaping fault."""

    def __init__(self, faults: FaultSwitch, bodies: BodyFaults) -> None:
        self.faults = faults
        self.bodies = bodies
        self.by_fault: dict[Fault, Rewrite] = {
            Fault.SERVER_ERROR: self._server_error,
            Fault.UNDOCUMENTED_STATUS: self._undocumented_status,
            Fault.WRONG_CONTENT_TYPE: self._wrong_content_type,
            Fault.MALFORMED_JSON: self._malformed_json,
            Fault.CREATED_MISSING_FROM_LIST: self._hide_created,
            Fault.STALE_IDS: self._stale_id,
            Fault.SET_ACTIVE_BARE_ACK: self._bare_ack,
            **{fault: self._broken_body for fault in BodyFaults.BODY_FAULTS},
        }

    def rewrite(self, fault: Fault, operation: Operation, response: web.Response) -> web.Response:
        rewrite = self.by_fault.get(fault)
        return response if rewrite is None else rewrite(operation, response)

    def _server_error(self, operation: Operation, response: web.Response) -> web.Response:
        return marked(error_response(500, "injected fault: server_error"), Fault.SERVER_ERROR)

    def _undocumented_status(self, operation: Operation, response: web.Response) -> web.Response:
        status = next((s for s in UNDOCUMENTED_STATUSES if operation.response_media(s) is None), None)
        if status is None:
            return response
        return marked(_raw(_body(response), status, response.content_type), Fault.UNDOCUMENTED_STATUS)

    def _wrong_content_type(self, operation: Operation, response: web.Response) -> web.Response:
        table = operation.response_media(response.status)
        wrong = "text/plain" if table is None or table.find("text/plain") is None else "text/html"
        return marked(_raw(_body(response), response.status, wrong), Fault.WRONG_CONTENT_TYPE)

    def _malformed_json(self, operation: Operation, response: web.Response) -> web.Response:
        if media_kind(response.content_type) is not BodyKind.JSON:
            return response
        broken = truncated_json(_body(response))
        return marked(_raw(broken, response.status, response.content_type), Fault.MALFORMED_JSON)

    def _broken_body(self, operation: Operation, response: web.Response) -> web.Response:
        fault = self.faults.fault
        assert fault is not None
        document = orjson.loads(_body(response))
        broken = self.bodies.break_body(fault, operation, response.status, response.content_type, document)
        if broken is None:
            return response
        return marked(json_response(broken.document, response.status), fault, broken.pointer)

    def _stale_id(self, operation: Operation, response: web.Response) -> web.Response:
        paths = answer_paths(operation.spec) if writes_upstream(operation.spec) else ()
        if not paths:
            return response
        document = with_stale_ids(orjson.loads(_body(response)), paths)
        return marked(json_response(document, response.status), Fault.STALE_IDS)

    def _bare_ack(self, operation: Operation, response: web.Response) -> web.Response:
        if operation.operation_id not in SET_ACTIVE_ANSWERS:
            return response
        return marked(json_response({}, response.status), Fault.SET_ACTIVE_BARE_ACK)

    def _hide_created(self, operation: Operation, response: web.Response) -> web.Response:
        operation_id, hidden = operation.operation_id, self.faults.hidden
        for listing in LISTINGS:
            if not (self.faults.selects(listing.create) or self.faults.selects(listing.list)):
                continue
            if operation_id == listing.create:
                hidden.add((listing.list, _get(orjson.loads(_body(response)), listing.id_at)))
            elif operation_id == listing.list and hidden:
                document = orjson.loads(_body(response))
                items = _get(document, listing.items_at)
                kept = [item for item in items if (listing.list, item.get("id")) not in hidden]
                if len(kept) < len(items):
                    items[:] = kept
                    return marked(json_response(document, response.status), Fault.CREATED_MISSING_FROM_LIST)
        return response


def _body(response: web.Response) -> bytes:
    assert isinstance(response.body, bytes)  # the middleware rewrites only byte bodies
    return response.body


def truncated_json(raw: bytes) -> bytes:
    """The first half of a JSON text, made sure not to parse (a cut number still would)."""
    cut = raw[: len(raw) // 2]
    try:
        orjson.loads(cut)
    except orjson.JSONDecodeError:
        return cut
    return cut + b"{"


def stand_in_hook(faults: FaultSwitch) -> Callable[[Operation], dict[str, Any] | None]:
    """The auth middleware's hook: with ignores_auth on, refused credentials run as the stand-in."""

    def stand_in(operation: Operation) -> dict[str, Any] | None:
        if faults.on(Fault.IGNORES_AUTH, operation.operation_id):
            return {"sub": faults.stand_in_subject}
        return None

    return stand_in


def accept_invalid_hook(
    faults: FaultSwitch, bodies: BodyFaults
) -> Callable[[Operation], web.Response | None]:
    """The validation middleware's hook: with accepts_invalid on, an invalid request gets the
    operation's plausible success answer instead of its 400."""

    def accept(operation: Operation) -> web.Response | None:
        if not faults.on(Fault.ACCEPTS_INVALID, operation.operation_id):
            return None
        plausible = bodies.plausible_body(operation)
        if plausible is None:
            return None
        status, document = plausible
        return marked(json_response(document, status), Fault.ACCEPTS_INVALID)

    return accept


def fault_middleware(faults: FaultSwitch, bodies: BodyFaults) -> Middleware:
    rewriter = _Rewriter(faults, bodies)

    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = faults.fault
        operation = request.get(OPERATION)
        if fault is None or operation is None:
            return await handler(request)
        operation_id = operation.operation_id
        if operation_id in SET_ACTIVE_ANSWERS and faults.on(Fault.SET_ACTIVE_IGNORED, operation_id):
            return marked(json_response(SET_ACTIVE_ANSWERS[operation_id](body(request))), fault)
        response = await handler(request)
        if (
            not 200 <= response.status < 300
            or not isinstance(response, web.Response)
            or not isinstance(response.body, bytes)
        ):
            return response
        if fault is Fault.SLOW_RESPONSE and faults.on(fault, operation_id):
            await asyncio.sleep(faults.delay)
            return marked(response, fault)
        if fault is Fault.GRAPHQL_WRONG_TYPE and faults.on(fault, operation_id):
            document = orjson.loads(_body(response))
            pointer = broken_data(operation, body(request), document)
            if pointer is None:
                return response
            return marked(json_response(document, response.status), fault, pointer)
        if fault is Fault.CREATED_MISSING_FROM_LIST or faults.on(fault, operation_id):
            return rewriter.rewrite(fault, operation, response)
        return response

    return inject
