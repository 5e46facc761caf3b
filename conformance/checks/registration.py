"""Our checks, made known to schemathesis (it runs registered checks by function name, with its
own; `conformance.engine` enables the ones a run wants)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis

from conformance.checks.availability import created_resource_available
from conformance.checks.created_ids import created_id_accepted
from conformance.checks.graphql_data import graphql_data_conformance
from conformance.checks.listed import created_appears_in_list
from conformance.checks.reflected import set_active_reflected

OUR_CHECK_FUNCTIONS: tuple[Callable[[Any, Any, Any], bool | None], ...] = (
    created_appears_in_list,
    set_active_reflected,
    created_id_accepted,
    created_resource_available,
    graphql_data_conformance,
)


def register() -> None:
    """Register our checks (repeated calls are harmless: registration is by name)."""
    for function in OUR_CHECK_FUNCTIONS:
        schemathesis.check(function)
