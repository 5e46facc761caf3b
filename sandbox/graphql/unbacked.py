"""What the sandbox answers for the parts of spec/wallaroo.graphql it keeps no data for, so that
every root field the SDK can send answers well-typed instead of failing:

- a table the store has no rows for (tags, assays, orchestrations, connections, ...) answers
  no rows: `t` -> [], `t_by_pk` -> null, `t_aggregate` -> count 0 and no nodes;
- a row's column or relationship the row builders (`rows`) do not fill answers the empty value
  of its SDL type (`empty_field_resolver`): [] for a list, a zero aggregate, else null;
- a mutation the sandbox does not implement answers the GraphQL error
  `<field> is not supported by the sandbox`, code `not-supported` (and, `http` sees to it, `data: null`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    default_field_resolver,
)

from sandbox.graphql.refusals import NotSupported

#: Root fields of the SDL's tables the store has no data for: they answer no rows.
UNBACKED_QUERIES = (
    "assay",
    "assay_by_pk",
    "assay_result",
    "assay_result_v2",
    "assays_v2",
    "assays_v2_by_pk",
    "comment_by_pk",
    "connections",
    "connections_by_pk",
    "edge",
    "file",
    "fluentbit",
    "model_conversion",
    "model_registries_by_pk",
    "orchestration",
    "orchestration_by_pk",
    "pipeline_publish",
    "pipeline_publish_by_pk",
    "pipeline_publish_replace",
    "sidekick_logs",
    "tag",
    "tag_by_pk",
    "task",
    "task_by_pk",
    "task_run",
    "task_run_by_pk",
    "workspace_connections",
    "workspace_model_registries",
)
#: Mutations of the SDL the sandbox does not implement.
UNSUPPORTED_MUTATIONS = (
    "delete_connections",
    "delete_deployment_model_configs",
    "delete_deployment_pipeline_version",
    "delete_edge_by_pk",
    "delete_model",
    "delete_model_tag",
    "delete_model_variant_comment",
    "delete_models",
    "delete_orchestration",
    "delete_pipeline",
    "delete_pipeline_comment",
    "delete_pipeline_tag",
    "delete_pipeline_version",
    "delete_workspace_connections",
    "delete_workspace_model_registries_by_pk",
    "init_assay_result_v2",
    "insert_assay",
    "insert_assay_result_v2_one",
    "insert_assays_v2_one",
    "insert_connections_one",
    "insert_deployment",
    "insert_deployment_model_configs",
    "insert_deployment_pipeline_version",
    "insert_edge_one",
    "insert_file_one",
    "insert_model_config",
    "insert_model_config_one",
    "insert_model_conversion_one",
    "insert_model_registries_one",
    "insert_model_tag",
    "insert_model_variant_comment",
    "insert_models",
    "insert_orchestration_one",
    "insert_pipeline",
    "insert_pipeline_comment",
    "insert_pipeline_publish_one",
    "insert_pipeline_tag",
    "insert_publish_model_config_one",
    "insert_tag",
    "insert_task_one",
    "insert_task_output_one",
    "insert_task_run_one",
    "insert_workspace_connections_one",
    "insert_workspace_model_registries_one",
    "replace_pipeline_publish",
    "update_assay_by_pk",
    "update_assay_result_v2_by_pk",
    "update_assays_v2_by_pk",
    "update_deployment",
    "update_model",
    "update_model_conversion",
    "update_model_many",
    "update_orchestration",
    "update_orchestration_many",
    "update_pipeline",
    "update_pipeline_publish_by_pk",
    "update_pipeline_version_by_pk",
    "update_task_by_pk",
    "update_task_output_by_pk",
    "update_task_run",
    "update_task_run_by_pk",
    "update_workspace",
)


def empty_value(type_: GraphQLOutputType) -> Any:
    """The answer of a field with nothing behind it: [] for a list, a zero aggregate for an
    `_aggregate` object, else null (such fields are nullable in the SDL)."""
    nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(nullable, GraphQLList):
        return []
    if isinstance(nullable, GraphQLObjectType) and nullable.name.endswith("_aggregate"):
        return {"aggregate": {"count": 0}, "nodes": []}
    return None


def no_rows(_root: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    """A root field of `UNBACKED_QUERIES`."""
    return empty_value(info.return_type)


def not_supported(_root: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    raise NotSupported(info.field_name)


def empty_field_resolver(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """graphql-core's default resolver, but a field a row does not have answers `empty_value`."""
    if isinstance(source, Mapping) and info.field_name not in source:
        return empty_value(info.return_type)
    return default_field_resolver(source, info, **args)
