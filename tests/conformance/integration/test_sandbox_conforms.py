"""The fault-free sandbox conforms: every operation (writes included), every phase, stateful
links followed, every GraphQL root field (queries and mutations), with the default number of
examples, and nothing is reported."""

from __future__ import annotations

import time

from gateway.contract import Contract
from sandbox import SandboxServer
from tests.support.conformance import assert_conforms, run_suite, sandbox_argv


async def test_every_operation_conforms(sandbox: SandboxServer, contract: Contract) -> None:
    started = time.monotonic()
    argv = sandbox_argv(sandbox, "--allow-writes", "--stateful", "--seed", "1")
    plan, result = await run_suite(argv, contract)
    elapsed = time.monotonic() - started
    assert set(plan.operations.operation_ids) == set(contract.operations)
    assert result.phases == ("examples", "coverage", "fuzzing", "stateful")
    assert plan.graphql is not None and set(plan.graphql.fields) == {"query", "mutation"}
    fields = set(plan.graphql.labels().values())
    assert set(result.requests) == set(contract.operations) | fields, "every operation and GraphQL root field"
    assert_conforms(result)
    print(f"full sandbox run: {sum(result.requests.values())} requests in {elapsed:.1f} s")
