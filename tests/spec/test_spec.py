"""The hand-written contract: complete, valid for every tool that reads it, and carrying every
documented example - each of which validates, and each mutation of which is rejected."""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from openapi_spec_validator import validate

from tests.support import ROOT
from tests.support.seed_examples import (
    SEED_EXAMPLES,
    SeedExample,
    fast_path_verdict,
    mutations,
    openapi_core_verdict,
)

SPEC_PATH = ROOT / "spec" / "openapi.yaml"

DOCUMENTED_OPERATIONS = {
    "users_query": "/v1/api/users/query",
    "users_invite": "/v1/api/users/invite",
    "users_deactivate": "/v1/api/users/deactivate",
    "users_activate": "/v1/api/users/activate",
    "workspaces_list": "/v1/api/workspaces/list",
    "workspaces_create": "/v1/api/workspaces/create",
    "workspaces_add_user": "/v1/api/workspaces/add_user",
    "workspaces_list_users": "/v1/api/workspaces/list_users",
    "workspaces_remove_user": "/v1/api/workspaces/remove_user",
    "models_upload": "/v1/api/models/upload",
    "models_upload_stream": "/v1/api/models/upload_stream",
    "models_list": "/v1/api/models/list",
    "models_get_by_id": "/v1/api/models/get_by_id",
    "models_list_versions": "/v1/api/models/list_versions",
    "models_get_config_by_id": "/v1/api/models/get_config_by_id",
    "models_get": "/v1/api/models/get",
    "pipelines_create": "/v1/api/pipelines/create",
    "pipelines_deploy": "/v1/api/pipelines/deploy",
    "pipelines_undeploy": "/v1/api/pipelines/undeploy",
    "pipelines_copy": "/v1/api/pipelines/copy",
    "status_get_deployment": "/v1/api/status/get_deployment",
    "admin_get_pipeline_external_url": "/v1/api/admin/get_pipeline_external_url",
    "features_list": "/v1/api/features/list",
    "pipelines_infer": "/v1/api/pipelines/infer/{deployment}",
    "assays_create": "/v1/api/assays/create",
    "assays_list": "/v1/api/assays/list",
    "assays_set_active": "/v1/api/assays/set_active",
    "assays_run_interactive_baseline": "/v1/api/assays/run_interactive_baseline",
    "assays_get_baseline": "/v1/api/assays/get_baseline",
    "assays_run_interactive": "/v1/api/assays/run_interactive",
    "assays_get_results": "/v1/api/assays/get_results",
    "assays_v2_get": "/v2/api/assays/get",
    "assays_v2_get_by_id": "/v2/api/assays/get/:id",
    "assays_v2_get_results": "/v2/api/assays/get_results",
    "assays_v2_get_next_run": "/v2/api/assays/get_next_run",
    "assays_v2_set_active": "/v2/api/assays/set_active",
    "openlayer_tests_evaluate": "/v1/tests/{testId}/evaluate",
}
#: Operations the documents do not show but an official SDK's everyday workflow calls, read from the
#: SDK's own resources and models (each marked `x-mlops-source: "sdk <name> <version>"`).
SDK_OPERATIONS = {
    "openlayer_tests_list_results": ("get", "/v1/tests/{testId}/results", "sdk openlayer 0.36.0"),
    "openlayer_inference_pipelines_retrieve": (
        "get", "/v1/inference-pipelines/{inferencePipelineId}", "sdk openlayer 0.36.0"
    ),
    "openlayer_inference_pipelines_data_stream": (
        "post", "/v1/inference-pipelines/{inferencePipelineId}/data-stream", "sdk openlayer 0.36.0"
    ),
    "openlayer_inference_pipelines_rows_update": (
        "put", "/v1/inference-pipelines/{inferencePipelineId}/rows", "sdk openlayer 0.36.0"
    ),
    "openlayer_inference_pipelines_test_results_list": (
        "get", "/v1/inference-pipelines/{inferencePipelineId}/results", "sdk openlayer 0.36.0"
    ),
    "openlayer_background_tasks_retrieve": ("get", "/v1/background-tasks/{taskId}", "sdk openlayer 0.36.0"),
    "assays_get_assay_results": ("post", "/v1/api/assays/get_assay_results", "sdk wallaroo 2026.1.3"),
    "assays_summarize": ("post", "/v1/api/assays/summarize", "sdk wallaroo 2026.1.3"),
    "assays_get_assay_by_id": ("post", "/v1/api/assays/get_assay_by_id", "sdk wallaroo 2026.1.3"),
    "assays_v2_preview_baseline_binning": (
        "post", "/v2/api/assays/preview_baseline_binning", "sdk wallaroo 2026.1.3"
    ),
    "assays_v2_preview": ("post", "/v2/api/assays/preview", "sdk wallaroo 2026.1.3"),
    "assays_v2_schedule": ("post", "/v2/api/assays/schedule", "sdk wallaroo 2026.1.3"),
    "config_get": ("get", "/v1/api/config", "sdk wallaroo 2026.1.3"),
    "graphql": ("post", "/v1/graphql", "sdk wallaroo 2026.1.3"),
    "models_upload_and_convert": ("post", "/v1/api/models/upload_and_convert", "sdk wallaroo 2026.1.3"),
    "models_get_version_by_id": ("post", "/v1/api/models/get_version_by_id", "sdk wallaroo 2026.1.3"),
    "models_insert_model_config": ("post", "/v1/api/models/insert_model_config", "sdk wallaroo 2026.1.3"),
    "pipelines_list_pipelines": ("post", "/v1/api/pipelines/list_pipelines", "sdk wallaroo 2026.1.3"),
    "pipelines_get_pipeline_by_name": (
        "post", "/v1/api/pipelines/get_pipeline_by_name", "sdk wallaroo 2026.1.3"
    ),
    "plateau_get_topic_name": ("post", "/v1/api/plateau/get_topic_name", "sdk wallaroo 2026.1.3"),
    "logs_topic_records": ("post", "/v1/logs/topic/{topic}/records", "sdk wallaroo 2026.1.3"),
    "pipelines_infer_pipeline": (
        "post", "/v1/api/pipelines/infer/{deployment}/{pipeline_name}", "sdk wallaroo 2026.1.3"
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def test_spec_describes_exactly_the_documented_and_the_sdk_operations(document: dict) -> None:
    found = {
        op["operationId"]: (method, path, op["x-mlops-source"])  # every operation names its source
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    documented = {op: found for op, found in found.items() if found[2] == "documents"}
    assert {op: path for op, (_, path, _) in documented.items()} == DOCUMENTED_OPERATIONS
    assert {method for method, _, _ in documented.values()} == {"post"}
    assert {op: found for op, found in found.items() if found[2] != "documents"} == SDK_OPERATIONS


def test_every_operation_has_tag_summary_description_security_and_errors(document: dict) -> None:
    for item in document["paths"].values():
        for op in item.values():
            assert op["tags"] and op["summary"] and op["description"], op["operationId"]
            assert {"200", "400", "401"} <= set(op["responses"]), op["operationId"]
            security = op.get("security", document["security"])
            assert security in ([{"wallarooBearer": []}], [{"openlayerApiKey": []}], []), op["operationId"]
            assert security != [] or op["operationId"] == "config_get", "only config_get is anonymous"


def test_spec_passes_openapi_spec_validator_and_loads_in_schemathesis(document: dict) -> None:
    validate(document)
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    assert sum(1 for _ in schema.get_all_operations()) == len(DOCUMENTED_OPERATIONS) + len(SDK_OPERATIONS)


def test_seed_examples_cover_every_documented_request_and_response() -> None:
    operations_with_examples = {ex.operation_id for ex in SEED_EXAMPLES}
    # pipelines_infer: the documents load its input from files they do not show, and print only
    # 300 characters of its output (see tests/data/seed_examples/README.md).
    assert operations_with_examples == set(DOCUMENTED_OPERATIONS) - {"pipelines_infer"}
    assert len(SEED_EXAMPLES) > 100


def test_every_seed_example_is_embedded_in_the_spec(document: dict) -> None:
    for ex in SEED_EXAMPLES:
        assert ex.embedded_value(document) == ex.wire_value(), ex.name


@pytest.mark.parametrize("example", SEED_EXAMPLES, ids=lambda ex: ex.name)
def test_seed_example_validates(example: SeedExample) -> None:
    assert openapi_core_verdict(example, example.wire_value()) == []
    assert fast_path_verdict(example, example.wire_value()) == []


MUTATED = [(ex, m) for ex in SEED_EXAMPLES for m in mutations(ex)]


def test_every_seed_example_has_mutations() -> None:
    without = {ex.name for ex in SEED_EXAMPLES} - {ex.name for ex, _ in MUTATED}
    # a JSON `null` or an empty object has no field to drop, retype or break
    assert all(SEED_EXAMPLES_BY_NAME[name].wire_value() in (None, {}) for name in without), without


SEED_EXAMPLES_BY_NAME = {ex.name: ex for ex in SEED_EXAMPLES}


@pytest.mark.parametrize(("example", "mutation"), MUTATED, ids=lambda x: getattr(x, "name", None) or x.label)
def test_mutated_seed_example_is_rejected(example: SeedExample, mutation) -> None:
    errors = openapi_core_verdict(example, mutation.value)
    assert errors, f"{mutation.label} was accepted"
    assert mutation.pointer in errors, (mutation.label, errors)
    fast = fast_path_verdict(example, mutation.value)
    assert mutation.pointer in fast, (mutation.label, fast)


@pytest.mark.parametrize(
    ("example", "value"),
    [(ex, ex.wire_value()) for ex in SEED_EXAMPLES] + [(ex, m.value) for ex, m in MUTATED],
    ids=[ex.name for ex in SEED_EXAMPLES] + [m.label for _, m in MUTATED],
)
def test_fast_path_and_openapi_core_agree(example: SeedExample, value) -> None:
    """The gateway's compiled validators give openapi-core's verdict at the same locations."""
    assert set(fast_path_verdict(example, value)) == set(openapi_core_verdict(example, value))


SCHEMA_KEYWORDS = {
    "type", "properties", "required", "items", "additionalProperties", "description", "enum", "format",
    "minimum", "maximum", "minLength", "maxLength", "pattern", "anyOf", "oneOf", "allOf", "$ref",
    "minItems", "maxItems", "minProperties", "maxProperties", "default", "contentMediaType", "title", "const",
}  # fmt: skip


def _schemas(node: object, path: str = ""):
    """Every schema object in the document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" or (path.endswith("/components/schemas") and isinstance(value, dict)):
                yield from _subschemas(value, f"{path}/{key}")
            else:
                yield from _schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{path}/{index}")


def _subschemas(schema: dict, path: str):
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _subschemas(sub, f"{path}/properties/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _subschemas(schema[key], f"{path}/{key}")
    for key in ("anyOf", "oneOf", "allOf"):
        for index, sub in enumerate(schema.get(key, [])):
            yield from _subschemas(sub, f"{path}/{key}/{index}")


def test_every_schema_uses_only_known_keywords(document: dict) -> None:
    """Catches YAML slips such as an unquoted comma in a flow mapping turning into a keyword."""
    found = [(path, sorted(set(schema) - SCHEMA_KEYWORDS)) for path, schema in _schemas(document)]
    assert [entry for entry in found if entry[1]] == []
