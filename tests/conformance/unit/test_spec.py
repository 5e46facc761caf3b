"""What the conformance suite reads from the spec: which operations write (`x-mlops-writes`), the
promises our checks hold upstreams to (`x-mlops-listed-by`, `x-mlops-reflected-by`,
`x-mlops-uses-created-id`), the fields made unique (`x-mlops-unique`), and links schemathesis can
follow."""

from __future__ import annotations

import copy
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


def test_created_id_links_send_exactly_what_they_build(contract: Contract) -> None:
    """created_id_accepted compares the request with the link's body, so it must not be merged
    into a generated one."""
    marked = [(op, name, link) for op, name, link in _links(contract) if link.get("x-mlops-uses-created-id")]
    assert len(marked) >= 8
    for op, name, link in marked:
        assert link.get("x-schemathesis") == {"merge_body": False}, f"{op} {name}"


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
