"""Which operations a run calls: filters, the read-only default, and credentials per scheme."""

from __future__ import annotations

from conformance.auth import API_KEY_SCHEME, TOKEN_SCHEME, usable_schemes
from conformance.selection import plan_operations
from conformance.settings import Credentials, Filters
from gateway.contract import Contract

BOTH = (TOKEN_SCHEME, API_KEY_SCHEME)


def reasons(contract: Contract, filters: Filters, schemes: tuple[str, ...] = BOTH) -> dict[str, str]:
    return {s.operation_id: s.reason for s in plan_operations(contract, filters, schemes).skipped}


def test_read_only_by_default(contract: Contract) -> None:
    plan = plan_operations(contract, Filters(), BOTH)
    assert "workspaces_list" in plan.operation_ids and "workspaces_create" not in plan.operation_ids
    assert all(not op.writes for op in plan.selected)
    assert reasons(contract, Filters())["pipelines_deploy"].endswith("needs --allow-writes")
    everything = plan_operations(contract, Filters(allow_writes=True), BOTH)
    assert len(everything.selected) == len(contract.operations)


def test_tags_and_operation_regexes(contract: Contract) -> None:
    filters = Filters(include_tags=("assays-v2",), exclude_operations=("set_active",), allow_writes=True)
    plan = plan_operations(contract, filters, BOTH)
    assert set(plan.operation_ids) == {
        "assays_v2_get", "assays_v2_get_by_id", "assays_v2_get_results", "assays_v2_get_next_run",
        "assays_v2_preview", "assays_v2_preview_baseline_binning", "assays_v2_schedule",
    }  # fmt: skip
    skipped = reasons(contract, filters)
    assert skipped["assays_v2_set_active"] == "operationId matches --exclude-operation set_active"
    assert skipped["users_query"] == "no tag among --include-tag assays-v2"
    only = Filters(include_operations=("^models_get$",), exclude_tags=("users",))
    assert plan_operations(contract, only, BOTH).operation_ids == ("models_get",)


def test_operations_without_credentials_are_skipped(contract: Contract) -> None:
    schemes = usable_schemes(Credentials(token="t"), BOTH)
    assert schemes == {TOKEN_SCHEME}
    skipped = reasons(contract, Filters(allow_writes=True), tuple(schemes))
    openlayer = {op_id for op_id, op in contract.operations.items() if "openlayer" in op.tags}
    assert len(openlayer) == 7
    assert skipped == {op_id: f"no credentials for security scheme {API_KEY_SCHEME}" for op_id in openlayer}
    assert usable_schemes(Credentials(api_key="k"), BOTH) == {API_KEY_SCHEME}
    assert usable_schemes(Credentials(gateway_key="g", via_gateway=True), BOTH) == set(BOTH)
