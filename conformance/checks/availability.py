"""created_resource_available: schemathesis's `ensure_resource_availability`, without one false
alarm of its prefix heuristic.

Schemathesis takes a successful POST whose path is a prefix of the next step's path as the
creation of what that step reads (`/v2/api/assays/get` -> `/v2/api/assays/get/:id`), and a 404
there as "created resource not found". When the parent answered an empty list, its link had no id
to carry and the step was sent a generated one: a 404 then says nothing about the API. This
check stands aside when the parent's answer holds nothing (an empty list or object, or null) and
otherwise judges exactly as schemathesis does.
"""

from __future__ import annotations

import json
from typing import Any

from schemathesis.specs.openapi.checks import ensure_resource_availability


def _holds_nothing(response: Any) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    return body in ([], {}, None)


def created_resource_available(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 404 for what a linked POST just created is a failure, unless that POST answered nothing."""
    if response.status_code != 404:
        return None
    parent = ctx.internals.find_parent(case_id=case.id)
    parent_response = ctx.internals.find_response(case_id=parent.id) if parent is not None else None
    if parent_response is not None and _holds_nothing(parent_response):
        return None
    result: bool | None = ensure_resource_availability(ctx, response, case)
    return result
