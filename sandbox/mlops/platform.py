"""Handler of the instance's client configuration: what `wallaroo.Client()` reads first.

The SDK needs `default_arch` (the architecture a model or deployment gets when none is named);
the sandbox stands in for an x86 cluster.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.responses import json_response

DEFAULT_ARCH = "x86"


async def config_get(request: web.Request) -> web.StreamResponse:
    return json_response({"default_arch": DEFAULT_ARCH})


HANDLERS: dict[str, Handler] = {"config_get": config_get}
