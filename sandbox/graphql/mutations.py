"""The SDK's GraphQL mutations the sandbox carries out on its store (beside
`resolvers.insert_workspace_one`): Deploy/Undeploy of a deployment (`update_deployment_by_pk`
with `_set: {deployed: ...}`) and a workspace's users (InsertWorkspaceUser,
DeleteWorkspaceUser). Each changes the same records the REST operations do, so the change is
visible both ways; a form of these mutations the sandbox does not model is `NotSupported`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.core.records import Role
from sandbox.graphql.filters import Row, Where, select
from sandbox.graphql.refusals import NotSupported, constraints
from sandbox.graphql.rows import Rows


def update_deployment_by_pk(
    _root: Any,
    info: GraphQLResolveInfo,
    pk_columns: Mapping[str, Any],
    _set: Mapping[str, Any] | None = None,
) -> Row | None:
    """Undeploy (`_set: {deployed: false}`) the deployment, or Deploy one already deployed (a
    no-op, as the SDK documents it); an unknown id answers null, as Hasura does. Any other
    update (columns, or re-activating a stopped deployment) is not supported."""
    rows: Rows = info.context.rows
    if _set is None or set(_set) != {"deployed"}:
        raise NotSupported(info.field_name)
    deployment = rows.store.deployments.get(pk_columns["id"])
    if deployment is None:
        return None
    if _set["deployed"] is False:
        rows.store.undeploy(None, deployment.id)
    elif not deployment.active:
        raise NotSupported(info.field_name)
    return rows.deployment(deployment)


def insert_workspace_users_one(
    _root: Any,
    info: GraphQLResolveInfo,
    object: Mapping[str, Any],
    on_conflict: Mapping[str, Any] | None = None,
) -> Row:
    """Add the user to the workspace as `user_type` (OWNER or COLLABORATOR); a member already
    there keeps their role, or takes the new one when `on_conflict` updates `user_type`."""
    rows: Rows = info.context.rows
    if object.get("workspace_id") is None:
        raise NotSupported(info.field_name)
    with constraints():
        workspace = rows.store.workspace(object["workspace_id"])
        role = Role(str(object.get("user_type")))
    user_id = object["user_id"]
    if "user_type" in ((on_conflict or {}).get("update_columns") or ()):
        workspace.members[user_id] = role
    else:
        workspace.members.setdefault(user_id, role)
    return rows.workspace_user(workspace, user_id, workspace.members[user_id])


def delete_workspace_users(_root: Any, info: GraphQLResolveInfo, where: Where) -> Row:
    """Remove the workspace users `where` keeps from their workspaces."""
    rows: Rows = info.context.rows
    removed = select(rows.workspace_users(), where=where)
    for row in removed:
        rows.store.workspace(row["workspace_id"]).members.pop(row["user_id"], None)
    return {"affected_rows": len(removed), "returning": removed}
