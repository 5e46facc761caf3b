"""`/_sandbox/fault`: read and switch the sandbox's fault at run time (see `sandbox.core.fault_switch`).

Not part of the contract: the routes are registered before the catch-all API route, so the
routing middleware lets them through and every other unknown path still answers 404.

Both methods need `Authorization: Bearer <SandboxSettings.admin_key>` (401 otherwise).
`GET` answers `{"fault", "operations", "delay", "faults": {name: description}}`. `POST` takes
`{"fault": name | null, "operations": [operationId, ...] | null, "delay": seconds}` (absent keys:
no fault, every operation, the settings' `fault_delay`), switches, and answers the new state;
an unknown fault or operation, a bad delay or a body that is not such an object is a 400 and
leaves the switch as it was.
"""

from __future__ import annotations

import hmac

import orjson
from aiohttp import web

from sandbox.core.auth import bearer_token
from sandbox.core.errors import ApiError
from sandbox.core.fault_switch import FaultError, FaultSwitch
from sandbox.core.responses import json_response

FAULT_PATH = "/_sandbox/fault"
_KEYS = frozenset({"fault", "operations", "delay"})
_SHAPE = '{"fault": name | null, "operations": [operationId, ...] | null, "delay": seconds}'


def add_fault_routes(app: web.Application, faults: FaultSwitch, admin_key: str, default_delay: float) -> None:
    expected = admin_key.encode()

    def authorize(request: web.Request) -> None:
        token = bearer_token(request)
        if token is None or not hmac.compare_digest(token.encode(), expected):
            challenge = {"WWW-Authenticate": 'Bearer realm="sandbox"'}
            raise ApiError(401, "the sandbox admin key is required", headers=challenge)

    async def read(request: web.Request) -> web.StreamResponse:
        authorize(request)
        return json_response(faults.snapshot())

    async def switch(request: web.Request) -> web.StreamResponse:
        authorize(request)
        try:
            payload = orjson.loads(await request.read())
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the body is not JSON: {exc}") from None
        if (
            not isinstance(payload, dict)
            or not set(payload) <= _KEYS
            or not isinstance(payload.get("operations", []), list)
        ):
            raise ApiError(400, f"expected {_SHAPE}")
        try:
            faults.set(payload.get("fault"), payload.get("operations"), payload.get("delay", default_delay))
        except FaultError as exc:
            raise ApiError(400, str(exc)) from None
        return json_response(faults.snapshot())

    app.router.add_get(FAULT_PATH, read)
    app.router.add_post(FAULT_PATH, switch)
