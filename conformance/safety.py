"""What keeps a run away from what it was told to leave alone: "skipped" means no request at all.

Three mechanisms could otherwise reach a skipped operation, and each is closed here:

- Selection. schemathesis ORs include filters, and the `[[operations]]` entries of our config
  (per-operation check settings) add an include filter that matches everything, so
  `schema.include(operation_id=...)` selected every operation: a read-only run fuzzed every write
  operation (without our credentials). Instead each skipped operation gets an `[[operations]]`
  entry with `enabled = false`, which schemathesis documents as "never send this request", and
  `verify_selection` refuses to run if the loaded schema still yields anything outside the plan.
- Undeclared-method probes (`unsupported_method`). They go to a selected operation's path with
  its credentials. schemathesis never probes a method the path declares (skipped or not: it
  reads the raw path item), so they never reach a declared operation, but an upstream may serve
  undocumented methods (Openlayer deletes an inference pipeline on
  `DELETE /v1/inference-pipelines/{id}`). Without `--allow-writes` only the safe methods of
  RFC 9110 (GET, OPTIONS, TRACE, and QUERY) are probed.
- Our checks' follow-up calls (`exchange.send_probe`) only go to operations the run selected
  (`may_call`).
"""

from __future__ import annotations

from typing import Any

from schemathesis.core.result import Ok

from conformance.errors import UsageProblem
from conformance.selection import OperationPlan

#: Undeclared methods probed when writes are allowed (schemathesis's default set).
ALL_PROBE_METHODS = ("get", "put", "post", "delete", "options", "patch", "trace", "query")
#: Methods RFC 9110 (and the QUERY draft) define as safe: probing them cannot change anything.
SAFE_PROBE_METHODS = ("get", "options", "trace", "query")


def deselected(plan: OperationPlan) -> list[dict[str, Any]]:
    """`[[operations]]` entries turning every skipped operation off."""
    return [{"include-operation-id": op.operation_id, "enabled": False} for op in plan.skipped]


def probe_methods(allow_writes: bool) -> list[str]:
    """The undeclared methods `unsupported_method` may send."""
    return list(ALL_PROBE_METHODS if allow_writes else SAFE_PROBE_METHODS)


def verify_selection(schema: Any, plan: OperationPlan) -> None:
    """Refuse to run when the loaded schema would test an operation outside the plan."""
    loaded = {result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)}
    extra = sorted(loaded - {op.label for op in plan.selected})
    if extra:
        raise UsageProblem(f"refusing to run: the engine would also call skipped {', '.join(extra)}")


def may_call(case: Any, operation: Any) -> bool:
    """Whether a follow-up call from `case` to `operation` stays inside the run's selection."""
    return bool(case.operation.schema.filter_set.applies_to(operation))
