"""The official clients work through the gateway unchanged: the Wallaroo SDK's generated client,
pointed at the gateway with a team key instead of upstream credentials, gets typed answers - and
typed errors when the gateway refuses a request. Every generated function that calls a contract
operation is driven (tests/support/client_drivers.py), so an operation added to the spec fails
this test until its driver is added. (The Openlayer SDK's proof runs in its own venv:
tests/sdk/test_openlayer_sdk.py.)"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from gateway.config import GatewayConfig, TeamConfig
from gateway.contract import Contract
from gateway.demo import sandbox_upstreams
from sandbox import SandboxServer
from tests.support.client_drivers import DRIVERS, REFUSED, DriveContext
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.generated_client import ClientFunction, functions_by_operation, is_typed
from tests.support.official_clients import wallaroo_generated_client


@pytest.fixture(scope="module")
def wallaroo_client_package() -> None:
    wallaroo_generated_client()


@pytest.fixture
async def gateway_url(sandbox: SandboxServer):
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("clients", (TEAM_KEY,)),),
    )
    async with running_gateway(config) as gateway:
        yield gateway.url


async def _drive(
    operation_id: str, function: ClientFunction, arguments: dict[str, Any], client: Any
) -> tuple[Any, str | None]:
    """(parsed answer, None), or (None, what went wrong): a 200 the client parses into its own
    model - or, for a REFUSED operation, the gateway's 400 naming the expected violation."""
    from wallaroo_ml_ops_api_client.errors import UnexpectedStatus

    try:
        answer = await function.call(client, arguments)
    except UnexpectedStatus as exc:  # a status the function does not document
        violations = orjson.loads(exc.content).get("violations", []) if exc.status_code == 400 else []
        if operation_id in REFUSED and [v["pointer"] for v in violations] == [REFUSED[operation_id]]:
            return None, None
        return None, f"unexpected {exc.status_code}: {exc.content[:300]!r}"
    except (KeyError, TypeError, ValueError) as exc:  # the client's parser choked on the answer
        return None, f"unparsable answer: {type(exc).__name__}: {exc}"
    if operation_id in REFUSED:
        return None, f"expected the gateway to refuse it, got {answer.status_code}"
    if answer.status_code != 200:
        return None, f"status {answer.status_code}: {answer.content[:300]!r}"
    if function.parses_a_value and not (answer.parsed is not None and is_typed(answer.parsed)):
        return None, f"parsed into {answer.parsed!r}"
    if not function.parses_a_value and answer.parsed is not None:
        return None, f"documented as null, parsed into {answer.parsed!r}"
    return answer.parsed, None


async def test_every_client_function_of_a_contract_operation_parses_its_answer(
    wallaroo_client_package, gateway_url, contract: Contract
) -> None:
    """Each generated function that calls a contract operation, driven with a realistic body
    through the gateway, gets a 200 that parses into the client's own model."""
    from wallaroo_ml_ops_api_client.client import AuthenticatedClient

    functions = functions_by_operation(contract)
    assert sorted(set(functions) - set(DRIVERS)) == [], (
        "client functions of contract operations without a driver"
    )
    assert sorted(set(DRIVERS) - set(functions)) == [], (
        "drivers of operations the client or the contract lost"
    )
    ctx, failures = DriveContext(), {}
    async with AuthenticatedClient(
        base_url=gateway_url, token=TEAM_KEY, raise_on_unexpected_status=True
    ) as client:
        for operation_id, driver in DRIVERS.items():
            try:
                arguments = driver(ctx)
            except (AttributeError, IndexError, KeyError, TypeError) as exc:
                failures[operation_id] = f"no arguments, an earlier answer is missing: {exc!r}"
                continue
            ctx.answers[operation_id], failures[operation_id] = await _drive(
                operation_id, functions[operation_id], arguments, client
            )
    failed = [f"{op}: {failure}" for op, failure in failures.items() if failure is not None]
    assert failed == [], "\n".join(failed)
    async with httpx.AsyncClient() as http:
        report = (
            await http.get(
                gateway_url + "/_gateway/violations", headers={"Authorization": f"Bearer {TEAM_KEY}"}
            )
        ).json()
    drift = {(row["operation"], row["direction"], row["pointer"]) for row in report["violations"]}
    assert drift == {(op, "request", pointer) for op, pointer in REFUSED.items()}  # no answer drifted


async def test_wallaroo_generated_client_gets_typed_errors(wallaroo_client_package, gateway_url) -> None:
    from wallaroo_ml_ops_api_client.api.workspace import workspaces_create
    from wallaroo_ml_ops_api_client.client import AuthenticatedClient
    from wallaroo_ml_ops_api_client.models.workspaces_create_body import WorkspacesCreateBody
    from wallaroo_ml_ops_api_client.models.workspaces_create_response_400 import WorkspacesCreateResponse400

    async with AuthenticatedClient(
        base_url=gateway_url, token=TEAM_KEY, raise_on_unexpected_status=True
    ) as client:
        refused = await workspaces_create.asyncio_detailed(client=client, body=WorkspacesCreateBody(42))
        assert refused.status_code == 400 and isinstance(refused.parsed, WorkspacesCreateResponse400)
        assert "workspaces_create" in refused.parsed.msg and refused.parsed.code == 400
