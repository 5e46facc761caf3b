"""The documents' tutorial, end to end over real sockets: straight against the sandbox (the
sandbox honours the contract) and through the gateway (every operation reachable, every answer
still valid, nothing reported as drift, and no team ever holding an upstream token)."""

from __future__ import annotations

import aiohttp

from gateway.config import GatewayConfig, TeamConfig, ValidationConfig
from gateway.contract import Contract
from gateway.demo import sandbox_upstreams
from sandbox import SandboxServer
from sandbox.core.context import REALM
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.sandbox import SpecClient, password_token
from tests.support.tutorial import run_tutorial


def documented(contract: Contract) -> set[str]:
    """The operations of the documents (the tutorial's); the SDK's own are tests/sdk's."""
    return {
        op_id
        for op_id, op in contract.operations.items()
        if not str(op.spec.get("x-mlops-source", "documents")).startswith("sdk ")
    }


async def test_tutorial_against_the_sandbox(
    sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract
) -> None:
    api = SpecClient(http, sandbox.url, contract)
    api.token = await password_token(http, sandbox)
    openlayer = SpecClient(http, sandbox.url, contract)
    openlayer.token = sandbox.settings.openlayer_api_keys[0]
    await run_tutorial(api, openlayer)
    assert api.operations_seen | openlayer.operations_seen == documented(contract)


async def test_tutorial_through_the_gateway(
    sandbox: SandboxServer, http: aiohttp.ClientSession, contract: Contract
) -> None:
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("tutorial", (TEAM_KEY,)),),
        validation=ValidationConfig(request="enforce", response="enforce"),
    )
    async with running_gateway(config) as gateway:
        api = SpecClient(http, gateway.url, contract)
        api.token = TEAM_KEY  # the team holds only its gateway key
        await run_tutorial(api, api)
        assert api.operations_seen == documented(contract)
        async with http.get(
            gateway.url + "/_gateway/violations", headers={"Authorization": f"Bearer {TEAM_KEY}"}
        ) as r:
            report = await r.json()
        assert report["total"] == 0, report["violations"]
        async with http.get(gateway.url + "/metrics") as r:
            metrics = await r.text()
    assert 'team="tutorial"' in metrics and TEAM_KEY not in metrics
    assert sandbox.app[REALM].issued["password"] == 1  # one login served the whole tutorial
