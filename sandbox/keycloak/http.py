"""The realm's Keycloak endpoints on an aiohttp application.

Routes (``/auth`` prefix, as Wallaroo's bundled Keycloak serves them)::

    POST /auth/realms/{realm}/protocol/openid-connect/token
    GET  /auth/realms/{realm}/protocol/openid-connect/certs
    GET  /auth/realms/{realm}/.well-known/openid-configuration
    GET  /auth/realms/{realm}

A request naming any other realm gets 404 ``{"error": "Realm does not exist"}``. The token
endpoint reads a bounded form body, authenticates the client (HTTP Basic or form fields), and
runs the grant; there is no browser login, introspection or userinfo.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl, unquote_plus

from aiohttp import web

from sandbox.keycloak.errors import OAuthError
from sandbox.keycloak.grants import GRANTS, OPTIONAL_SCOPES, run_grant
from sandbox.keycloak.keys import ALGORITHM
from sandbox.keycloak.realm import PATH_PREFIX, TokenRealm

FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
_MAX_FORM_FIELDS: Final = 64
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_CLAIMS_SUPPORTED: Final = (
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
)


def _oauth_error_response(realm: TokenRealm, exc: OAuthError) -> web.Response:
    headers = dict(_NO_STORE)
    if exc.status == 401 and exc.basic:
        headers["WWW-Authenticate"] = f'Basic realm="{realm.name}"'
    return web.json_response(
        {"error": exc.error, "error_description": exc.description}, status=exc.status, headers=headers
    )


def _parse_basic(header: str) -> tuple[str, str]:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise OAuthError(400, "invalid_request", "Unsupported or malformed Authorization header")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise OAuthError(400, "invalid_request", "Malformed Basic authorization header") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError(400, "invalid_request", "Malformed Basic authorization header")
    return client_id, secret


def _authenticate_client(realm: TokenRealm, request: web.Request, form: Mapping[str, str]) -> str:
    """Return the authenticated client id or raise invalid_client/invalid_request."""
    auth = request.headers.get("Authorization")
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if auth is not None:
        client_id, secret = _parse_basic(auth)
        if realm.clients.knows(unquote_plus(client_id)):
            client_id = unquote_plus(client_id)
        if form_id is not None and form_id != client_id:
            raise OAuthError(400, "invalid_request", "Client id in form does not match Authorization header")
        if form_secret is not None:
            raise OAuthError(400, "invalid_request", "Multiple client authentication methods used")
        basic = True
    else:
        if not form_id:
            raise OAuthError(400, "invalid_client", "Missing parameter: client_id")
        client_id, secret, basic = form_id, form_secret or "", False
    return realm.clients.authenticate(client_id, secret, basic=basic)


async def _read_form(realm: TokenRealm, request: web.Request) -> dict[str, str]:
    if request.content_type.lower() != FORM_CONTENT_TYPE:
        raise OAuthError(400, "invalid_request", f"Content-Type must be {FORM_CONTENT_TYPE}")
    charset = request.charset
    if charset is not None and charset.lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise OAuthError(400, "invalid_request", "Unsupported charset")
    limit = realm.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise OAuthError(413, "invalid_request", "Request body too large")
    body = bytearray()
    while len(body) <= limit:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body.extend(chunk)
    if len(body) > limit:
        raise OAuthError(413, "invalid_request", "Request body too large")
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
        raise OAuthError(400, "invalid_request", "Malformed form body") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError(400, "invalid_request", f"Duplicated parameter: {key}")
        if "\x00" in key or "\x00" in value:
            raise OAuthError(400, "invalid_request", "Malformed form body")
        form[key] = value
    return form


def add_token_routes(app: web.Application, realm: TokenRealm) -> None:
    """Mount the realm's Keycloak endpoints on ``app``."""
    base = f"{PATH_PREFIX}/realms/{{realm}}"

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
            grant_type = form.get("grant_type")
            if not grant_type:
                raise OAuthError(400, "invalid_request", "Missing form parameter: grant_type")
            if grant_type not in GRANTS:
                raise OAuthError(400, "unsupported_grant_type", "Unsupported grant_type")
            client_id = _authenticate_client(realm, request, form)
            if realm.base_url is None:
                realm.set_base_url(f"{request.scheme}://{request.host}")
            body = run_grant(realm, grant_type, request_issuer(request), client_id, form, request.remote)
        except OAuthError as exc:
            realm.rejected[exc.error] += 1
            return _oauth_error_response(realm, exc)
        return web.json_response(body, headers=_NO_STORE)

    async def certs(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        return web.json_response({"keys": [realm.keys.jwk()]})

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
                "grant_types_supported": list(GRANTS),
                "response_types_supported": ["none"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [ALGORITHM],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": sorted(OPTIONAL_SCOPES),
                "claims_supported": list(_CLAIMS_SUPPORTED),
            }
        )

    async def realm_info(request: web.Request) -> web.StreamResponse:
        if (missing := unknown_realm(request)) is not None:
            return missing
        issuer = request_issuer(request)
        der_b64 = "".join(realm.keys.public_key_pem().splitlines()[1:-1])
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
