"""created_appears_in_list: what a create operation creates shows up in its list."""

from __future__ import annotations

from typing import Any

from conformance.checks.exchange import UNRESOLVED, chain, iter_ids, json_of, resolve, send_probe
from conformance.checks.failures import CreatedMissingFromList
from conformance.checks.promises import listed_by


def created_appears_in_list(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a successful create, call the list operation its `x-mlops-listed-by` names and
    require an item with the new id."""
    promise = listed_by(case.operation.definition.raw)
    if promise is None or not 200 <= response.status_code < 300:
        return None
    exchanges = chain(ctx, case, response)
    created, body = resolve(promise.id, exchanges), resolve(promise.request_body, exchanges)
    if created is UNRESOLVED or body is UNRESOLVED:
        return None  # no id in the answer: response_schema_conformance reports that
    sent = send_probe(ctx, case, response, promise.operation_id, body)
    if sent is None:
        return None  # the run skips the list: nothing to compare with
    probe, listing = sent
    document = json_of(listing)
    if listing.status_code == 200 and created in list(iter_ids(document, promise.listed)):
        return True
    seen = "" if document is UNRESOLVED else f" ({len(list(iter_ids(document, promise.listed)))} listed)"
    raise CreatedMissingFromList(
        operation=case.operation.label,
        list_operation=promise.operation_id,
        created_id=created,
        created_case_id=case.id,
        message=(
            f"`{case.operation.definition.raw.get('operationId')}` answered id `{created}`, but "
            f"`{promise.operation_id}` answered {listing.status_code} without it{seen}"
        ),
        case_id=probe.id,
    )
