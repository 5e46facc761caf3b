"""The Wallaroo generated client's api functions, each mapped to the contract operation it calls.

Every module under `wallaroo_ml_ops_api_client.api` is one endpoint function; the method and URL
it requests are the literals its `_get_kwargs` writes. Matching them against the contract tells
which functions reach a spec operation, so a test can require a driver for each of them - an
operation added to the spec makes its client function required without anyone listing it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from uuid import UUID

import attrs

from gateway.contract import Contract, MethodNotAllowed, PathNotFound
from tests.support.official_clients import PACKAGE, wallaroo_generated_client

_METHOD = re.compile(r'"method": "(\w+)"')
_URL = re.compile(r'"url": "([^"]+)"')
#: The 200 branch of a `_parse_response` that parses nothing (`return None`, `cast(Any, None)`).
_NOTHING_ON_200 = re.compile(r"status_code == 200:\s*(?:return None|response_200 = cast\(Any, None\))")
#: The generated names of error answers: ...Response400, ...Response500Error and the like.
_ERROR_MODEL = re.compile(r"Response[45]\d\d")


@dataclass(frozen=True, slots=True)
class ClientFunction:
    """One generated endpoint function: its module, and the request it makes."""

    name: str
    module: ModuleType
    method: str
    url: str

    @property
    def parses_a_value(self) -> bool:
        """Whether a 200 answer parses into a value (False: the client's parser returns None)."""
        return _NOTHING_ON_200.search(inspect.getsource(self.module._parse_response)) is None

    def body_type(self) -> Any:
        """The class of the function's `body` argument (None when it takes no body)."""
        parameter = inspect.signature(self.module.asyncio_detailed).parameters.get("body")
        return None if parameter is None else parameter.annotation

    async def call(self, client: Any, arguments: dict[str, Any]) -> Any:
        """`asyncio_detailed` with `arguments`; a plain-dict body goes through the body model's
        `from_dict`, as the SDK builds its bodies."""
        body, body_type = arguments.get("body"), self.body_type()
        if isinstance(body, dict) and hasattr(body_type, "from_dict"):
            arguments = {**arguments, "body": body_type.from_dict(body)}
        return await self.module.asyncio_detailed(client=client, **arguments)


def client_functions() -> list[ClientFunction]:
    """Every endpoint function of the generated client, by module name ("assays.schedule")."""
    wallaroo_generated_client()
    api = importlib.import_module(f"{PACKAGE}.api")
    found = []
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        source = inspect.getsource(module._get_kwargs)
        method, url = _METHOD.search(source), _URL.search(source)
        assert method is not None and url is not None, f"{info.name}: no literal method and url"
        name = info.name.removeprefix(f"{api.__name__}.")
        found.append(ClientFunction(name, module, method.group(1).upper(), url.group(1)))
    return found


def functions_by_operation(contract: Contract) -> dict[str, ClientFunction]:
    """operationId -> the client function that calls it, for every function the contract knows."""
    mapped: dict[str, ClientFunction] = {}
    for function in client_functions():
        try:
            operation, _ = contract.match(function.method, function.url)
        except (PathNotFound, MethodNotAllowed):
            continue
        other = mapped.setdefault(operation.operation_id, function)
        assert other is function, f"{other.name} and {function.name} both call {operation.operation_id}"
    return mapped


def is_typed(value: Any) -> bool:
    """Whether a parsed answer is the client's own model (an attrs class, a UUID, a list of them)
    and not one of its error models."""
    if isinstance(value, list):
        return all(is_typed(item) for item in value)
    if isinstance(value, UUID):
        return True
    return attrs.has(type(value)) and _ERROR_MODEL.search(type(value).__name__) is None
