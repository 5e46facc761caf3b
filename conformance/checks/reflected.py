"""set_active_reflected: a state change a set_active operation acknowledges is what the next read
shows."""

from __future__ import annotations

from typing import Any

from conformance.checks.exchange import UNRESOLVED, chain, json_of, pointer_values, resolve, send_probe
from conformance.checks.failures import SetActiveNotReflected
from conformance.checks.promises import ReflectedBy, reflected_by


def _shown(promise: ReflectedBy, document: Any, target: Any) -> list[Any]:
    """The state of every item of the read's answer whose id is `target`."""
    return [
        state
        for item in pointer_values(document, promise.items)
        if target in pointer_values(item, promise.match)
        for state in pointer_values(item, promise.field)
    ]


def set_active_reflected(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a successful set_active, call the read its `x-mlops-reflected-by` names and require
    the item to show the requested state. Values the exchange lacks (v1's list needs the assay's
    pipeline) come from the stateful steps before it; without them the check does not apply."""
    promise = reflected_by(case.operation.definition.raw)
    if promise is None or not 200 <= response.status_code < 300:
        return None
    exchanges = chain(ctx, case, response)
    target, expected = resolve(promise.id, exchanges), resolve(promise.expected, exchanges)
    body = resolve(promise.request_body, exchanges)
    if UNRESOLVED in (target, expected, body):
        return None
    sent = send_probe(ctx, case, response, promise.operation_id, body)
    if sent is None:
        return None  # the run skips the read: nothing to compare with
    probe, answer = sent
    document = json_of(answer)
    shown = [] if answer.status_code != 200 or document is UNRESOLVED else _shown(promise, document, target)
    if shown and all(state == expected for state in shown):
        return True
    found = f"shows {shown[0]!r}" if shown else f"answered {answer.status_code} without the item"
    raise SetActiveNotReflected(
        operation=case.operation.label,
        read_operation=promise.operation_id,
        set_case_id=case.id,
        message=(
            f"`{case.operation.definition.raw.get('operationId')}` set `{promise.field}` of `{target}` "
            f"to {expected!r}, but `{promise.operation_id}` {found}"
        ),
        case_id=probe.id,
    )
