"""One Keycloak realm: its name, issuer, token lifetimes and clock, composed of its signing key,
users, clients and sessions, minting the token responses the grants hand out and verifying the
bearer tokens the other sandbox upstreams are shown.

``base_url`` (scheme://host:port of the sandbox) fixes the issuer; the server sets it once it is
bound (:meth:`TokenRealm.set_base_url`). If it is still unset when the first token is requested,
the token endpoint pins it from that request's scheme and Host.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.keycloak.claims import access_claims, id_token_claims, refresh_claims
from sandbox.keycloak.clients import ClientRegistry
from sandbox.keycloak.keys import SigningKey
from sandbox.keycloak.sessions import RefreshRecord, Session, SessionStore
from sandbox.keycloak.users import RealmUser, UserDirectory
from sandbox.keycloak.verify import verify_token

PATH_PREFIX: Final = "/auth"


class TokenRealm:
    """One realm's state (keys, clients, users, sessions, lifetimes, an injectable clock) and
    its counters of issued tokens and rejected requests (by grant and by OAuth error)."""

    def __init__(
        self,
        *,
        name: str = "master",
        private_key: rsa.RSAPrivateKey | None = None,
        clients: Mapping[str, str] | None = None,
        users: Mapping[str, RealmUser] | None = None,
        access_token_lifetime: int = 3600,
        refresh_token_lifetime: int = 1800,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = SigningKey(private_key, name)
        if access_token_lifetime <= 0 or refresh_token_lifetime <= 0:
            raise ValueError("token lifetimes must be positive")
        self.name = name
        self.base_url: str | None = None
        self.clients = ClientRegistry(clients)
        self.users = UserDirectory((users or {}).values())
        self.sessions = SessionStore()
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.clock = clock
        self.max_body_bytes = 64 * 1024
        self.issued: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    # ------------------------------------------------------------------ issuer

    def set_base_url(self, base_url: str) -> None:
        """Fix the public base URL (e.g. ``http://127.0.0.1:8080``); the issuer derives from it."""
        self.base_url = base_url.rstrip("/")

    @property
    def issuer(self) -> str | None:
        """``{base_url}/auth/realms/{name}``, or None until the base URL is known."""
        if self.base_url is None:
            return None
        return self.issuer_for(self.base_url)

    def issuer_for(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{PATH_PREFIX}/realms/{self.name}"

    # ------------------------------------------------------------------ tokens

    def now(self) -> int:
        return int(self.clock())

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Verify a bearer token minted by this realm and return its claims (see
        `sandbox.keycloak.verify`); raises `InvalidToken`."""
        return verify_token(self.keys, token, expected_typ="Bearer", issuer=self.issuer, now=self.clock())

    def verify_refresh_token(self, token: str) -> dict[str, Any]:
        return verify_token(self.keys, token, expected_typ="Refresh", issuer=self.issuer, now=self.clock())

    def issue(
        self,
        *,
        grant: str,
        issuer: str,
        client_id: str,
        scope: str,
        user: RealmUser | None,
        session: Session | None,
        client_address: str | None,
    ) -> dict[str, Any]:
        """The token endpoint's answer to a granted request: an access token, plus a refresh
        token for a session and an ID token when the ``openid`` scope was granted to a user."""
        now = self.now()
        access = access_claims(
            realm=self.name,
            issuer=issuer,
            client_id=client_id,
            subject=user.user_id if user else self.clients.service_account_id(client_id),
            scope=scope,
            user=user,
            session=session,
            now=now,
            lifetime=self.access_token_lifetime,
            client_address=client_address,
        )
        access_token = self.keys.sign(access)
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": self.access_token_lifetime,
            "refresh_expires_in": 0,
        }
        if session is not None:
            jti, expires = str(uuid.uuid4()), now + self.refresh_token_lifetime
            self.sessions.remember_refresh(jti, RefreshRecord(session.session_id, client_id, expires), now)
            body["refresh_expires_in"] = self.refresh_token_lifetime
            body["refresh_token"] = self.keys.sign(
                refresh_claims(access, jti=jti, expires=expires, session=session, scope=scope)
            )
        body["token_type"] = "Bearer"
        if "openid" in scope.split() and user is not None and session is not None:
            body["id_token"] = self.keys.sign(id_token_claims(access, access_token, user, session))
        body["not-before-policy"] = 0
        if session is not None:
            body["session_state"] = session.session_id
        body["scope"] = scope
        self.issued[grant] += 1
        return body
