"""Handlers of the MLOps API's user operations: query, invite, deactivate, activate.

Users live in the token realm (login, password, enabled flag) and in the store (creation time);
an invited user can log in at once, a deactivated one is refused new tokens.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.core.context import REALM, body, store
from sandbox.core.records import User
from sandbox.core.responses import json_response
from sandbox.core.store import DuplicateName

_ADMIN_ACCESS = {
    "impersonate": True,
    "manageGroupMembership": True,
    "manage": True,
    "mapRoles": True,
    "view": True,
}


def _user_json(user: User) -> dict[str, Any]:
    account = user.account
    rendered: dict[str, Any] = {
        "access": dict(_ADMIN_ACCESS),
        "createdTimestamp": user.created_ms,
        "disableableCredentialTypes": [],
        "emailVerified": account.email_verified,
        "enabled": account.enabled,
        "id": user.id,
        "notBefore": 0,
        "requiredActions": [],
        "username": account.username,
    }
    if account.email:
        rendered["email"] = account.email
    return rendered


async def users_query(request: web.Request) -> web.StreamResponse:
    wanted = body(request).get("user_ids")
    users = store(request).users.values()
    chosen = [u for u in users if wanted is None or u.id in wanted]
    return json_response({"users": {u.id: _user_json(u) for u in chosen}})


async def users_invite(request: web.Request) -> web.StreamResponse:
    data = body(request)
    email = data["email"].strip().lower()
    the_store = store(request)
    if the_store.email_taken(email):
        raise DuplicateName("user", email)
    temporary = None if data.get("password") else secrets.token_urlsafe(12)
    password: str = temporary or data["password"]
    account = request.app[REALM].users.add(email, password, email=email, user_id=the_store.new_uuid())
    # The generated client's UsersInviteResponse200 requires both: the initial password, given or issued.
    return json_response({"id": the_store.add_user(account).id, "password": password})


def _set_enabled(enabled: bool) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        store(request).user_by_email(body(request)["email"].strip()).account.enabled = enabled
        return json_response({})

    return handler


HANDLERS: dict[str, Handler] = {
    "users_query": users_query,
    "users_invite": users_invite,
    "users_deactivate": _set_enabled(False),
    "users_activate": _set_enabled(True),
}
