"""The GraphQL phase against the fault-free sandbox, read-only: every Query root field of the SDL
is fuzzed (no Mutation: they are writes), every answer is 2xx, nothing is reported, and the
summary says so. Writes and the gateway are covered by the full runs (test_sandbox_conforms,
test_gateway_conforms); a broken GraphQL answer by test_faults_are_found."""

from __future__ import annotations

from conformance.reports.terminal import render_summary
from gateway.contract import Contract
from sandbox import SandboxServer
from tests.support.conformance import assert_conforms, parse_settings, run_suite, sandbox_argv


async def test_read_only_graphql_calls_every_query_and_no_mutation(
    sandbox: SandboxServer, contract: Contract
) -> None:
    argv = sandbox_argv(sandbox, "--include-operation", "^graphql$", "--seed", "4", "--max-examples", "1")
    plan, result = await run_suite(argv, contract)
    graphql = contract.operations["graphql"].graphql
    assert graphql is not None and plan.graphql is not None
    called = {name for name in result.requests if name.startswith("graphql ")}
    assert called == {f"graphql Query.{field}" for field in graphql.root_fields["query"]}
    assert all(result.successes.get(name) == result.requests[name] for name in called), "every answer 2xx"
    assert plan.graphql.skipped_mutations == len(graphql.root_fields["mutation"])
    assert_conforms(result)
    assert result.exit_status == 0
    summary = render_summary(result, parse_settings(argv))
    assert f"ok    graphql: {len(called)} root fields" in summary
