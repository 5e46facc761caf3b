"""What a link carries from one success answer to the reach phase's next request: its parameters
and body evaluated with schemathesis's own runtime expressions, and which links win when several
feed one request (those that carry what a create answered)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemathesis.core import NotSet
from schemathesis.core.result import Ok
from schemathesis.core.transforms import UNRESOLVABLE
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi import expressions

from conformance.checks.promises import created_id_links


def link_parameters(link: Any, output: StepOutput) -> dict[str, dict[str, Any]]:
    """The parameters a link sets from `output`, by container; those it could not evaluate left out."""
    transition = link.extract(output)
    return {
        container: {name: value for name, p in values.items() if (value := extracted_value(p)) is not None}
        for container, values in transition.parameters.items()
    }


def extracted_value(extracted: Any) -> Any:
    """An extracted link parameter, or None when the link could not evaluate it."""
    if extracted is None or not isinstance(extracted.value, Ok):
        return None
    value = extracted.value.ok()
    return None if value is UNRESOLVABLE else value


def link_body(link: Any, output: StepOutput) -> Any:
    """The body a link builds from `output`, or None when it names none. An object is evaluated
    member by member, and members whose expressions find nothing (an optional field the source
    request did not send) are left out rather than sent as null."""
    template = link.body
    if isinstance(template, NotSet):
        return None
    if not isinstance(template, Mapping):
        return evaluate(template, output)
    members = {name: evaluate(member, output) for name, member in template.items()}
    return {name: value for name, value in members.items() if value is not None}


def precedence(link: Any) -> tuple[bool, bool]:
    """Links applied later win: body-replacing before merging, created ids last within each."""
    return link.merge_body, carries_created(link)


def carries_created(link: Any) -> bool:
    return link.name in {created.name for created in created_id_links(link.source.definition.raw)}


def evaluate(template: Any, output: StepOutput) -> Any:
    try:
        value = expressions.evaluate(template, output, evaluate_nested=True)
    except Exception:  # a pointer into nothing, a body that is not JSON: no value
        return None
    return None if value is UNRESOLVABLE else value
