"""Which operations a run calls, decided from the spec alone.

An operation runs when the tag and operationId filters keep it, when it does not write or
`--allow-writes` was given (the spec marks writing operations `x-mlops-writes: true`; nothing
here keeps its own list), and when there are credentials for its security scheme. Every other
operation is reported with the reason it was skipped.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from conformance.settings import Filters
from gateway.contract import Contract, Operation
from gateway.contract.links import WRITES_EXTENSION, writes_upstream


def writes(operation: Operation) -> bool:
    """Whether the spec says the operation creates, changes or deploys something upstream."""
    return writes_upstream(operation.spec)


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    """An operation the run calls."""

    operation_id: str
    method: str
    path: str
    tags: tuple[str, ...]
    writes: bool

    @property
    def label(self) -> str:
        """How schemathesis names the operation ("POST /v1/api/workspaces/list")."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class SkippedOperation:
    """An operation the run leaves out, and why."""

    operation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class OperationPlan:
    selected: tuple[PlannedOperation, ...]
    skipped: tuple[SkippedOperation, ...]

    @property
    def operation_ids(self) -> tuple[str, ...]:
        return tuple(op.operation_id for op in self.selected)


def _skip_reason(operation: Operation, filters: Filters, usable_schemes: Collection[str]) -> str | None:
    tags, name = set(operation.tags), operation.operation_id
    if filters.include_tags and not tags & set(filters.include_tags):
        return f"no tag among --include-tag {', '.join(filters.include_tags)}"
    if excluded := sorted(tags & set(filters.exclude_tags)):
        return f"tag {excluded[0]} is excluded"
    if filters.include_operations and not any(re.search(p, name) for p in filters.include_operations):
        return "operationId matches no --include-operation"
    if matched := next((p for p in filters.exclude_operations if re.search(p, name)), None):
        return f"operationId matches --exclude-operation {matched}"
    if writes(operation) and not filters.allow_writes:
        return f"writes upstream ({WRITES_EXTENSION}); needs --allow-writes"
    missing = [scheme for scheme in operation.security if scheme not in usable_schemes]
    if missing:
        return f"no credentials for security scheme {missing[0]}"
    return None


def plan_operations(contract: Contract, filters: Filters, usable_schemes: Collection[str]) -> OperationPlan:
    """Split the contract's operations into those to call and those skipped (with reasons)."""
    selected, skipped = [], []
    for operation in contract.operations.values():
        reason = _skip_reason(operation, filters, usable_schemes)
        if reason is None:
            selected.append(
                PlannedOperation(
                    operation.operation_id,
                    operation.method,
                    operation.path_template,
                    operation.tags,
                    writes(operation),
                )
            )
        else:
            skipped.append(SkippedOperation(operation.operation_id, reason))
    return OperationPlan(tuple(selected), tuple(skipped))
