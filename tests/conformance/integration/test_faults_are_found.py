"""The suite finds what it should: with each of the sandbox's faults switched on, a small run over
the operations the fault affects reports it, under the check that is meant to catch it, on every
operation it breaks.

Every fault of `sandbox.core.fault_switch.Fault` has a row here (a test checks that), so a fault added to the
sandbox without a check that catches it fails the suite. Three rows reach deep: stale_ids on each
create of the spec (found by `created_id_accepted` on the create, through the reach phase's links),
a body fault limited to operations at the end of chains (deployment status, undeploy, inference, v2
results), and set_active_bare_ack on both set_active operations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.checks.promises import created_id_links
from conformance.reach.order import reach_order
from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.app import default_contract
from sandbox.core.fault_switch import Fault
from tests.support.conformance import describe, run_suite, sandbox_argv
from tests.support.sandbox import sandbox_settings


@dataclass(frozen=True, slots=True)
class Case:
    """A fault, the operations to run (and to break, when `broken` narrows it), what must catch it
    (`check`, reported on each of `operations`), and any extra options."""

    fault: Fault
    run: tuple[str, ...]
    check: str
    operations: tuple[str, ...]
    options: tuple[str, ...] = ()
    broken: tuple[str, ...] | None = None


def _needed(contract: Contract, targets: tuple[str, ...]) -> tuple[str, ...]:
    """`targets` and every operation the reach phase calls before them to get their ids."""
    steps = {step.operation_id: step for step in reach_order(contract.document, contract.operations)}
    needed: list[str] = []
    pending = list(targets)
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.append(name)
            pending += steps[name].sources
    return tuple(needed)


def _stale_case(contract: Contract, create: str) -> Case:
    """stale_ids on one create: the run holds what the create needs and what its links feed."""
    fed = tuple(link.operation_id for link in created_id_links(contract.operations[create].spec))
    run = _needed(contract, (create, *fed))
    return Case(Fault.STALE_IDS, run, "created_id_accepted", (create,), WRITES, broken=(create,))


READ = ("workspaces_list",)
WRITES = ("--allow-writes", "--max-examples", "1")
CONTRACT = default_contract()
#: users_invite is left out: the only operations its id feeds (workspaces add_user/remove_user) also
#: need a workspace id from another create, and created_id_accepted only blames a 404 when nothing
#: else the request names could be what was not found.
UNJUDGEABLE = {"users_invite"}
CREATES = sorted(
    {op_id for op_id, op in CONTRACT.operations.items() if any(created_id_links(op.spec))} - UNJUDGEABLE
)
#: Answers at the end of chains, each reached only with ids from earlier answers (undeploy answers
#: `{}`: nothing there to break).
DEEP = ("status_get_deployment", "pipelines_infer", "assays_v2_get_results", "assays_v2_get_next_run")
SET_ACTIVE = ("assays_set_active", "assays_v2_set_active")
CASES = (
    Case(Fault.MISSING_REQUIRED_FIELD, READ, "response_schema_conformance", ("workspaces_list",)),
    Case(Fault.WRONG_TYPE, READ, "response_schema_conformance", ("workspaces_list",)),
    Case(Fault.NULL_NOT_ALLOWED, READ, "response_schema_conformance", ("workspaces_list",)),
    Case(Fault.BAD_ENUM, ("assays_v2_get",), "response_schema_conformance", ("assays_v2_get",)),
    Case(Fault.UNDOCUMENTED_STATUS, READ, "status_code_conformance", ("workspaces_list",)),
    Case(Fault.WRONG_CONTENT_TYPE, READ, "content_type_conformance", ("workspaces_list",)),
    Case(Fault.SERVER_ERROR, READ, "not_a_server_error", ("workspaces_list",)),
    Case(Fault.ACCEPTS_INVALID, READ, "negative_data_rejection", ("workspaces_list",)),
    Case(Fault.IGNORES_AUTH, READ, "ignored_auth", ("workspaces_list",)),
    Case(Fault.MALFORMED_JSON, READ, "response_schema_conformance", ("workspaces_list",)),
    Case(
        Fault.SLOW_RESPONSE,
        READ,
        "max_response_time",
        ("workspaces_list",),
        options=("--max-response-time", "0.5", "--max-examples", "1"),
    ),
    Case(
        Fault.CREATED_MISSING_FROM_LIST,
        ("workspaces_create", "workspaces_list"),  # the check calls the list: it must be selected
        "created_appears_in_list",
        ("workspaces_create",),
        options=("--allow-writes",),
    ),
    *(_stale_case(CONTRACT, create) for create in CREATES),
    Case(Fault.WRONG_TYPE, _needed(CONTRACT, DEEP), "response_schema_conformance", DEEP, WRITES, DEEP),
    Case(
        Fault.SET_ACTIVE_BARE_ACK,
        _needed(CONTRACT, SET_ACTIVE),
        "response_schema_conformance",
        SET_ACTIVE,
        WRITES,
    ),
    Case(
        Fault.SET_ACTIVE_IGNORED,
        ("assays_v2_get", "assays_v2_set_active", "assays_v2_get_by_id"),  # the check reads get/:id
        "set_active_reflected",
        ("assays_v2_set_active",),
        options=("--allow-writes", "--stateful"),
    ),
    Case(
        Fault.GRAPHQL_WRONG_TYPE,
        ("graphql",),
        "graphql_data_conformance",
        ("graphql Query.workspace_aggregate",),
        broken=("graphql",),
    ),
)
# The v1 twin (assays_list -> assays_set_active) is left out: its read needs the pipeline id of an
# earlier list call, which a 3-example stateful run reaches only by chance; v2 proves the check.
IDS = [f"{c.fault.value}-{'-'.join(c.operations) if len(c.operations) == 1 else 'deep'}" for c in CASES]


def test_every_fault_has_a_case() -> None:
    assert {case.fault for case in CASES} == set(Fault)


@pytest.fixture
async def faulty(
    request: pytest.FixtureRequest, tmp_path: Path, contract: Contract
) -> AsyncIterator[SandboxServer]:
    case: Case = request.param
    settings = sandbox_settings(tmp_path, fault=case.fault, fault_operations=case.broken, fault_delay=1.0)
    server = await start_sandbox(settings, contract=contract)
    yield server
    await server.close()


@pytest.mark.parametrize(("faulty", "case"), [(c, c) for c in CASES], ids=IDS, indirect=["faulty"])
async def test_the_fault_is_reported_by_its_check(
    faulty: SandboxServer, case: Case, contract: Contract
) -> None:
    include = [arg for name in case.run for arg in ("--include-operation", f"^{name}$")]
    options = ("--max-examples", "3", "--seed", "3", *case.options)
    _, result = await run_suite(sandbox_argv(faulty, *include, *options), contract)
    reported = {(f.operation, f.check) for f in result.findings}
    missed = [op for op in case.operations if (op, case.check) not in reported]
    assert not missed, f"{case.check} missed {missed}:\n{describe(result)}"
    assert result.exit_status == 1
