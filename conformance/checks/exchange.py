"""What our checks need from an exchange: runtime expressions evaluated against it (and, failing
that, against the steps that led to it in a stateful chain), JSON pointers with `*` wildcards,
and follow-up requests ("probes") sent with the same credentials and recorded as children of the
exchange, so a failure's curl chain shows both calls. A probe only goes to an operation the run
selected: `send_probe` answers None for a skipped one (`conformance.safety.may_call`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from schemathesis.core.transforms import Unresolvable
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi import expressions

from conformance.safety import may_call

#: What `resolve` answers when an expression has no value in any exchange of the chain.
UNRESOLVED: Any = object()
#: Where a schemathesis case holds the parameters of each OpenAPI location (`in`).
PARAMETER_CONTAINERS = {"path": "path_parameters", "query": "query", "header": "headers"}


def chain(ctx: Any, case: Any, response: Any) -> list[StepOutput]:
    """The exchange itself, then its ancestors (stateful parents, nearest first)."""
    found = [StepOutput(response, case)]
    parent = ctx.internals.find_parent(case_id=case.id)
    while parent is not None:
        parent_response = ctx.internals.find_response(case_id=parent.id)
        if parent_response is not None:
            found.append(StepOutput(parent_response, parent))
        parent = ctx.internals.find_parent(case_id=parent.id)
    return found


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and ("$" in value)


def _evaluate(expression: str, exchanges: Sequence[StepOutput]) -> Any:
    for output in exchanges:
        try:
            value = expressions.evaluate(expression, output)
        except Exception:  # a body that is not JSON, a pointer into a scalar: no value here
            continue
        if value is not None and not isinstance(value, Unresolvable):
            return value
    return UNRESOLVED


def resolve(template: Any, exchanges: Sequence[StepOutput]) -> Any:
    """`template` with every runtime expression replaced by its value; UNRESOLVED if any has none.

    Objects are resolved member by member, a list of expressions is a list of alternatives,
    anything else is a constant.
    """
    if isinstance(template, dict):
        resolved = {key: resolve(value, exchanges) for key, value in template.items()}
        return UNRESOLVED if any(v is UNRESOLVED for v in resolved.values()) else resolved
    if isinstance(template, list) and template and all(_is_expression(v) for v in template):
        return next(
            (v for v in (_evaluate(e, exchanges) for e in template) if v is not UNRESOLVED), UNRESOLVED
        )
    if _is_expression(template):
        return _evaluate(template, exchanges)
    return template


def pointer_values(document: Any, pointer: str) -> list[Any]:
    """Values at an RFC 6901 pointer where a `*` segment stands for every array item."""
    found = [document]
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        step: list[Any] = []
        for node in found:
            if part == "*" and isinstance(node, list):
                step.extend(node)
            elif isinstance(node, dict) and part in node:
                step.append(node[part])
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                step.append(node[int(part)])
        found = step
    return found


def json_of(response: Any) -> Any:
    """The response's JSON document, or UNRESOLVED when it has none."""
    try:
        return response.json()
    except Exception:  # not JSON: the schema checks report that; nothing to compare here
        return UNRESOLVED


def coerce_for(operation: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Digit strings turned into integers where the target's JSON body declares an integer (a
    multipart field or query value carries an integer id as text)."""
    try:
        raw = operation.definition.raw["requestBody"]["content"]["application/json"]["schema"]
        properties = raw.get("properties", {})
    except (KeyError, TypeError, AttributeError):
        return body

    def declared_integer(name: str) -> bool:
        kind = properties.get(name, {}).get("type")
        return kind == "integer" or (isinstance(kind, list) and "integer" in kind)

    return {
        name: int(value) if isinstance(value, str) and value.isdigit() and declared_integer(name) else value
        for name, value in body.items()
    }


def send_probe(ctx: Any, case: Any, response: Any, operation_id: str, body: Any) -> tuple[Any, Any] | None:
    """Call `operation_id` with a JSON `body`, as `case` was called (same credentials and
    transport settings); answers the probe's case and response, both recorded under `case`, or
    None without calling when the run skips `operation_id`."""
    operation = case.operation.schema.find_operation_by_id(operation_id)
    if not may_call(case, operation):
        return None
    if isinstance(body, dict):
        body = coerce_for(operation, body)
    authorization = response.request.headers.get("Authorization")
    headers = {"Authorization": authorization} if authorization else None
    probe = operation.Case(body=body, media_type="application/json", headers=headers)
    ctx.internals.record_case(parent_id=case.id, case=probe)
    answer = case.operation.schema.transport.send(probe, **(ctx.internals.transport_kwargs or {}))
    ctx.internals.record_response(case_id=probe.id, response=answer)
    return probe, answer


def iter_ids(document: Any, pointers: Sequence[str]) -> Iterator[Any]:
    for pointer in pointers:
        yield from pointer_values(document, pointer)
