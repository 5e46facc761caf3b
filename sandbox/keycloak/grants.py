"""The grants the token endpoint supports: ``password``, ``client_credentials`` and
``refresh_token`` (refresh tokens rotate: each use revokes the presented one), and the scopes a
client may ask for. Each grant checks its form and the realm's state and says what it grants;
`run_grant` has the realm issue the tokens."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sandbox.keycloak.errors import InvalidToken, OAuthError
from sandbox.keycloak.realm import TokenRealm
from sandbox.keycloak.sessions import Session
from sandbox.keycloak.users import RealmUser

GRANT_PASSWORD: Final = "password"
GRANT_CLIENT_CREDENTIALS: Final = "client_credentials"
GRANT_REFRESH_TOKEN: Final = "refresh_token"

# Keycloak's default client scopes for a confidential client; always granted.
DEFAULT_SCOPES: Final = ("profile", "email")
# Optional scopes a client may ask for in addition to the defaults.
OPTIONAL_SCOPES: Final = frozenset({"openid", "profile", "email"})


@dataclass(frozen=True, slots=True)
class Granted:
    """What a grant allows: the scope, and for a user login the user and their session."""

    scope: str
    user: RealmUser | None = None
    session: Session | None = None


Grant = Callable[[TokenRealm, str, Mapping[str, str]], Granted]


def resolve_scope(requested: str | None) -> str:
    """The granted scope string: the defaults plus what was asked for (``openid`` first)."""
    scopes = list(DEFAULT_SCOPES)
    if requested:
        unknown = [s for s in requested.split() if s not in OPTIONAL_SCOPES]
        if unknown:
            raise OAuthError(400, "invalid_scope", f"Invalid scopes: {requested}")
        for s in requested.split():
            if s in scopes:
                continue
            if s == "openid":
                scopes.insert(0, s)
            else:
                scopes.append(s)
    return " ".join(scopes)


def grant_password(realm: TokenRealm, client_id: str, form: Mapping[str, str]) -> Granted:
    username, password = form.get("username"), form.get("password")
    if not username:
        raise OAuthError(400, "invalid_request", "Missing parameter: username")
    if password is None:
        raise OAuthError(400, "invalid_request", "Missing parameter: password")
    scope = resolve_scope(form.get("scope"))
    user = realm.users.find(username)
    if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
        raise OAuthError(401, "invalid_grant", "Invalid user credentials")
    if not user.enabled:
        raise OAuthError(400, "invalid_grant", "Account disabled")
    session = realm.sessions.open(client_id, user.username.lower(), scope, realm.now())
    return Granted(scope, user, session)


def grant_client_credentials(realm: TokenRealm, client_id: str, form: Mapping[str, str]) -> Granted:
    if realm.clients.is_public(client_id):
        raise OAuthError(400, "unauthorized_client", "Public client not allowed to retrieve service account")
    scope = resolve_scope(form.get("scope"))
    return Granted(scope)


def grant_refresh_token(realm: TokenRealm, client_id: str, form: Mapping[str, str]) -> Granted:
    token = form.get("refresh_token")
    if not token:
        raise OAuthError(400, "invalid_request", "Missing parameter: refresh_token")
    try:
        claims = realm.verify_refresh_token(token)
    except InvalidToken as exc:
        if exc.reason == InvalidToken.REASON_EXPIRED:
            raise OAuthError(400, "invalid_grant", "Token is not active") from exc
        raise OAuthError(400, "invalid_grant", "Invalid refresh token") from exc
    if claims.get("azp") != client_id:
        raise OAuthError(400, "invalid_grant", "Unmatching clients")
    record = realm.sessions.take_refresh(claims["jti"])
    if record is None:
        raise OAuthError(400, "invalid_grant", "Maximum allowed refresh token reuse exceeded")
    session = realm.sessions.get(record.session_id)
    if session is None or record.session_id != claims.get("session_state"):
        raise OAuthError(400, "invalid_grant", "Session not active")
    user = realm.users.get(session.user_key)
    if user is None or not user.enabled:
        realm.sessions.revoke(session.session_id)
        raise OAuthError(400, "invalid_grant", "User not found or disabled")
    scope = session.scope
    if form.get("scope"):
        narrowed = resolve_scope(form["scope"])
        if not set(narrowed.split()) <= set(session.scope.split()):
            raise OAuthError(400, "invalid_scope", "Client no longer has requested consent from user")
        scope = narrowed
    return Granted(scope, user, session)


GRANTS: Final[Mapping[str, Grant]] = {
    GRANT_PASSWORD: grant_password,
    GRANT_CLIENT_CREDENTIALS: grant_client_credentials,
    GRANT_REFRESH_TOKEN: grant_refresh_token,
}


def run_grant(
    realm: TokenRealm,
    grant_type: str,
    issuer: str,
    client_id: str,
    form: Mapping[str, str],
    client_address: str | None,
) -> dict[str, Any]:
    """The token response of grant ``grant_type`` (one of `GRANTS`) for an authenticated client."""
    granted = GRANTS[grant_type](realm, client_id, form)
    return realm.issue(
        grant=grant_type,
        issuer=issuer,
        client_id=client_id,
        scope=granted.scope,
        user=granted.user,
        session=granted.session,
        client_address=client_address,
    )
