"""The order the reach phase calls operations in, and how long it waits on one, read from the spec.

An operation comes after every selected operation whose success links feed it (a pipeline is
created before it is deployed, a deployment before its status is read), and after the ones its
`x-mlops-reach: {after: [...]}` names, for an order links cannot say (infer before undeploy).
Ties keep the spec's order; a cycle of links (v2 get -> get/:id -> set_active ... -> get) is
entered at the operation missing the fewest of its sources.

`x-mlops-reach: {until: {pointer, equals, attempts, interval}}` on an operation makes the reach
phase call it again, `interval` seconds apart and at most `attempts` times, until its success
answer holds `equals` at `pointer` (a deployment's status is read until it is Running).

Nothing here imports schemathesis: the order is plain spec data, unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.contract.links import success_links

REACH = "x-mlops-reach"


@dataclass(frozen=True, slots=True)
class Until:
    """Poll until the success answer holds `equals` at `pointer`."""

    pointer: str
    equals: Any
    attempts: int
    interval: float


@dataclass(frozen=True, slots=True)
class ReachStep:
    """One operation of the walk: what must come before it, and whether to poll it."""

    operation_id: str
    sources: tuple[str, ...]
    until: Until | None = None


def spec_operations(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every operation of the spec by operationId, in the spec's order."""
    return {
        op["operationId"]: op
        for item in (document.get("paths") or {}).values()
        for op in item.values()
        if isinstance(op, Mapping) and "operationId" in op
    }


def link_targets(operation: Mapping[str, Any]) -> Iterator[str]:
    """The operationIds the operation's success links lead to."""
    for _, link in success_links(operation):
        if isinstance(link.get("operationId"), str):
            yield link["operationId"]


def _until(raw: Any) -> Until | None:
    if not isinstance(raw, Mapping):
        return None
    attempts, interval = int(raw.get("attempts", 20)), float(raw.get("interval", 0.25))
    return Until(raw["pointer"], raw["equals"], attempts, interval)


def reach_order(document: Mapping[str, Any], selected: Collection[str]) -> tuple[ReachStep, ...]:
    """The selected operations in the order the reach phase calls them (see the module doc)."""
    operations = {name: op for name, op in spec_operations(document).items() if name in selected}
    before: dict[str, list[str]] = {name: [] for name in operations}
    for name, operation in operations.items():
        for target in link_targets(operation):
            if target in before and target != name and name not in before[target]:
                before[target].append(name)
    for name, operation in operations.items():
        after = (operation.get(REACH) or {}).get("after", ())
        before[name] += [dep for dep in after if dep in operations and dep not in before[name]]
    placed: list[str] = []
    pending = list(operations)
    while pending:
        ready = next((n for n in pending if all(d in placed for d in before[n])), None)
        if ready is None:  # a cycle: start with the operation missing the fewest, in spec order
            ready = min(pending, key=lambda n: sum(d not in placed for d in before[n]))
        placed.append(ready)
        pending.remove(ready)
    return tuple(
        ReachStep(name, tuple(before[name]), _until((operations[name].get(REACH) or {}).get("until")))
        for name in placed
    )
