"""created_id_accepted: an id a create operation answers is accepted where its links send it."""

from __future__ import annotations

from typing import Any

from schemathesis.generation.stateful.state_machine import StepOutput

from conformance.checks.exchange import UNRESOLVED, resolve
from conformance.checks.failures import CreatedIdRejected
from conformance.checks.promises import created_id_links


def created_id_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """In a stateful chain, a 404 from a step reached by a link marked `x-mlops-uses-created-id`
    is a failure when the request is exactly what the link built from the creating step (so the
    id it carries, not some generated value, is what was not found)."""
    if response.status_code != 404:
        return None
    parent = ctx.internals.find_parent(case_id=case.id)
    parent_response = ctx.internals.find_response(case_id=parent.id) if parent is not None else None
    if parent_response is None or not 200 <= parent_response.status_code < 300:
        return None
    target_id = case.operation.definition.raw.get("operationId")
    for link in created_id_links(parent.operation.definition.raw):
        if link.operation_id != target_id:
            continue
        expected = resolve(link.request_body, [StepOutput(parent_response, parent)])
        if expected is not UNRESOLVED and case.body == expected:
            source = parent.operation.definition.raw.get("operationId")
            raise CreatedIdRejected(
                operation=parent.operation.label,
                link=link.name,
                message=(
                    f"`{source}` answered success, then `{target_id}` answered 404 for what it created "
                    f"(link {link.name}: {expected})"
                ),
                case_id=case.id,
            )
    return None
