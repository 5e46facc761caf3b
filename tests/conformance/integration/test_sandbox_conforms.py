"""The fault-free sandbox conforms: every operation (writes included), every phase, stateful
links followed, with the default number of examples, and nothing is reported (but the known
sandbox bugs, see tests/support/conformance.py)."""

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
    assert set(result.requests) == set(contract.operations), "every operation was called"
    assert_conforms(result)
    print(f"full sandbox run: {sum(result.requests.values())} requests in {elapsed:.1f} s")
