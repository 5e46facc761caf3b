"""The fault-free sandbox conforms: every operation (writes included), every phase, stateful
links followed, every GraphQL root field (queries and mutations), with the default number of
examples, and nothing is reported. The same run proves reach: every operation's success answer
was checked (the reach phase walks the spec's links, so deploy, status, inference, undeploy and
the assay chains get real ids), within 3 minutes here."""

from __future__ import annotations

import time

from gateway.contract import Contract
from sandbox import SandboxServer
from tests.support.conformance import assert_conforms, run_suite, sandbox_argv

BUDGET_SECONDS = 180


async def test_every_operation_conforms_and_is_reached(sandbox: SandboxServer, contract: Contract) -> None:
    started = time.monotonic()
    argv = sandbox_argv(sandbox, "--allow-writes", "--stateful", "--seed", "1")
    plan, result = await run_suite(argv, contract)
    elapsed = time.monotonic() - started
    assert set(plan.operations.operation_ids) == set(contract.operations)
    assert result.phases == ("reach", "examples", "coverage", "fuzzing", "stateful")
    assert plan.graphql is not None and set(plan.graphql.fields) == {"query", "mutation"}
    fields = set(plan.graphql.labels().values())
    assert set(result.requests) == set(contract.operations) | fields, "every operation and GraphQL root field"
    assert_conforms(result)
    assert result.never_succeeded() == [], result.reach_line()
    assert result.reach == (len(contract.operations), len(contract.operations))
    assert elapsed < BUDGET_SECONDS, f"{elapsed:.1f} s"
    requests = sum(result.requests.values())
    print(f"full sandbox run: {requests} requests in {elapsed:.1f} s, {result.reach_line()}")
