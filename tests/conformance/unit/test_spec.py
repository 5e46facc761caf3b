"""What the conformance suite reads from the spec: which operations write (`x-mlops-writes`), the
promises our checks hold upstreams to (`x-mlops-listed-by`, `x-mlops-reflected-by`, and the
created-id links derived from writes), the fields made unique (`x-mlops-unique`), and links
schemathesis can follow."""

from __future__ import annotations

import copy
import re
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.checks.promises import created_id_links, listed_by, promise_problems, reflected_by
from conformance.engine import config_dict
from conformance.generation import UNIQUE_EXTENSION
from conformance.selection import OperationPlan, writes
from conformance.settings import ConformanceSettings, Limits
from gateway.contract import Contract

WRITING = {
    "users_invite", "users_deactivate", "users_activate",
    "workspaces_create", "workspaces_add_user", "workspaces_remove_user",
    "models_upload", "models_upload_stream", "models_upload_and_convert", "models_insert_model_config",
    "pipelines_create", "pipelines_deploy", "pipelines_undeploy", "pipelines_copy",
    "pipelines_infer", "pipelines_infer_pipeline",  # inference rows are logged, and assays read them
    "assays_create", "assays_set_active", "assays_v2_set_active", "assays_v2_schedule",
    "openlayer_tests_evaluate",  # queues evaluation tasks
    "openlayer_inference_pipelines_data_stream", "openlayer_inference_pipelines_rows_update",  # rows
}  # fmt: skip


def _links(contract: Contract) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (operation.operation_id, name, link)
        for operation in contract.operations.values()
        for response in operation.spec["responses"].values()
        for name, link in (response.get("links") or {}).items()
    ]


def test_the_writing_operations_are_marked_in_the_spec(contract: Contract) -> None:
    assert {op.operation_id for op in contract.operations.values() if writes(op)} == WRITING


def test_every_promise_names_operations_that_exist(contract: Contract) -> None:
    assert promise_problems(contract.document) == []
    listed = {op_id for op_id, op in contract.operations.items() if listed_by(op.spec)}
    reflected = {op_id for op_id, op in contract.operations.items() if reflected_by(op.spec)}
    assert listed == {"workspaces_create", "assays_create", "models_upload", "models_upload_stream"}
    assert reflected == {"assays_set_active", "assays_v2_set_active"}


def test_promises_are_only_made_by_writing_operations(contract: Contract) -> None:
    for operation in contract.operations.values():
        spec = operation.spec
        if listed_by(spec) or reflected_by(spec) or list(created_id_links(spec)):
            assert writes(operation), operation.operation_id


CREATES = {
    "users_invite", "workspaces_create", "models_upload", "models_upload_stream", "models_upload_and_convert",
    "models_insert_model_config", "pipelines_create", "pipelines_copy", "pipelines_deploy", "assays_create",
    "assays_v2_schedule", "openlayer_tests_evaluate",
}  # fmt: skip
_ID = re.compile(r"(^id$|_id$|Id$)")


def _answered_ids(document: Any, schema: Any, depth: int = 0) -> set[str]:
    """Names of the id-like properties of a success schema (a bare uuid answer counts as `$`)."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if not isinstance(schema, dict) or depth > 6:
        return set()
    found = {"$"} if depth == 0 and schema.get("format") == "uuid" else set()
    for name, member in (schema.get("properties") or {}).items():
        found |= ({name} if _ID.search(name) else set()) | _answered_ids(document, member, depth + 1)
    for sub in [*schema.get("allOf", ()), *schema.get("anyOf", ()), schema.get("items")]:
        found |= _answered_ids(document, sub, depth + 1)
    return found


def _creates(contract: Contract) -> set[str]:
    """Writing operations whose success answer holds an id their request does not send: creates."""
    creates = set()
    for operation in contract.operations.values():
        ok = next((r for status, r in operation.spec["responses"].items() if str(status).startswith("2")), {})
        while "$ref" in ok:
            ok = contract.document["components"]["responses"][ok["$ref"].rsplit("/", 1)[1]]
        schema = (ok.get("content") or {}).get("application/json", {}).get("schema")
        request = operation.spec.get("requestBody", {}).get("content", {}).get("application/json", {})
        sent = set((request.get("schema") or {}).get("properties") or ())
        if writes(operation) and _answered_ids(contract.document, schema) - sent:
            creates.add(operation.operation_id)
    return creates


def test_every_create_has_links_that_carry_what_it_answers(contract: Contract) -> None:
    """created_id_accepted follows the links of writing operations that carry their answer; every
    create (derived from the spec, the list above only pins the result) has at least one."""
    assert _creates(contract) == CREATES
    for operation_id in CREATES:
        links = list(created_id_links(contract.operations[operation_id].spec))
        assert links, f"{operation_id} has no link carrying what it answers"


def test_unique_fields_are_request_properties(contract: Contract) -> None:
    for operation in contract.operations.values():
        for field in operation.spec.get(UNIQUE_EXTENSION, ()):
            schema = operation.spec["requestBody"]["content"]["application/json"]["schema"]
            assert field in schema["properties"], f"{operation.operation_id}: {field}"


def test_schemathesis_can_follow_every_link(contract: Contract) -> None:
    settings = ConformanceSettings("http://127.0.0.1:1", limits=Limits(stateful=True))
    config = SchemathesisConfig.from_dict(config_dict(settings, contract, OperationPlan((), ())))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(contract.document)), config=config)
    schema.as_state_machine()  # raises on a link it cannot resolve
    assert schema.statistic.transitions.total == len(_links(contract))  # no inferred ones either
