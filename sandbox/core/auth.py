"""Authentication of the sandbox's API, driven by each operation's `security` in the spec.

`wallarooBearer` operations (the MLOps API, inference included) need an access token the token
realm minted and still accepts; `openlayerApiKey` operations need one of the configured Openlayer
API keys as the bearer token. Failures answer 401 with `WWW-Authenticate: Bearer`, unless the
`stand_in` hook (the ignores_auth fault, `sandbox.faults.middleware`) answers claims for the
operation: then the request runs with those instead.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from gateway.contract import Contract, Operation
from sandbox.core.context import CLAIMS, OPERATION
from sandbox.core.errors import ApiError
from sandbox.keycloak.errors import InvalidToken
from sandbox.keycloak.realm import TokenRealm

WALLAROO_BEARER = "wallarooBearer"
OPENLAYER_API_KEY = "openlayerApiKey"


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthorized(msg: str, challenge: str) -> ApiError:
    return ApiError(401, msg, headers={"WWW-Authenticate": challenge})


def auth_middleware(
    contract: Contract,
    realm: TokenRealm,
    openlayer_keys: Iterable[str],
    stand_in: Callable[[Operation], dict[str, Any] | None] = lambda operation: None,
) -> Middleware:
    keys = tuple(key.encode() for key in openlayer_keys)
    plain_challenge = f'Bearer realm="{realm.name}"'

    def wallaroo(request: web.Request, token: str) -> None:
        try:
            request[CLAIMS] = realm.verify_access_token(token)
        except InvalidToken as exc:
            raise _unauthorized(
                f"invalid bearer token: {exc.detail}", exc.www_authenticate(realm.name)
            ) from None

    def openlayer(request: web.Request, token: str) -> None:
        if not any(hmac.compare_digest(token.encode(), key) for key in keys):
            raise _unauthorized(
                "invalid Openlayer API key", 'Bearer realm="openlayer", error="invalid_token"'
            )

    checks: dict[str, Callable[[web.Request, str], None]] = {
        WALLAROO_BEARER: wallaroo,
        OPENLAYER_API_KEY: openlayer,
    }
    unknown = {s for op in contract.operations.values() for s in op.security} - set(checks)
    if unknown:
        raise ValueError(f"the spec uses security schemes the sandbox cannot check: {sorted(unknown)}")

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        operation = request.get(OPERATION)
        if operation is not None and operation.security:
            token = bearer_token(request)
            try:
                if token is None:
                    raise _unauthorized("a bearer token is required", plain_challenge)
                checks[operation.security[0]](request, token)
            except ApiError:
                claims = stand_in(operation)
                if claims is None:
                    raise
                request[CLAIMS] = claims
        return await handler(request)

    return authenticate
