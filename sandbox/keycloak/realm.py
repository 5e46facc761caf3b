"""Keycloak-compatible token service for the sandbox.

Wallaroo authenticates MLOps API callers with bearer tokens minted by its bundled Keycloak:
a client POSTs a form-encoded ``password`` grant to
``/auth/realms/master/protocol/openid-connect/token``, authenticating the confidential
client ``api-client`` with HTTP Basic, and gets back a 60-minute RS256 JWT plus a refresh
token.  This module is the sandbox's stand-in for that service:

* :class:`TokenRealm` holds one realm's state (signing key, clients, users, lifetimes,
  an injectable clock, live sessions and refresh tokens, per-grant counters) and mints
  and verifies tokens shaped like Keycloak's (the claims mirror the example tokens in the
  Wallaroo documents: ``exp iat jti iss aud sub typ azp session_state acr realm_access
  resource_access scope sid email_verified preferred_username email`` and the Hasura
  claims).
* :func:`add_token_routes` mounts the Keycloak endpoints on an aiohttp application
  (``/auth/realms/{realm}/protocol/openid-connect/token``, ``.../certs``,
  ``/.well-known/openid-configuration`` and the realm info document);
  :func:`make_token_app` builds a standalone application serving only those.
* :meth:`TokenRealm.verify_access_token` is what the other sandbox upstreams use to decide
  whether a bearer token is good; it raises :class:`InvalidToken` carrying a machine
  readable ``reason``.

Supported grants: ``password``, ``client_credentials`` and ``refresh_token`` (refresh
tokens rotate: each use revokes the presented one).  Only the token, JWKS, discovery and
realm-info endpoints exist; there is no browser login, introspection or userinfo.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_plus

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "GRANT_CLIENT_CREDENTIALS",
    "GRANT_PASSWORD",
    "GRANT_REFRESH_TOKEN",
    "InvalidToken",
    "RealmUser",
    "TokenRealm",
    "add_token_routes",
    "generate_signing_key",
    "make_token_app",
]

DEFAULT_CLIENT_ID: Final = "api-client"
DEFAULT_CLIENT_SECRET: Final = "sandbox-api-client-secret"
DEFAULT_PUBLIC_CLIENT_ID: Final = "sdk-client"

GRANT_PASSWORD: Final = "password"
GRANT_CLIENT_CREDENTIALS: Final = "client_credentials"
GRANT_REFRESH_TOKEN: Final = "refresh_token"
SUPPORTED_GRANTS: Final = (GRANT_PASSWORD, GRANT_CLIENT_CREDENTIALS, GRANT_REFRESH_TOKEN)

FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
ALGORITHM: Final = "RS256"
# Keycloak's default client scopes for a confidential client; always granted.
DEFAULT_SCOPES: Final = ("profile", "email")
# Optional scopes a client may ask for in addition to the defaults.
OPTIONAL_SCOPES: Final = frozenset({"openid", "profile", "email"})

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

# Longest token the verifier will even try to parse; real Keycloak tokens are ~1.5-3 KiB.
MAX_TOKEN_CHARS: Final = 16 * 1024
# Largest Authorization header / form field we accept before calling the request malformed.
_MAX_FORM_FIELDS: Final = 64


class InvalidToken(Exception):
    """A bearer/refresh token failed verification.

    ``reason`` is one of the ``REASON_*`` constants below, ``detail`` is a human readable
    explanation suitable for an ``error_description``.
    """

    REASON_MALFORMED: Final = "malformed"
    REASON_BAD_SIGNATURE: Final = "bad_signature"
    REASON_EXPIRED: Final = "expired"
    REASON_NOT_YET_VALID: Final = "not_yet_valid"
    REASON_WRONG_ISSUER: Final = "wrong_issuer"
    REASON_WRONG_TYPE: Final = "wrong_type"
    REASON_MISSING_CLAIM: Final = "missing_claim"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def www_authenticate(self, realm: str = "master") -> str:
        """A RFC 6750 ``WWW-Authenticate`` value for a 401 answering this failure."""
        detail = self.detail.replace("\\", "\\\\").replace('"', '\\"')
        return f'Bearer realm="{realm}", error="invalid_token", error_description="{detail}"'


@dataclass
class RealmUser:
    """A Keycloak user: login name, password, stable id and profile attributes."""

    username: str
    password: str
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str | None = None
    admin: bool = False
    enabled: bool = True
    email_verified: bool = True
    first_name: str | None = None
    last_name: str | None = None


@dataclass
class _Session:
    session_id: str
    client_id: str
    user_key: str
    scope: str
    started: int


@dataclass
class _RefreshRecord:
    session_id: str
    client_id: str
    expires: int


def generate_signing_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key, as Keycloak generates for a new realm."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


@dataclass(eq=False)
class TokenRealm:
    """One Keycloak realm: keys, clients, users, sessions, lifetimes and counters.

    ``base_url`` (scheme://host:port of the sandbox) fixes the issuer; set it once the
    server is bound with :meth:`set_base_url`.  If it is still unset when the first token
    is requested, it is pinned from that request's scheme and Host.
    """

    name: str = "master"
    base_url: str | None = None
    path_prefix: str = "/auth"
    private_key: rsa.RSAPrivateKey | None = None
    kid: str | None = None
    clients: dict[str, str] = field(default_factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
    public_clients: set[str] = field(default_factory=lambda: {DEFAULT_PUBLIC_CLIENT_ID})
    users: dict[str, RealmUser] = field(default_factory=dict)
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 1800
    clock: Callable[[], float] = time.time
    max_body_bytes: int = 64 * 1024
    issued: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    _sessions: dict[str, _Session] = field(default_factory=dict, init=False, repr=False)
    _refresh: dict[str, _RefreshRecord] = field(default_factory=dict, init=False, repr=False)
    _service_accounts: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _public_key_obj: rsa.RSAPublicKey = field(init=False, repr=False)
    _jwk: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.private_key is None:
            self.private_key = generate_signing_key()
        if self.private_key.key_size < 2048:
            raise ValueError("RS256 signing keys must be at least 2048 bits")
        if self.access_token_lifetime <= 0 or self.refresh_token_lifetime <= 0:
            raise ValueError("token lifetimes must be positive")
        if self.base_url is not None:
            self.set_base_url(self.base_url)
        # Keycloak user names are case-insensitive; key users by their lower-cased name.
        self.users = {user.username.lower(): user for user in self.users.values()}
        self.path_prefix = "/" + self.path_prefix.strip("/") if self.path_prefix.strip("/") else ""
        self._public_key_obj = self.private_key.public_key()
        numbers = self._public_key_obj.public_numbers()
        n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
        if self.kid is None:
            # RFC 7638 thumbprint, the same shape as Keycloak's key ids.
            canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
            self.kid = _b64url(hashlib.sha256(canonical.encode()).digest())
        cert_der = self._self_signed_cert()
        self._jwk = {
            "kid": self.kid,
            "kty": "RSA",
            "alg": ALGORITHM,
            "use": "sig",
            "n": n,
            "e": e,
            "x5c": [base64.b64encode(cert_der).decode("ascii")],
            # x5t is defined as the SHA-1 certificate thumbprint (RFC 7517 4.8).
            "x5t": _b64url(hashlib.sha1(cert_der).digest()),
            "x5t#S256": _b64url(hashlib.sha256(cert_der).digest()),
        }

    # ------------------------------------------------------------------ configuration

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
        return f"{base_url.rstrip('/')}{self.path_prefix}/realms/{self.name}"

    def add_user(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        user_id: str | None = None,
        admin: bool = False,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> RealmUser:
        """Register a user (Keycloak stores usernames lower-cased) and return it."""
        user = RealmUser(
            username=username.lower(),
            password=password,
            user_id=user_id or str(uuid.uuid4()),
            email=email.lower() if email else None,
            admin=admin,
            first_name=first_name,
            last_name=last_name,
        )
        self.users[user.username] = user
        return user

    def add_client(self, client_id: str, secret: str | None) -> None:
        """Register a confidential client (with ``secret``) or a public one (``secret=None``)."""
        if secret is None:
            self.public_clients.add(client_id)
            self.clients.pop(client_id, None)
        else:
            self.clients[client_id] = secret
            self.public_clients.discard(client_id)

    def service_account_id(self, client_id: str) -> str:
        """The stable user id of a confidential client's service account."""
        return self._service_accounts.setdefault(client_id, str(uuid.uuid4()))

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._public_key_obj

    def public_key_pem(self) -> str:
        return self._public_key_obj.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def jwks(self) -> dict[str, Any]:
        """The realm's JSON Web Key Set, as served at ``.../protocol/openid-connect/certs``."""
        return {"keys": [dict(self._jwk)]}

    def revoke_session(self, session_id: str) -> bool:
        """Log a session out: its refresh tokens stop working.  True if it existed."""
        existed = self._sessions.pop(session_id, None) is not None
        for jti in [j for j, rec in self._refresh.items() if rec.session_id == session_id]:
            del self._refresh[jti]
        return existed

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    # ------------------------------------------------------------------ verification

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Verify a bearer token minted by this realm and return its claims.

        Checks, in order: shape, header (``alg`` must be RS256, ``kid`` this realm's),
        RS256 signature, required claims, ``exp``/``iat`` against the realm clock with
        zero leeway, issuer, and ``typ == "Bearer"``.  Raises :class:`InvalidToken`.
        """
        return self._verify(token, expected_typ="Bearer")

    def _verify(self, token: object, *, expected_typ: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken(InvalidToken.REASON_MALFORMED, "Token is missing or too long")
        if token.count(".") != 2:
            raise InvalidToken(InvalidToken.REASON_MALFORMED, "Token is not a signed JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(InvalidToken.REASON_MALFORMED, f"Invalid token header: {exc}") from exc
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise InvalidToken(InvalidToken.REASON_BAD_SIGNATURE, f"Unsupported signing algorithm {alg!r}")
        if header.get("kid") != self.kid:
            raise InvalidToken(InvalidToken.REASON_BAD_SIGNATURE, "Unknown signing key id")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_key_obj,
                algorithms=[ALGORITHM],
                leeway=0,
                options={
                    "require": ["exp", "iat", "iss", "sub", "jti", "typ"],
                    # Time and issuer are checked below against the realm's (injectable) clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_iss": False,
                    "verify_aud": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken(InvalidToken.REASON_BAD_SIGNATURE, "Invalid token signature") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise InvalidToken(InvalidToken.REASON_BAD_SIGNATURE, "Unsupported signing algorithm") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(InvalidToken.REASON_MISSING_CLAIM, str(exc)) from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(InvalidToken.REASON_MALFORMED, f"Invalid token: {exc}") from exc
        exp, iat = claims["exp"], claims["iat"]
        if not _is_number(exp) or not _is_number(iat):
            raise InvalidToken(InvalidToken.REASON_MALFORMED, "exp and iat must be numeric")
        now = self.clock()
        if exp <= now:
            raise InvalidToken(InvalidToken.REASON_EXPIRED, "Token is expired")
        if iat > now:
            raise InvalidToken(InvalidToken.REASON_NOT_YET_VALID, "Token is not yet valid")
        if self.issuer is None or claims["iss"] != self.issuer:
            raise InvalidToken(InvalidToken.REASON_WRONG_ISSUER, "Token was not issued by this realm")
        if claims["typ"] != expected_typ:
            raise InvalidToken(InvalidToken.REASON_WRONG_TYPE, f"Token type is not {expected_typ}")
        return claims

    # ------------------------------------------------------------------ minting

    def _now(self) -> int:
        return int(self.clock())

    def _sign(self, claims: Mapping[str, Any]) -> str:
        assert self.private_key is not None
        return jwt.encode(dict(claims), self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def _self_signed_cert(self) -> bytes:
        assert self.private_key is not None
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(self.private_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.DER)

    def _realm_roles(self, user: RealmUser | None) -> list[str]:
        default_roles, offline, uma = (r.format(realm=self.name) for r in _BASE_REALM_ROLES)
        if user is not None and user.admin:
            # Same order as the admin tokens in the Wallaroo documents.
            create_realm, admin = _ADMIN_REALM_ROLES
            return [create_realm, default_roles, offline, admin, uma]
        return [default_roles, offline, uma]

    def _access_claims(
        self,
        *,
        issuer: str,
        client_id: str,
        scope: str,
        user: RealmUser | None,
        session: _Session | None,
        now: int,
        client_address: str | None,
    ) -> dict[str, Any]:
        resource_access: dict[str, Any] = {"account": {"roles": list(_ACCOUNT_ROLES)}}
        if user is not None and user.admin:
            resource_access = {"master-realm": {"roles": list(_ADMIN_REALM_MGMT_ROLES)}, **resource_access}
        claims: dict[str, Any] = {
            "exp": now + self.access_token_lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": issuer,
            "aud": [f"{self.name}-realm", "account"],
            "sub": user.user_id if user else self.service_account_id(client_id),
            "typ": "Bearer",
            "azp": client_id,
        }
        if session is not None:
            claims["session_state"] = session.session_id
        claims["acr"] = "1"
        claims["allowed-origins"] = ["*"]
        claims["realm_access"] = {"roles": self._realm_roles(user)}
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

    def _prune(self, now: int) -> None:
        if len(self._refresh) > 256:
            for jti in [j for j, rec in self._refresh.items() if rec.expires <= now]:
                del self._refresh[jti]

    def _token_response(
        self,
        *,
        grant: str,
        issuer: str,
        client_id: str,
        scope: str,
        user: RealmUser | None,
        session: _Session | None,
        client_address: str | None,
    ) -> dict[str, Any]:
        now = self._now()
        access_claims = self._access_claims(
            issuer=issuer,
            client_id=client_id,
            scope=scope,
            user=user,
            session=session,
            now=now,
            client_address=client_address,
        )
        access_token = self._sign(access_claims)
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": self.access_token_lifetime,
            "refresh_expires_in": 0,
        }
        if session is not None:
            self._prune(now)
            refresh_jti = str(uuid.uuid4())
            refresh_exp = now + self.refresh_token_lifetime
            refresh_claims = {
                "exp": refresh_exp,
                "iat": now,
                "jti": refresh_jti,
                "iss": issuer,
                "aud": issuer,
                "sub": access_claims["sub"],
                "typ": "Refresh",
                "azp": client_id,
                "session_state": session.session_id,
                "scope": scope,
                "sid": session.session_id,
            }
            self._refresh[refresh_jti] = _RefreshRecord(session.session_id, client_id, refresh_exp)
            body["refresh_expires_in"] = self.refresh_token_lifetime
            body["refresh_token"] = self._sign(refresh_claims)
        body["token_type"] = "Bearer"
        if "openid" in scope.split() and user is not None and session is not None:
            body["id_token"] = self._sign(self._id_token_claims(access_claims, access_token, user, session))
        body["not-before-policy"] = 0
        if session is not None:
            body["session_state"] = session.session_id
        body["scope"] = scope
        self.issued[grant] += 1
        return body

    def _id_token_claims(
        self, access: Mapping[str, Any], access_token: str, user: RealmUser, session: _Session
    ) -> dict[str, Any]:
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
            "at_hash": _b64url(digest[: len(digest) // 2]),
            "acr": "1",
            "sid": session.session_id,
            "email_verified": user.email_verified,
            "preferred_username": user.username,
        }
        if user.email:
            claims["email"] = user.email
        return claims

    # ------------------------------------------------------------------ grants

    def _find_user(self, username: str) -> RealmUser | None:
        key = username.lower()
        user = self.users.get(key)
        if user is not None:
            return user
        return next((u for u in self.users.values() if u.email == key), None)

    def _scope(self, requested: str | None) -> str:
        scopes = list(DEFAULT_SCOPES)
        if requested:
            unknown = [s for s in requested.split() if s not in OPTIONAL_SCOPES]
            if unknown:
                raise _OAuthError(400, "invalid_scope", f"Invalid scopes: {requested}")
            for s in requested.split():
                if s in scopes:
                    continue
                if s == "openid":
                    scopes.insert(0, s)
                else:
                    scopes.append(s)
        return " ".join(scopes)

    def grant_password(
        self, issuer: str, client_id: str, form: Mapping[str, str], client_address: str | None
    ) -> dict[str, Any]:
        username, password = form.get("username"), form.get("password")
        if not username:
            raise _OAuthError(400, "invalid_request", "Missing parameter: username")
        if password is None:
            raise _OAuthError(400, "invalid_request", "Missing parameter: password")
        scope = self._scope(form.get("scope"))
        user = self._find_user(username)
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            raise _OAuthError(401, "invalid_grant", "Invalid user credentials")
        if not user.enabled:
            raise _OAuthError(400, "invalid_grant", "Account disabled")
        session = _Session(str(uuid.uuid4()), client_id, user.username.lower(), scope, self._now())
        self._sessions[session.session_id] = session
        return self._token_response(
            grant=GRANT_PASSWORD,
            issuer=issuer,
            client_id=client_id,
            scope=scope,
            user=user,
            session=session,
            client_address=client_address,
        )

    def grant_client_credentials(
        self, issuer: str, client_id: str, form: Mapping[str, str], client_address: str | None
    ) -> dict[str, Any]:
        if client_id in self.public_clients:
            raise _OAuthError(
                400, "unauthorized_client", "Public client not allowed to retrieve service account"
            )
        scope = self._scope(form.get("scope"))
        return self._token_response(
            grant=GRANT_CLIENT_CREDENTIALS,
            issuer=issuer,
            client_id=client_id,
            scope=scope,
            user=None,
            session=None,
            client_address=client_address,
        )

    def grant_refresh_token(
        self, issuer: str, client_id: str, form: Mapping[str, str], client_address: str | None
    ) -> dict[str, Any]:
        token = form.get("refresh_token")
        if not token:
            raise _OAuthError(400, "invalid_request", "Missing parameter: refresh_token")
        try:
            claims = self._verify(token, expected_typ="Refresh")
        except InvalidToken as exc:
            if exc.reason == InvalidToken.REASON_EXPIRED:
                raise _OAuthError(400, "invalid_grant", "Token is not active") from exc
            raise _OAuthError(400, "invalid_grant", "Invalid refresh token") from exc
        if claims.get("azp") != client_id:
            raise _OAuthError(400, "invalid_grant", "Unmatching clients")
        record = self._refresh.pop(claims["jti"], None)
        if record is None:
            raise _OAuthError(400, "invalid_grant", "Maximum allowed refresh token reuse exceeded")
        session = self._sessions.get(record.session_id)
        if session is None or record.session_id != claims.get("session_state"):
            raise _OAuthError(400, "invalid_grant", "Session not active")
        user = self.users.get(session.user_key)
        if user is None or not user.enabled:
            self.revoke_session(session.session_id)
            raise _OAuthError(400, "invalid_grant", "User not found or disabled")
        scope = session.scope
        if form.get("scope"):
            narrowed = self._scope(form["scope"])
            if not set(narrowed.split()) <= set(session.scope.split()):
                raise _OAuthError(400, "invalid_scope", "Client no longer has requested consent from user")
            scope = narrowed
        return self._token_response(
            grant=GRANT_REFRESH_TOKEN,
            issuer=issuer,
            client_id=client_id,
            scope=scope,
            user=user,
            session=session,
            client_address=client_address,
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str, *, basic: bool = False) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.basic = basic


_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error_response(realm: TokenRealm, exc: _OAuthError) -> web.Response:
    headers = dict(_NO_STORE)
    if exc.status == 401 and exc.basic:
        headers["WWW-Authenticate"] = f'Basic realm="{realm.name}"'
    return web.json_response(
        {"error": exc.error, "error_description": exc.description}, status=exc.status, headers=headers
    )


def _parse_basic(header: str) -> tuple[str, str]:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise _OAuthError(400, "invalid_request", "Unsupported or malformed Authorization header")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise _OAuthError(400, "invalid_request", "Malformed Basic authorization header") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise _OAuthError(400, "invalid_request", "Malformed Basic authorization header")
    return client_id, secret


def _secret_matches(expected: str, given: str) -> bool:
    if hmac.compare_digest(expected.encode(), given.encode()):
        return True
    # RFC 6749 2.3.1: Basic credentials are form-urlencoded before base64.
    return hmac.compare_digest(expected.encode(), unquote_plus(given).encode())


def _authenticate_client(realm: TokenRealm, request: web.Request, form: Mapping[str, str]) -> str:
    """Return the authenticated client id or raise invalid_client/invalid_request."""
    auth = request.headers.get("Authorization")
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if auth is not None:
        client_id, secret = _parse_basic(auth)
        if unquote_plus(client_id) in realm.clients or unquote_plus(client_id) in realm.public_clients:
            client_id = unquote_plus(client_id)
        if form_id is not None and form_id != client_id:
            raise _OAuthError(400, "invalid_request", "Client id in form does not match Authorization header")
        if form_secret is not None:
            raise _OAuthError(400, "invalid_request", "Multiple client authentication methods used")
        basic = True
    else:
        if not form_id:
            raise _OAuthError(400, "invalid_client", "Missing parameter: client_id")
        client_id, secret, basic = form_id, form_secret or "", False
    if client_id in realm.public_clients:
        return client_id
    expected = realm.clients.get(client_id)
    if expected is None:
        raise _OAuthError(401, "invalid_client", "Invalid client or Invalid client credentials", basic=basic)
    if not secret:
        raise _OAuthError(401, "invalid_client", "Client secret not provided in request", basic=basic)
    if not _secret_matches(expected, secret):
        raise _OAuthError(401, "invalid_client", "Invalid client or Invalid client credentials", basic=basic)
    return client_id


async def _read_form(realm: TokenRealm, request: web.Request) -> dict[str, str]:
    if request.content_type.lower() != FORM_CONTENT_TYPE:
        raise _OAuthError(400, "invalid_request", f"Content-Type must be {FORM_CONTENT_TYPE}")
    charset = request.charset
    if charset is not None and charset.lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise _OAuthError(400, "invalid_request", "Unsupported charset")
    limit = realm.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _OAuthError(413, "invalid_request", "Request body too large")
    body = bytearray()
    while len(body) <= limit:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body.extend(chunk)
    if len(body) > limit:
        raise _OAuthError(413, "invalid_request", "Request body too large")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise _OAuthError(400, "invalid_request", "Malformed form body") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise _OAuthError(400, "invalid_request", f"Duplicated parameter: {key}")
        if "\x00" in key or "\x00" in value:
            raise _OAuthError(400, "invalid_request", "Malformed form body")
        form[key] = value
    return form


def add_token_routes(app: web.Application, realm: TokenRealm) -> None:
    """Mount the realm's Keycloak endpoints on ``app``.

    Routes (with ``P`` = ``realm.path_prefix``, ``/auth`` by default)::

        POST P/realms/{realm}/protocol/openid-connect/token
        GET  P/realms/{realm}/protocol/openid-connect/certs
        GET  P/realms/{realm}/.well-known/openid-configuration
        GET  P/realms/{realm}

    A request naming any other realm gets 404 ``{"error": "Realm does not exist"}``.
    """
    base = f"{realm.path_prefix}/realms/{{realm}}"

    def unknown_realm(request: web.Request) -> web.Response | None:
        if request.match_info["realm"] != realm.name:
            return web.json_response({"error": "Realm does not exist"}, status=404)
        return None

    def request_issuer(request: web.Request) -> str:
        return realm.issuer or realm.issuer_for(f"{request.scheme}://{request.host}")

    async def token(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        try:
            form = await _read_form(realm, request)
            grant = form.get("grant_type")
            if not grant:
                raise _OAuthError(400, "invalid_request", "Missing form parameter: grant_type")
            if grant not in SUPPORTED_GRANTS:
                raise _OAuthError(400, "unsupported_grant_type", "Unsupported grant_type")
            client_id = _authenticate_client(realm, request, form)
            if realm.base_url is None:
                realm.set_base_url(f"{request.scheme}://{request.host}")
            issuer = request_issuer(request)
            handler = {
                GRANT_PASSWORD: realm.grant_password,
                GRANT_CLIENT_CREDENTIALS: realm.grant_client_credentials,
                GRANT_REFRESH_TOKEN: realm.grant_refresh_token,
            }[grant]
            body = handler(issuer, client_id, form, request.remote)
        except _OAuthError as exc:
            realm.rejected[exc.error] += 1
            return _oauth_error_response(realm, exc)
        return web.json_response(body, headers=_NO_STORE)

    async def certs(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        return web.json_response(realm.jwks())

    async def discovery(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        issuer = request_issuer(request)
        oidc = f"{issuer}/protocol/openid-connect"
        return web.json_response(
            {
                "issuer": issuer,
                "token_endpoint": f"{oidc}/token",
                "jwks_uri": f"{oidc}/certs",
                "grant_types_supported": list(SUPPORTED_GRANTS),
                "response_types_supported": ["none"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [ALGORITHM],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": sorted(OPTIONAL_SCOPES),
                "claims_supported": [
                    "aud",
                    "sub",
                    "iss",
                    "auth_time",
                    "name",
                    "given_name",
                    "family_name",
                    "preferred_username",
                    "email",
                    "acr",
                ],
            }
        )

    async def realm_info(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        issuer = request_issuer(request)
        der_b64 = "".join(realm.public_key_pem().splitlines()[1:-1])
        return web.json_response(
            {
                "realm": realm.name,
                "public_key": der_b64,
                "token-service": f"{issuer}/protocol/openid-connect",
                "account-service": f"{issuer}/account",
                "tokens-not-before": 0,
            }
        )

    app.router.add_post(f"{base}/protocol/openid-connect/token", token)
    app.router.add_get(f"{base}/protocol/openid-connect/certs", certs)
    app.router.add_get(f"{base}/.well-known/openid-configuration", discovery)
    app.router.add_get(base, realm_info)


def make_token_app(realm: TokenRealm | None = None) -> web.Application:
    """A standalone aiohttp application serving only ``realm``'s Keycloak endpoints."""
    app = web.Application()
    add_token_routes(app, realm if realm is not None else TokenRealm())
    return app
