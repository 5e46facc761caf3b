"""The reach phase's plan, read from the spec alone: the order links and `x-mlops-reach` give, only
the selected operations, the poll on a deployment's status, and the requests built from examples
and links."""

from __future__ import annotations

import copy

import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.engine import config_dict
from conformance.reach.order import Until, reach_order
from conformance.reach.requests import JSON, Request, example_request, with_link
from conformance.reach.walk import ReachWalk
from conformance.selection import OperationPlan
from conformance.settings import ConformanceSettings
from gateway.contract import Contract

CHAIN = (
    "workspaces_create",
    "models_upload_stream",
    "pipelines_create",
    "pipelines_deploy",
    "status_get_deployment",
    "pipelines_infer",
    "pipelines_undeploy",
)


def test_the_deployment_chain_comes_in_dependency_order(contract: Contract) -> None:
    order = [step.operation_id for step in reach_order(contract.document, contract.operations)]
    assert sorted(order) == sorted(contract.operations)
    positions = [order.index(name) for name in CHAIN]
    assert positions == sorted(positions), [order[p] for p in sorted(positions)]
    assert order.index("assays_v2_schedule") < order.index("assays_v2_get_results")
    assert order.index("openlayer_tests_evaluate") < order.index("openlayer_background_tasks_retrieve")


def test_only_selected_operations_are_walked(contract: Contract) -> None:
    reads = {op_id for op_id, op in contract.operations.items() if not op.spec.get("x-mlops-writes")}
    steps = reach_order(contract.document, reads)
    assert {step.operation_id for step in steps} == reads
    assert all(source in reads for step in steps for source in step.sources)


def test_the_status_is_polled_until_running(contract: Contract) -> None:
    steps = {step.operation_id: step for step in reach_order(contract.document, contract.operations)}
    until = steps["status_get_deployment"].until
    assert until == Until("/status", "Running", 40, 0.25)
    assert {"pipelines_infer", "status_get_deployment"} <= set(steps["pipelines_undeploy"].sources)


def test_requests_start_from_the_examples_and_take_what_links_carry(contract: Contract) -> None:
    document = contract.document
    deploy = example_request(document, contract.operations["pipelines_deploy"].spec)
    assert deploy.media_type == JSON and isinstance(deploy.body, dict) and "deploy_id" in deploy.body
    upload = example_request(document, contract.operations["models_upload_stream"].spec)
    assert upload.media_type == "application/octet-stream" and upload.body == "reach-model-bytes"
    assert set(upload.parameters["query"]) == {"name", "filename", "visibility", "workspace_id"}
    merged = with_link(Request(JSON, {"a": 1, "b": 2}), {"b": 3}, True, {"query": {"q": "x"}})
    assert merged == Request(JSON, {"a": 1, "b": 3}, {"query": {"q": "x"}})
    assert with_link(Request(JSON, {"a": 1}), {"b": 3}, False, {}).body == {"b": 3}


def test_the_walk_holds_only_planned_operations(contract: Contract) -> None:
    """Whatever the schema holds, the reach phase can only send to what the plan calls."""
    settings = ConformanceSettings("http://127.0.0.1:1")
    config = SchemathesisConfig.from_dict(config_dict(settings, contract, OperationPlan((), ())))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(contract.document)), config=config)
    walk = ReachWalk(schema, contract, ("assays_v2_get", "assays_v2_get_by_id"))
    assert set(walk.operations) == {"assays_v2_get", "assays_v2_get_by_id"}
    assert [link.source.label for link in walk.incoming["assays_v2_get_by_id"]] == ["POST /v2/api/assays/get"]
