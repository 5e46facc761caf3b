"""What the spec promises beyond schemas, read from its `x-mlops-*` extensions.

- `x-mlops-listed-by` (on a create operation): the list operation that must show the new item.
  `requestBody` is the list call's body, `id` the new item's id, `listed` the JSON pointers (with
  `*` for every array item) where the list answer holds ids.
- `x-mlops-reflected-by` (on a set_active operation): the read that must show the new state.
  `items` points at the candidate objects of the read's answer (`''`: the answer itself), `match`
  at the id inside each, `field` at the state, which must equal `expected`.
- created ids, derived rather than declared: every success link of a writing operation
  (`x-mlops-writes`) that carries something from its answer (`$response.body...`) feeds what it
  just created to the link's target, which must accept it.

Values that are runtime expressions (`$request.body#/id`, `$response.body#/assay_id`,
`{$request.body#/a}-{$response.body#/b}`) are evaluated by `conformance.checks.exchange`; a list
of them means alternatives, the first that resolves wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.contract.links import link_strings, success_links, writes_upstream

LISTED_BY = "x-mlops-listed-by"
REFLECTED_BY = "x-mlops-reflected-by"
ANSWER = "$response.body"


@dataclass(frozen=True, slots=True)
class ListedBy:
    operation_id: str
    request_body: Any
    id: Any
    listed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReflectedBy:
    operation_id: str
    request_body: Any
    id: Any
    items: str
    match: str
    field: str
    expected: Any


@dataclass(frozen=True, slots=True)
class CreatedIdLink:
    """A link from a create: the body (members or whole) and parameters (`path.x`, `query.x` or
    a bare name) it builds from the create's exchange."""

    name: str
    operation_id: str
    request_body: Any
    parameters: Mapping[str, Any]


def listed_by(operation: Mapping[str, Any]) -> ListedBy | None:
    raw = operation.get(LISTED_BY)
    if not isinstance(raw, Mapping):
        return None
    listed = raw["listed"]
    return ListedBy(
        raw["operationId"],
        raw.get("requestBody", {}),
        raw["id"],
        tuple(listed) if isinstance(listed, list) else (listed,),
    )


def reflected_by(operation: Mapping[str, Any]) -> ReflectedBy | None:
    raw = operation.get(REFLECTED_BY)
    if not isinstance(raw, Mapping):
        return None
    return ReflectedBy(
        raw["operationId"],
        raw.get("requestBody", {}),
        raw["id"],
        raw.get("items", ""),
        raw["match"],
        raw["field"],
        raw["expected"],
    )


def created_id_links(operation: Mapping[str, Any]) -> Iterator[CreatedIdLink]:
    """The success links of a writing operation that carry something from its answer."""
    if not writes_upstream(operation):
        return
    for name, link in success_links(operation):
        if any(ANSWER in text for text in link_strings(link)):
            body, parameters = link.get("requestBody"), link.get("parameters") or {}
            yield CreatedIdLink(name, link["operationId"], body, parameters)


def promise_problems(document: Mapping[str, Any]) -> list[str]:
    """Every promise naming an operation the spec does not have (empty: all consistent)."""
    operations = {
        op["operationId"]: op
        for item in (document.get("paths") or {}).values()
        for op in item.values()
        if isinstance(op, Mapping) and "operationId" in op
    }
    problems = []
    for name, operation in operations.items():
        targets = [p.operation_id for p in (listed_by(operation), reflected_by(operation)) if p is not None]
        targets += [link.operation_id for link in created_id_links(operation)]
        problems += [f"{name}: promise names unknown operation {t!r}" for t in targets if t not in operations]
    return problems
