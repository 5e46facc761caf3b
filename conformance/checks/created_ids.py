"""created_id_accepted: what a create operation answers is accepted where its links send it.

Which links those are is derived from the spec, not marked: every success link of a writing
operation that carries something from its answer (`conformance.checks.promises.created_id_links`),
whether in a body member, the whole body or a path or query parameter. Schemathesis's own
`ensure_resource_availability` only judges follow-ups whose path starts with the create's path;
this one follows the links, so `/pipelines/deploy` after `/pipelines/create` is judged too.

A 404 is only blamed on the created id when nothing else in the request could be what was not
found: every other body member or path parameter that names something (`*id`, `*_name`, `name`,
`email`, `topic`) must be one the link filled. A link that merges a workspace id into a request
naming a generated user (`workspaces_remove_user`) is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from schemathesis.generation.stateful.state_machine import StepOutput

from conformance.checks.exchange import PARAMETER_CONTAINERS, UNRESOLVED, resolve
from conformance.checks.failures import CreatedIdRejected
from conformance.checks.promises import CreatedIdLink, created_id_links

_NAMES_SOMETHING = re.compile(r"(id|Id|_name|^name|email|topic)$")


def _sent(case: Any, name: str) -> Any:
    """The value a case sent for a link parameter (`path.x`, `query.x`, or a bare name)."""
    location, _, bare = name.rpartition(".")
    known = PARAMETER_CONTAINERS.get(location)
    containers = [known] if known is not None else ["path_parameters", "query"]
    for container in containers:
        values = getattr(case, container, None) or {}
        if bare in values:
            return values[bare]
    return UNRESOLVED


def _built_by(link: CreatedIdLink, case: Any, exchanges: list[StepOutput]) -> dict[str, Any] | None:
    """What the link built that the case carries (where -> value); None when the case carries
    something else at any place the link fills, so its 404 may be about another value."""
    built: dict[str, Any] = {}
    if isinstance(link.request_body, Mapping):
        for name, template in link.request_body.items():
            value = resolve(template, exchanges)
            if value is UNRESOLVED:
                continue
            if not isinstance(case.body, Mapping) or case.body.get(name) != value:
                return None
            built[f"body.{name}"] = value
    elif link.request_body is not None:
        value = resolve(link.request_body, exchanges)
        if value is UNRESOLVED or case.body != value:
            return None
        built["body"] = value
    for name, template in link.parameters.items():
        value = resolve(template, exchanges)
        if value is UNRESOLVED:
            continue
        if str(_sent(case, name)) != str(value):
            return None
        built[name] = value
    return built if _nothing_else_named(case, built) else None


def _nothing_else_named(case: Any, built: Mapping[str, Any]) -> bool:
    """Whether every body member and path parameter that names something is one the link built."""
    if "body" in built:
        return True
    filled = {where.rpartition(".")[2] for where in built}
    members = list(case.body) if isinstance(case.body, Mapping) else []
    members += list(case.path_parameters or {})
    return all(name in filled or not _NAMES_SOMETHING.search(name) for name in members)


def created_id_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 404 from a step that a create's link built is a failure when the request carries exactly
    what the link built from the create's success answer (so the created id, not some generated
    value, is what was not found)."""
    if response.status_code != 404:
        return None
    parent = ctx.internals.find_parent(case_id=case.id)
    parent_response = ctx.internals.find_response(case_id=parent.id) if parent is not None else None
    if parent_response is None or not 200 <= parent_response.status_code < 300:
        return None
    target_id = case.operation.definition.raw.get("operationId")
    exchanges = [StepOutput(parent_response, parent)]
    for link in created_id_links(parent.operation.definition.raw):
        if link.operation_id != target_id:
            continue
        built = _built_by(link, case, exchanges)
        if built:
            source = parent.operation.definition.raw.get("operationId")
            carried = ", ".join(f"{where}={value}" for where, value in built.items())
            raise CreatedIdRejected(
                operation=parent.operation.label,
                link=link.name,
                message=(
                    f"`{source}` answered success, then `{target_id}` answered 404 for what it created "
                    f"(link {link.name}: {carried})"
                ),
                case_id=case.id,
            )
    return None
