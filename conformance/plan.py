"""What a run will do, decided before anything is sent: the operations (and the skipped ones,
with reasons), the checks and the phases. `--dry-run` prints exactly this."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.auth import usable_schemes
from conformance.checks import CHECKS, CheckInfo
from conformance.errors import UsageProblem
from conformance.graphql.plan import GraphQLPlan, plan_graphql
from conformance.selection import OperationPlan, plan_operations
from conformance.settings import ConformanceSettings
from gateway.contract import Contract, ContractError

UNIT_PHASES = ("examples", "coverage", "fuzzing")
#: Our own phase before schemathesis's: every operation called once with ids from earlier answers
#: (`conformance.reach`).
REACH_PHASE = "reach"


@dataclass(frozen=True, slots=True)
class RunPlan:
    operations: OperationPlan
    checks: tuple[str, ...]
    phases: tuple[str, ...]
    graphql: GraphQLPlan | None = None  # the GraphQL phase, after the others (None: no GraphQL call)


def phases(settings: ConformanceSettings) -> tuple[str, ...]:
    """The test phases a run goes through, in order."""
    return (REACH_PHASE, *UNIT_PHASES, *(("stateful",) if settings.limits.stateful else ()))


def enabled_checks(settings: ConformanceSettings) -> tuple[CheckInfo, ...]:
    """The checks a run applies (the stateful-only ones when following links)."""
    return tuple(c for c in CHECKS if settings.limits.stateful or not c.stateful)


def load_contract(settings: ConformanceSettings) -> Contract:
    try:
        return Contract.load(settings.spec_path)
    except ContractError as exc:
        raise UsageProblem(str(exc)) from None


def security_schemes(contract: Contract) -> tuple[str, ...]:
    """Every security scheme the spec declares."""
    components = contract.document.get("components") or {}
    return tuple(components.get("securitySchemes") or ())


def plan_run(settings: ConformanceSettings, contract: Contract) -> RunPlan:
    """The plan; a `UsageProblem` when the filters and credentials leave nothing to test."""
    schemes = usable_schemes(settings.credentials, security_schemes(contract))
    operations = plan_operations(contract, settings.filters, schemes)
    if not operations.selected:
        reasons = sorted({skipped.reason for skipped in operations.skipped})
        raise UsageProblem("no operation left to test: " + "; ".join(reasons))
    graphql = plan_graphql(contract, operations, settings.filters.allow_writes)
    return RunPlan(operations, tuple(c.name for c in enabled_checks(settings)), phases(settings), graphql)
