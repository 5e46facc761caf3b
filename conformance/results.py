"""What a run found, in the shape every report reads: de-duplicated findings (one per operation,
check and failure kind), the errors that kept something from being tested, and the exit status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from conformance.graphql.plan import REPORT_PREFIX
from conformance.selection import OperationPlan

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True, slots=True)
class Finding:
    """One way the upstream breaks the contract, reported under the check that found it.

    `key` de-duplicates (operation, check, failure kind and the kind's own key, e.g. the
    undocumented status code); `count` says how many times it was seen; `curl` reproduces the
    first (a chain of commands for stateful and follow-up findings), secrets masked.
    """

    operation: str
    check: str
    title: str
    severity: str
    message: str
    curl: str
    phase: str
    code: str
    key: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class RunError:
    """Something schemathesis could not do (generate, send, parse); `connection` when the upstream
    could not be reached at all."""

    operation: str | None
    title: str
    message: str
    connection: bool = False


@dataclass(slots=True)
class RunResult:
    plan: OperationPlan
    phases: tuple[str, ...]
    checks: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    #: Requests answered 2xx, per operation: an operation without any had its success answer
    #: (schema, content type, our promises) never checked.
    successes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    seed: int | None = None

    @property
    def exit_status(self) -> int:
        if any(error.connection for error in self.errors):
            return EXIT_USAGE
        return EXIT_FAILURES if self.findings or self.errors else EXIT_OK

    def by_operation(self) -> dict[str, dict[str, list[Finding]]]:
        """Findings grouped by operation, then check; most severe first within each."""
        grouped: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
        for finding in sorted(self.findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.check)):
            grouped[finding.operation][finding.check].append(finding)
        return {op: dict(checks) for op, checks in sorted(grouped.items())}

    def never_succeeded(self) -> list[str]:
        """Called operations that never answered 2xx."""
        return [op.operation_id for op in self.plan.selected if not self.successes.get(op.operation_id)]

    def graphql_fields(self) -> list[str]:
        """The GraphQL root fields the run called or failed to (`graphql Query.workspace`), sorted."""
        named = {*self.requests, *(e.operation for e in self.errors if e.operation)}
        return sorted(name for name in named if name.startswith(REPORT_PREFIX))

    @property
    def reach(self) -> tuple[int, int]:
        """Operations whose success answer was checked (answered 2xx at least once, in any phase),
        and all selected operations."""
        selected = len(self.plan.selected)
        return selected - len(self.never_succeeded()), selected

    def reach_line(self) -> str:
        """`reach 59/59 (100%)`: how much of the selection had its success answers checked."""
        reached, selected = self.reach
        return f"reach {reached}/{selected} ({100 * reached // max(selected, 1)}%)"

    def findings_for(self, operation_id: str) -> list[Finding]:
        return [f for f in self.findings if f.operation == operation_id]

    def errors_for(self, operation_id: str) -> list[RunError]:
        return [e for e in self.errors if e.operation == operation_id]
