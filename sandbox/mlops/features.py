"""Handler of the MLOps API's features_list: the instance's enablement features, as documented."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.responses import json_response

INSTANCE_NAME = "Wallaroo Sandbox"


async def features_list(request: web.Request) -> web.StreamResponse:
    return json_response({"features": {"plateau": "true"}, "name": INSTANCE_NAME, "is_auth_enabled": True})


HANDLERS: dict[str, Handler] = {"features_list": features_list}
