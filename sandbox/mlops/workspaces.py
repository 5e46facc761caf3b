"""Handlers of the MLOps API's workspace operations: list, create, and membership.

The creator (the token's `sub`) owns a new workspace; users added by email or id join as
collaborators (owners when `user_type` is OWNER); removal takes a user id or an email and reports
the rows it removed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import body, caller_id, store
from sandbox.core.records import Role, Workspace
from sandbox.core.responses import json_response


def _workspace_json(workspace: Workspace) -> dict[str, Any]:
    return {
        **workspace.summary(),
        "models": list(workspace.model_ids),
        "pipelines": list(workspace.pipeline_ids),
    }


async def workspaces_list(request: web.Request) -> web.StreamResponse:
    workspaces = store(request).workspaces_of(body(request).get("user_id"))
    return json_response({"workspaces": [_workspace_json(w) for w in workspaces]})


async def workspaces_create(request: web.Request) -> web.StreamResponse:
    workspace = store(request).create_workspace(body(request)["workspace_name"], caller_id(request))
    return json_response({"workspace_id": workspace.id})


async def workspaces_add_user(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    workspace = the_store.workspace(data["workspace_id"])
    user = (
        the_store.user(data["user_id"])
        if "user_id" in data
        else the_store.user_by_email(data["email"].strip())
    )
    role = Role.OWNER if data.get("user_type") == Role.OWNER else Role.COLLABORATOR
    workspace.members.setdefault(user.id, role)
    return json_response({})


async def workspaces_list_users(request: web.Request) -> web.StreamResponse:
    workspace = store(request).workspace(body(request)["workspace_id"])
    users = [{"user_id": user_id, "user_type": role.value} for user_id, role in workspace.members.items()]
    return json_response({"users": users})


async def workspaces_remove_user(request: web.Request) -> web.StreamResponse:
    data, the_store = body(request), store(request)
    workspace = the_store.workspace(data["workspace_id"])
    user_id = data["user_id"] if "user_id" in data else the_store.user_by_email(data["email"].strip()).id
    removed = workspace.members.pop(user_id, None) is not None
    return json_response({"affected_rows": int(removed)})


HANDLERS: dict[str, Handler] = {
    "workspaces_list": workspaces_list,
    "workspaces_create": workspaces_create,
    "workspaces_add_user": workspaces_add_user,
    "workspaces_list_users": workspaces_list_users,
    "workspaces_remove_user": workspaces_remove_user,
}
