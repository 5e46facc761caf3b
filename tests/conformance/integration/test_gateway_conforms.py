"""The gateway conforms to the contract it enforces: the same suite, run through a gateway in
front of the fault-free sandbox with only the team's gateway key (`--via-gateway`), reports
nothing but the sandbox's known bugs (which the gateway passes on). The gateway's own answers
(401, 400, 405, 413, 415 as problem+json) are documented, so they pass the checks too. Every
GraphQL root field is fuzzed through it too, and the gateway forwards every generated query."""

from __future__ import annotations

import time

from gateway.config import GatewayConfig, TeamConfig, ValidationConfig
from gateway.contract import Contract
from gateway.demo import sandbox_upstreams
from sandbox import SandboxServer
from tests.support.conformance import assert_conforms, run_suite
from tests.support.gateway import TEAM_KEY, running_gateway


def gateway_for(sandbox: SandboxServer) -> GatewayConfig:
    return GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("conformance", (TEAM_KEY,)),),
        validation=ValidationConfig(request="enforce", response="enforce"),
    )


async def test_the_gateway_conforms(sandbox: SandboxServer, contract: Contract) -> None:
    async with running_gateway(gateway_for(sandbox)) as gateway:
        started = time.monotonic()
        argv = ["--base-url", gateway.url, "--via-gateway", "--gateway-key", TEAM_KEY]
        plan, result = await run_suite([*argv, "--allow-writes", "--stateful", "--seed", "2"], contract)
        elapsed = time.monotonic() - started
    graphql = set(result.graphql_fields())
    assert plan.graphql is not None and graphql == set(plan.graphql.labels().values())
    assert set(result.requests) - graphql == set(contract.operations)
    # generated GraphQL stays within the gateway's limits: nothing it refused (400), all answered 2xx
    assert all(result.successes.get(name) == result.requests[name] for name in graphql)
    assert_conforms(result)
    print(f"via-gateway run: {sum(result.requests.values())} requests in {elapsed:.1f} s")
