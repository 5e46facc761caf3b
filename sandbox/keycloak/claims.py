"""The claims of the tokens a realm mints, shaped like Keycloak's.

They mirror the example tokens in the Wallaroo documents (``exp iat jti iss aud sub typ azp
session_state acr realm_access resource_access scope sid email_verified preferred_username
email`` and the Hasura claims), in the same order; admins get the admin realm and
realm-management roles.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, Final

from sandbox.keycloak.keys import b64url
from sandbox.keycloak.sessions import Session
from sandbox.keycloak.users import RealmUser

HASURA_CLAIMS: Final = "https://hasura.io/jwt/claims"
_BASE_REALM_ROLES: Final = ("default-roles-{realm}", "offline_access", "uma_authorization")
_ADMIN_REALM_ROLES: Final = ("create-realm", "admin")
_ACCOUNT_ROLES: Final = ("manage-account", "manage-account-links", "view-profile")
_ADMIN_REALM_MGMT_ROLES: Final = (
    "view-identity-providers",
    "view-realm",
    "manage-identity-providers",
    "impersonation",
    "create-client",
    "manage-users",
    "query-realms",
    "view-authorization",
    "query-clients",
    "query-users",
    "manage-events",
    "manage-realm",
    "view-events",
    "view-users",
    "view-clients",
    "manage-authorization",
    "manage-clients",
    "query-groups",
)


def _realm_roles(realm: str, user: RealmUser | None) -> list[str]:
    default_roles, offline, uma = (r.format(realm=realm) for r in _BASE_REALM_ROLES)
    if user is not None and user.admin:
        # Same order as the admin tokens in the Wallaroo documents.
        create_realm, admin = _ADMIN_REALM_ROLES
        return [create_realm, default_roles, offline, admin, uma]
    return [default_roles, offline, uma]


def access_claims(
    *,
    realm: str,
    issuer: str,
    client_id: str,
    subject: str,
    scope: str,
    user: RealmUser | None,
    session: Session | None,
    now: int,
    lifetime: int,
    client_address: str | None,
) -> dict[str, Any]:
    """An access token's claims: a user's, or (``user`` None) the client's service account's."""
    resource_access: dict[str, Any] = {"account": {"roles": list(_ACCOUNT_ROLES)}}
    if user is not None and user.admin:
        resource_access = {"master-realm": {"roles": list(_ADMIN_REALM_MGMT_ROLES)}, **resource_access}
    claims: dict[str, Any] = {
        "exp": now + lifetime,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": [f"{realm}-realm", "account"],
        "sub": subject,
        "typ": "Bearer",
        "azp": client_id,
    }
    if session is not None:
        claims["session_state"] = session.session_id
    claims["acr"] = "1"
    claims["allowed-origins"] = ["*"]
    claims["realm_access"] = {"roles": _realm_roles(realm, user)}
    claims["resource_access"] = resource_access
    claims["scope"] = scope
    if session is not None:
        claims["sid"] = session.session_id
    if user is None:
        claims["clientId"] = client_id
        claims["clientHost"] = client_address or "127.0.0.1"
        claims["email_verified"] = False
        claims["clientAddress"] = client_address or "127.0.0.1"
        claims["preferred_username"] = f"service-account-{client_id}"
        return claims
    claims["email_verified"] = user.email_verified
    hasura: dict[str, Any] = {"x-hasura-user-id": user.user_id}
    if user.email:
        hasura["x-hasura-user-email"] = user.email
    hasura["x-hasura-default-role"] = "admin_user" if user.admin else "user"
    hasura["x-hasura-allowed-roles"] = ["user", "admin_user"] if user.admin else ["user"]
    hasura["x-hasura-user-groups"] = "{}"
    claims[HASURA_CLAIMS] = hasura
    full_name = " ".join(p for p in (user.first_name, user.last_name) if p)
    if full_name:
        claims["name"] = full_name
    claims["preferred_username"] = user.username
    if user.first_name:
        claims["given_name"] = user.first_name
    if user.last_name:
        claims["family_name"] = user.last_name
    if user.email:
        claims["email"] = user.email
    return claims


def refresh_claims(
    access: Mapping[str, Any], *, jti: str, expires: int, session: Session, scope: str
) -> dict[str, Any]:
    """A refresh token's claims, for the session and subject of an access token."""
    return {
        "exp": expires,
        "iat": access["iat"],
        "jti": jti,
        "iss": access["iss"],
        "aud": access["iss"],
        "sub": access["sub"],
        "typ": "Refresh",
        "azp": access["azp"],
        "session_state": session.session_id,
        "scope": scope,
        "sid": session.session_id,
    }


def id_token_claims(
    access: Mapping[str, Any], access_token: str, user: RealmUser, session: Session
) -> dict[str, Any]:
    """An OpenID Connect ID token's claims, bound to ``access_token`` by ``at_hash``."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    claims = {
        "exp": access["exp"],
        "iat": access["iat"],
        "auth_time": session.started,
        "jti": str(uuid.uuid4()),
        "iss": access["iss"],
        "aud": access["azp"],
        "sub": user.user_id,
        "typ": "ID",
        "azp": access["azp"],
        "session_state": session.session_id,
        "at_hash": b64url(digest[: len(digest) // 2]),
        "acr": "1",
        "sid": session.session_id,
        "email_verified": user.email_verified,
        "preferred_username": user.username,
    }
    if user.email:
        claims["email"] = user.email
    return claims
