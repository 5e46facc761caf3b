"""The checks a run applies: schemathesis's built-in ones that fit this contract, and ours for
what the documents promise beyond schemas (`listed`, `reflected`, `created_ids`, `availability`,
`graphql_data`; registered with schemathesis by `conformance.checks.registration`). `CHECKS`
describes each: name, title, severity, what it asserts. This module imports nothing heavy, so
`--dry-run` and reports can read it.

Left out: `object_level_authorization` (it needs a second identity, and the spec has one role)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """One check as reports and `--dry-run` describe it; `ours` marks this project's checks,
    `stateful` the ones that only judge linked steps."""

    name: str
    title: str
    severity: str
    asserts: str
    ours: bool = False
    stateful: bool = False


CHECKS: tuple[CheckInfo, ...] = (
    CheckInfo("not_a_server_error", "Server error", "critical", "no answer is a 5xx"),
    CheckInfo(
        "status_code_conformance",
        "Undocumented status code",
        "medium",
        "every status code is documented for its operation",
    ),
    CheckInfo(
        "content_type_conformance",
        "Undocumented Content-Type",
        "medium",
        "every answer's Content-Type is documented for its status",
    ),
    CheckInfo(
        "response_headers_conformance",
        "Missing required response headers",
        "medium",
        "documented response headers are present and valid",
    ),
    CheckInfo(
        "response_schema_conformance",
        "Response violates schema",
        "high",
        "every body parses and validates against its documented schema (formats asserted)",
    ),
    CheckInfo(
        "negative_data_rejection",
        "Invalid data accepted",
        "medium",
        "requests that break the contract are refused (4xx)",
    ),
    CheckInfo(
        "positive_data_acceptance",
        "Schema-valid request rejected",
        "medium",
        "requests the contract accepts are not refused as invalid (no 400/415/422)",
    ),
    CheckInfo(
        "missing_required_header",
        "Missing required header accepted",
        "medium",
        "a request without a required header is refused",
    ),
    CheckInfo(
        "unsupported_method",
        "Wrong response to undeclared method",
        "medium",
        "undeclared methods answer 405 with Allow (only safe ones are probed without --allow-writes)",
    ),
    CheckInfo(
        "allow_header_conformance",
        "Allow header mismatch",
        "medium",
        "a 405's Allow header lists the declared methods",
    ),
    CheckInfo(
        "ignored_auth",
        "Authentication not enforced",
        "critical",
        "requests without or with invalid credentials are refused (401/403)",
    ),
    CheckInfo(
        "max_response_time",
        "Response time limit exceeded",
        "low",
        "every answer arrives within --max-response-time",
    ),
    CheckInfo(
        "use_after_free",
        "Deleted resource still available",
        "critical",
        "a resource deleted earlier in a chain is gone (REST-style paths only)",
        stateful=True,
    ),
    CheckInfo(
        "created_resource_available",
        "Created resource not found",
        "medium",
        "a resource created earlier in a chain is found (schemathesis's ensure_resource_availability, "
        "REST-style paths only, quiet when the creating answer held nothing to link)",
        ours=True,
        stateful=True,
    ),
    CheckInfo(
        "created_appears_in_list",
        "Created resource missing from its list",
        "high",
        "after a create, the list named by x-mlops-listed-by shows the new id",
        ours=True,
    ),
    CheckInfo(
        "set_active_reflected",
        "State change not reflected by the next read",
        "high",
        "after set_active, the read named by x-mlops-reflected-by shows the new state",
        ours=True,
    ),
    CheckInfo(
        "created_id_accepted",
        "Created id not accepted by a later call",
        "high",
        "ids a create (a writing operation) answers are not 404 where its links send them, in the "
        "reach phase's chains and the stateful phase's",
        ours=True,
    ),
    CheckInfo(
        "graphql_data_conformance",
        "GraphQL data does not fit the schema",
        "high",
        "a GraphQL answer's data fits the SDL types of the query sent (the gateway's answer checker)",
        ours=True,
    ),
)

BY_NAME = {check.name: check for check in CHECKS}
