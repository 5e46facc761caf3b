"""The root fields of the GraphQL schema, resolved over the store's rows.

Each table `t` of `TABLES` serves `t` (Hasura's list arguments, see `filters`) and, when its rows
are read by id (`BY_PK`), `t_by_pk`; `AGGREGATES` serve `t_aggregate`; the SQL functions
search_pipelines and search_models search pipeline and model versions by name.
The mutations that change the store: `insert_workspace_one` (CreateDefaultUserWorkspace, when a
user has no default workspace yet) creates the workspace; `mutations` has the others. The tables
and mutations the sandbox has no data or implementation for are answered by `unbacked`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.graphql.filters import Row, select
from sandbox.graphql.mutations import (
    delete_workspace_users,
    insert_workspace_users_one,
    update_deployment_by_pk,
)
from sandbox.graphql.refusals import ConstraintViolation, constraints
from sandbox.graphql.rows import Rows, aggregate
from sandbox.graphql.unbacked import (
    UNBACKED_QUERIES,
    UNSUPPORTED_MUTATIONS,
    no_rows,
    not_supported,
)

Resolver = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What every resolver of one request reads: the store's rows and the caller's user id."""

    rows: Rows
    caller_id: str


TABLES: Mapping[str, Callable[[Rows], list[Row]]] = {
    "workspace": Rows.workspaces,
    "user_default_workspace": Rows.default_workspaces,
    "models": Rows.model_groups,
    "model": Rows.model_versions,
    "model_config": Rows.model_configs,
    "pipeline": Rows.pipelines,
    "pipeline_version": Rows.pipeline_versions,
    "deployment": Rows.deployments,
    "deployment_model_configs": Rows.all_deployment_model_configs,
    "deployment_pipeline_version": Rows.deployment_pipeline_versions,
    "workspace_users": Rows.workspace_users,
}
#: Tables whose `t_aggregate` root field the SDK queries.
AGGREGATES: Mapping[str, Callable[[Rows], list[Row]]] = {
    "deployment": Rows.deployments,
    "workspace": Rows.workspaces,
}
#: TABLES the SDK reads by primary key (`t_by_pk(id:)`).
BY_PK = ("workspace", "models", "model", "model_config", "pipeline", "pipeline_version", "deployment")


def _table(rows_of: Callable[[Rows], list[Row]]) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[Row]:
        return select(rows_of(info.context.rows), **args)

    return resolve


def _by_pk(rows_of: Callable[[Rows], list[Row]]) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: int) -> Row | None:
        return next((row for row in rows_of(info.context.rows) if row["id"] == id), None)

    return resolve


def _search(rows_of: Callable[[Rows], list[Row]], name_of: Callable[[Row], str]) -> Resolver:
    """A search SQL function (search_pipelines, search_models): the rows whose name contains
    `args.search` (any case; an empty search keeps every row), then the list arguments."""

    def resolve(_root: Any, info: GraphQLResolveInfo, args: Mapping[str, Any], **listing: Any) -> list[Row]:
        term = (args.get("search") or "").lower()
        return select((r for r in rows_of(info.context.rows) if term in name_of(r).lower()), **listing)

    return resolve


def _aggregate(rows_of: Callable[[Rows], list[Row]]) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
        return aggregate(lambda: rows_of(info.context.rows))(**args)  # type: ignore[no-any-return]

    return resolve


def insert_workspace_one(
    _root: Any,
    info: GraphQLResolveInfo,
    object: Mapping[str, Any],
    on_conflict: Any = None,
) -> Row | None:
    """Insert a workspace owned by `owner_id` (else the first user, else the caller), made their
    default when `user_default_workspaces` is given; a taken name answers null with
    `on_conflict` (Hasura's do-nothing), an error without."""
    context: Context = info.context
    users = (object.get("users") or {}).get("data") or []
    owner = object.get("owner_id") or (users[0]["user_id"] if users else context.caller_id)
    store = context.rows.store
    try:
        with constraints():
            workspace = store.create_workspace(
                object["name"], owner, default=bool(object.get("user_default_workspaces"))
            )
    except ConstraintViolation:
        if on_conflict is not None:
            return None
        raise
    return context.rows.workspace(workspace)


QUERY_FIELDS: dict[str, Resolver] = {
    **{name: _table(rows_of) for name, rows_of in TABLES.items()},
    **{f"{name}_by_pk": _by_pk(TABLES[name]) for name in BY_PK},
    **{f"{name}_aggregate": _aggregate(rows_of) for name, rows_of in AGGREGATES.items()},
    **{name: no_rows for name in UNBACKED_QUERIES},
    "search_pipelines": _search(Rows.pipeline_versions, lambda row: str(row["pipeline"]()["pipeline_id"])),
    "search_models": _search(Rows.model_versions, lambda row: str(row["model_id"])),
}
MUTATION_FIELDS: dict[str, Resolver] = {
    "insert_workspace_one": insert_workspace_one,
    "update_deployment_by_pk": update_deployment_by_pk,
    "insert_workspace_users_one": insert_workspace_users_one,
    "delete_workspace_users": delete_workspace_users,
    **{name: not_supported for name in UNSUPPORTED_MUTATIONS},
}
