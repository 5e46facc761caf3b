"""Typed keys and accessors for what the sandbox's middlewares hand its handlers.

The app carries the settings, the store, the token realm and the fault switch; each API request
carries its spec operation, its decoded and validated inputs, and the caller's token claims.
Handlers read them through the small functions here instead of poking at dictionaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.contract import Operation
from sandbox.core.fault_switch import FaultSwitch
from sandbox.core.records import StoredFile
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import Store
from sandbox.keycloak.realm import TokenRealm

SETTINGS = web.AppKey("settings", SandboxSettings)
STORE = web.AppKey("store", Store)
REALM = web.AppKey("realm", TokenRealm)
FAULTS = web.AppKey("faults", FaultSwitch)

OPERATION = web.RequestKey("operation", Operation)
PATH_PARAMS: web.RequestKey[dict[str, str]] = web.RequestKey("path_params", dict)
QUERY: web.RequestKey[dict[str, Any]] = web.RequestKey("query", dict)
BODY = web.RequestKey("body", object)
MEDIA_TYPE = web.RequestKey("media_type", str)
CLAIMS: web.RequestKey[dict[str, Any]] = web.RequestKey("claims", dict)


@dataclass(frozen=True, slots=True)
class FormData:
    """A decoded multipart body: text fields (typed per the schema) and spooled file parts."""

    fields: dict[str, Any]
    files: dict[str, StoredFile]


FORM = web.RequestKey("form", FormData)
UPLOAD = web.RequestKey("upload", StoredFile)

_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)


def store(request: web.Request) -> Store:
    return request.app[STORE]


def settings(request: web.Request) -> SandboxSettings:
    return request.app[SETTINGS]


def body(request: web.Request) -> Any:
    """The request's JSON body, parsed and valid against the operation's schema."""
    return request[BODY]


def query(request: web.Request) -> dict[str, Any]:
    """The operation's declared query parameters, coerced to their schema types."""
    return request[QUERY]


def caller_id(request: web.Request) -> str:
    """The Keycloak id (`sub`) of the user whose bearer token authenticated the request."""
    return str(request[CLAIMS]["sub"])


def public_base_url(request: web.Request) -> str:
    """`scheme://host` as the client sees this server, honouring X-Forwarded-Proto/-Host (first
    value) so that URLs handed out through a gateway point at the gateway."""
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    scheme = proto if proto in ("http", "https") else request.scheme
    for host in (forwarded, request.headers.get("Host", "")):
        if _HOST.fullmatch(host):
            return f"{scheme}://{host}"
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    address = f"{sockname[0]}:{sockname[1]}" if sockname else "127.0.0.1"
    return f"{scheme}://{address}"
