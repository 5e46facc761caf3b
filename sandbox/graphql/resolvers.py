"""The root fields of the GraphQL schema, resolved over the store's rows.

Each table `t` of `TABLES` serves `t` (Hasura's list arguments, see `filters`) and, when its rows
have an `id` (all but user_default_workspace), `t_by_pk`;
the one mutation the SDK sends on its own, `insert_workspace_one` (CreateDefaultUserWorkspace,
when a user has no default workspace yet), creates the workspace in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.core.store import DuplicateName
from sandbox.graphql.filters import Row, select
from sandbox.graphql.rows import Rows

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
}


def _table(rows_of: Callable[[Rows], list[Row]]) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[Row]:
        return select(rows_of(info.context.rows), **args)

    return resolve


def _by_pk(rows_of: Callable[[Rows], list[Row]]) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: int) -> Row | None:
        return next((row for row in rows_of(info.context.rows) if row["id"] == id), None)

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
        workspace = store.create_workspace(
            object["name"], owner, default=bool(object.get("user_default_workspaces"))
        )
    except DuplicateName:
        if on_conflict is not None:
            return None
        raise
    return context.rows.workspace(workspace)


QUERY_FIELDS: dict[str, Resolver] = {
    **{name: _table(rows_of) for name, rows_of in TABLES.items()},
    **{
        f"{name}_by_pk": _by_pk(rows_of)
        for name, rows_of in TABLES.items()
        if name != "user_default_workspace"
    },
}
MUTATION_FIELDS: dict[str, Resolver] = {"insert_workspace_one": insert_workspace_one}
