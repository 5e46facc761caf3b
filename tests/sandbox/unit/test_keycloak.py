"""Tests for sandbox.keycloak: the Keycloak-compatible token service and its verifier.

Every test talks to a real aiohttp server on 127.0.0.1 (pytest-aiohttp's ``aiohttp_client``)
and uses an injected clock, so expiry is tested without sleeping (except one short check of
the default wall clock).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.keycloak.clients import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from sandbox.keycloak.errors import InvalidToken
from sandbox.keycloak.http import add_token_routes, make_token_app
from sandbox.keycloak.keys import generate_signing_key
from sandbox.keycloak.realm import TokenRealm
from sandbox.keycloak.users import RealmUser

TOKEN_PATH = "/auth/realms/master/protocol/openid-connect/token"
CERTS_PATH = "/auth/realms/master/protocol/openid-connect/certs"
DISCOVERY_PATH = "/auth/realms/master/.well-known/openid-configuration"
ACCESS_LIFETIME = 3
REFRESH_LIFETIME = 2
USERNAME = "john.hansarick@wallaroo.ai"
PASSWORD = "correct horse battery staple"
USER_ID = "5e9c9a2b-7a7f-454a-b8e7-91e3c2d86c9f"
FORM = "application/x-www-form-urlencoded"

ClientFactory = Callable[[web.Application], Awaitable[TestClient]]


class FakeClock:
    """A settable clock; the realm reads time only through it."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return generate_signing_key()


@pytest.fixture
def clock() -> FakeClock:
    # Start at the real time so PyJWT's own exp check (used in one test) agrees.
    return FakeClock(float(int(time.time())))


@pytest.fixture
def realm(signing_key: rsa.RSAPrivateKey, clock: FakeClock) -> TokenRealm:
    r = TokenRealm(
        private_key=signing_key,
        clock=clock,
        access_token_lifetime=ACCESS_LIFETIME,
        refresh_token_lifetime=REFRESH_LIFETIME,
    )
    r.users.add(USERNAME, PASSWORD, email=USERNAME, user_id=USER_ID)
    return r


@pytest.fixture
async def client(aiohttp_client: ClientFactory, realm: TokenRealm) -> AsyncIterator[TestClient]:
    c = await aiohttp_client(make_token_app(realm))
    realm.set_base_url(str(c.make_url("/")).rstrip("/"))
    yield c


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def password_login(client: TestClient, **extra: str) -> dict[str, Any]:
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD, **extra}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def refresh(client: TestClient, refresh_token: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    return resp.status, await resp.json()


# --------------------------------------------------------------------------- password grant


async def test_password_grant_with_basic_auth_verifies_against_jwks(
    client: TestClient, realm: TokenRealm
) -> None:
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Pragma"] == "no-cache"
    body = await resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == ACCESS_LIFETIME
    assert body["refresh_expires_in"] == REFRESH_LIFETIME
    assert body["not-before-policy"] == 0
    assert body["scope"] == "profile email"

    jwks = await (await client.get(CERTS_PATH)).json()
    assert len(jwks["keys"]) == 1
    jwk = jwks["keys"][0]
    assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["e"]) == ("RSA", "RS256", "sig", "AQAB")
    assert jwt.get_unverified_header(body["access_token"]) == {
        "alg": "RS256",
        "typ": "JWT",
        "kid": jwk["kid"],
    }

    issuer = f"{str(client.make_url('/')).rstrip('/')}/auth/realms/master"
    claims = jwt.decode(
        body["access_token"], jwt.PyJWK(jwk).key, algorithms=["RS256"], audience="account", issuer=issuer
    )
    assert claims["exp"] - claims["iat"] == ACCESS_LIFETIME
    assert claims["iat"] == int(realm.clock())
    assert claims["aud"] == ["master-realm", "account"]
    assert claims["sub"] == USER_ID
    assert claims["azp"] == "api-client"
    assert claims["typ"] == "Bearer"
    assert claims["preferred_username"] == USERNAME
    assert claims["email"] == USERNAME
    assert claims["session_state"] == body["session_state"] == claims["sid"]
    assert claims["scope"] == "profile email"
    assert claims["realm_access"] == {
        "roles": ["default-roles-master", "offline_access", "uma_authorization"]
    }
    assert claims["https://hasura.io/jwt/claims"]["x-hasura-user-id"] == USER_ID
    assert claims["https://hasura.io/jwt/claims"]["x-hasura-default-role"] == "user"
    # The realm's own verifier agrees.
    assert realm.verify_access_token(body["access_token"]) == claims


async def test_password_grant_with_client_secret_in_form(client: TestClient) -> None:
    form = {
        "grant_type": "password",
        "username": USERNAME,
        "password": PASSWORD,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    resp = await client.post(TOKEN_PATH, data=form)
    assert resp.status == 200
    claims = unverified((await resp.json())["access_token"])
    assert (claims["azp"], claims["sub"]) == ("api-client", USER_ID)


async def test_username_is_case_insensitive_and_email_logs_in(client: TestClient, realm: TokenRealm) -> None:
    realm.users.add("Operator", "pw", email="Ops@Example.com")
    body = await password_login(client, username="OPERATOR", password="pw")
    assert unverified(body["access_token"])["preferred_username"] == "operator"
    body = await password_login(client, username="ops@example.com", password="pw")
    assert unverified(body["access_token"])["email"] == "ops@example.com"


async def test_openid_scope_adds_an_id_token(client: TestClient, realm: TokenRealm) -> None:
    body = await password_login(client, scope="openid")
    assert body["scope"] == "openid profile email"
    id_claims = jwt.decode(
        body["id_token"], realm.keys.public_key, algorithms=["RS256"], audience="api-client"
    )
    assert id_claims["typ"] == "ID"
    assert id_claims["sub"] == USER_ID
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert id_claims["at_hash"] == b64url(digest[:16])


async def test_unknown_scope_is_invalid_scope(client: TestClient) -> None:
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD, "scope": "admin"}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert resp.status == 400
    assert await resp.json() == {"error": "invalid_scope", "error_description": "Invalid scopes: admin"}


async def test_admin_user_gets_admin_roles(client: TestClient, realm: TokenRealm) -> None:
    realm.users.add("root@wallaroo.ai", "pw", email="root@wallaroo.ai", admin=True)
    claims = unverified(
        (await password_login(client, username="root@wallaroo.ai", password="pw"))["access_token"]
    )
    assert claims["realm_access"]["roles"] == [
        "create-realm",
        "default-roles-master",
        "offline_access",
        "admin",
        "uma_authorization",
    ]
    assert "manage-users" in claims["resource_access"]["master-realm"]["roles"]
    assert claims["https://hasura.io/jwt/claims"]["x-hasura-allowed-roles"] == ["user", "admin_user"]


async def test_public_client_needs_no_secret(client: TestClient) -> None:
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD, "client_id": "sdk-client"}
    resp = await client.post(TOKEN_PATH, data=form)
    assert resp.status == 200
    assert unverified((await resp.json())["access_token"])["azp"] == "sdk-client"


# --------------------------------------------------------------------------- errors


async def test_wrong_client_secret_with_basic_is_401_invalid_client(client: TestClient) -> None:
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, "nope"))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="master"'
    assert resp.headers["Cache-Control"] == "no-store"
    assert await resp.json() == {
        "error": "invalid_client",
        "error_description": "Invalid client or Invalid client credentials",
    }


async def test_wrong_client_secret_in_form_is_401_without_challenge(client: TestClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID, "client_secret": "nope"}
    resp = await client.post(TOKEN_PATH, data=form)
    assert resp.status == 401
    assert "WWW-Authenticate" not in resp.headers
    assert (await resp.json())["error"] == "invalid_client"


async def test_unknown_client_is_401_invalid_client(client: TestClient) -> None:
    resp = await client.post(
        TOKEN_PATH, data={"grant_type": "client_credentials"}, headers=basic("ghost", "x")
    )
    assert resp.status == 401
    assert (await resp.json())["error"] == "invalid_client"


async def test_missing_client_is_invalid_client(client: TestClient) -> None:
    resp = await client.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
    assert resp.status == 400
    assert await resp.json() == {
        "error": "invalid_client",
        "error_description": "Missing parameter: client_id",
    }


async def test_missing_secret_for_confidential_client(client: TestClient) -> None:
    resp = await client.post(TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "api-client"})
    assert resp.status == 401
    assert await resp.json() == {
        "error": "invalid_client",
        "error_description": "Client secret not provided in request",
    }


@pytest.mark.parametrize(("username", "password"), [(USERNAME, "wrong"), ("nobody@example.com", PASSWORD)])
async def test_bad_user_credentials_are_invalid_grant(
    client: TestClient, username: str, password: str
) -> None:
    form = {"grant_type": "password", "username": username, "password": password}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    # Keycloak answers a failed direct grant with 401 (not RFC 6749's 400) and this body.
    assert resp.status == 401
    assert resp.headers["Cache-Control"] == "no-store"
    assert await resp.json() == {"error": "invalid_grant", "error_description": "Invalid user credentials"}


async def test_disabled_user_is_invalid_grant(client: TestClient, realm: TokenRealm) -> None:
    realm.users[USERNAME].enabled = False
    form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
    resp = await client.post(TOKEN_PATH, data=form, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert resp.status == 400
    assert await resp.json() == {"error": "invalid_grant", "error_description": "Account disabled"}


async def test_unknown_grant_type(client: TestClient) -> None:
    resp = await client.post(
        TOKEN_PATH, data={"grant_type": "implicit"}, headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    )
    assert resp.status == 400
    assert await resp.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Unsupported grant_type",
    }


async def test_missing_grant_type(client: TestClient) -> None:
    resp = await client.post(TOKEN_PATH, data={"username": USERNAME})
    assert resp.status == 400
    assert await resp.json() == {
        "error": "invalid_request",
        "error_description": "Missing form parameter: grant_type",
    }


async def test_missing_username_is_invalid_request(client: TestClient) -> None:
    resp = await client.post(
        TOKEN_PATH,
        data={"grant_type": "password", "password": PASSWORD},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert resp.status == 400
    assert await resp.json() == {
        "error": "invalid_request",
        "error_description": "Missing parameter: username",
    }


async def test_json_body_is_rejected(client: TestClient) -> None:
    resp = await client.post(
        TOKEN_PATH,
        json={"grant_type": "password", "username": USERNAME, "password": PASSWORD},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == "invalid_request"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic ",
        "Bearer abc",
    ],
)
async def test_malformed_authorization_header_is_400(client: TestClient, authorization: str) -> None:
    resp = await client.post(
        TOKEN_PATH, data={"grant_type": "client_credentials"}, headers={"Authorization": authorization}
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == "invalid_request"


async def test_non_utf8_body_is_400(client: TestClient) -> None:
    auth = basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    for body in (b"grant_type=password&username=\xff\xfe", b"grant_type=password&username=%ff%fe"):
        resp = await client.post(TOKEN_PATH, data=body, headers={**auth, "Content-Type": FORM})
        assert resp.status == 400
        assert await resp.json() == {"error": "invalid_request", "error_description": "Malformed form body"}


async def test_duplicated_parameter_is_400(client: TestClient) -> None:
    resp = await client.post(
        TOKEN_PATH,
        data=b"grant_type=password&grant_type=client_credentials",
        headers={**basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), "Content-Type": FORM},
    )
    assert resp.status == 400
    assert await resp.json() == {
        "error": "invalid_request",
        "error_description": "Duplicated parameter: grant_type",
    }


async def test_huge_body_is_413(client: TestClient, realm: TokenRealm) -> None:
    headers = {**basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), "Content-Type": FORM}
    big = b"grant_type=password&username=" + b"a" * (realm.max_body_bytes + 1)
    resp = await client.post(TOKEN_PATH, data=big, headers=headers)
    assert resp.status == 413
    assert (await resp.json())["error_description"] == "Request body too large"

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while reading
        for _ in range(realm.max_body_bytes // 1024 + 2):
            yield b"a" * 1024

    resp = await client.post(TOKEN_PATH, data=chunked(), headers=headers)
    assert resp.status == 413


async def test_unknown_realm_is_404(client: TestClient) -> None:
    for method, path in (
        ("POST", "/auth/realms/nope/protocol/openid-connect/token"),
        ("GET", "/auth/realms/nope/protocol/openid-connect/certs"),
        ("GET", "/auth/realms/nope/.well-known/openid-configuration"),
        ("GET", "/auth/realms/nope"),
    ):
        resp = await client.request(method, path)
        assert resp.status == 404, path
        assert await resp.json() == {"error": "Realm does not exist"}


# --------------------------------------------------------------------------- client_credentials


async def test_client_credentials_issues_a_service_account_token(
    client: TestClient, realm: TokenRealm
) -> None:
    resp = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert resp.status == 200
    body = await resp.json()
    assert "refresh_token" not in body
    assert "session_state" not in body
    assert body["refresh_expires_in"] == 0
    assert body["expires_in"] == ACCESS_LIFETIME
    claims = realm.verify_access_token(body["access_token"])
    assert claims["sub"] == realm.clients.service_account_id("api-client")
    assert claims["azp"] == "api-client"
    assert claims["preferred_username"] == "service-account-api-client"
    assert claims["clientId"] == "api-client"
    assert claims["clientAddress"] == "127.0.0.1"
    assert "session_state" not in claims


async def test_client_credentials_refused_for_public_client(client: TestClient) -> None:
    resp = await client.post(TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "sdk-client"})
    assert resp.status == 400
    assert (await resp.json())["error"] == "unauthorized_client"


# --------------------------------------------------------------------------- refresh_token


async def test_refresh_rotates_and_revokes_the_old_refresh_token(
    client: TestClient, realm: TokenRealm
) -> None:
    first = await password_login(client)
    status, second = await refresh(client, first["refresh_token"])
    assert status == 200
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["session_state"] == first["session_state"]
    claims = realm.verify_access_token(second["access_token"])
    assert (claims["sub"], claims["azp"]) == (USER_ID, "api-client")

    status, reused = await refresh(client, first["refresh_token"])
    assert status == 400
    assert reused == {
        "error": "invalid_grant",
        "error_description": "Maximum allowed refresh token reuse exceeded",
    }
    status, third = await refresh(client, second["refresh_token"])
    assert status == 200
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])


async def test_refresh_token_expires(client: TestClient, clock: FakeClock) -> None:
    first = await password_login(client)
    clock.advance(REFRESH_LIFETIME - 1)
    status, second = await refresh(client, first["refresh_token"])
    assert status == 200
    clock.advance(REFRESH_LIFETIME)  # second refresh token was minted at t+1, expires at t+1+lifetime
    status, body = await refresh(client, second["refresh_token"])
    assert status == 400
    assert body == {"error": "invalid_grant", "error_description": "Token is not active"}


async def test_refresh_token_garbage_and_other_client(client: TestClient, realm: TokenRealm) -> None:
    status, body = await refresh(client, "not-a-token")
    assert (status, body["error"], body["error_description"]) == (
        400,
        "invalid_grant",
        "Invalid refresh token",
    )

    first = await password_login(client)
    resp = await client.post(
        TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": "sdk-client",
        },
    )
    assert resp.status == 400
    assert await resp.json() == {"error": "invalid_grant", "error_description": "Unmatching clients"}

    resp = await client.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token"},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert resp.status == 400
    assert (await resp.json())["error_description"] == "Missing parameter: refresh_token"


async def test_revoked_session_refresh_fails(client: TestClient, realm: TokenRealm) -> None:
    first = await password_login(client)
    assert len(realm.sessions) == 1
    assert realm.sessions.revoke(first["session_state"]) is True
    status, body = await refresh(client, first["refresh_token"])
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_refresh_token_is_not_a_bearer_token(client: TestClient, realm: TokenRealm) -> None:
    first = await password_login(client)
    with pytest.raises(InvalidToken) as info:
        realm.verify_access_token(first["refresh_token"])
    assert info.value.reason == "wrong_type"


# --------------------------------------------------------------------------- verifier


async def test_verifier_expiry_has_zero_leeway(
    client: TestClient, realm: TokenRealm, clock: FakeClock
) -> None:
    token = (await password_login(client))["access_token"]
    clock.advance(ACCESS_LIFETIME - 1)
    assert realm.verify_access_token(token)["sub"] == USER_ID
    clock.advance(1)  # now == exp
    with pytest.raises(InvalidToken) as info:
        realm.verify_access_token(token)
    assert info.value.reason == "expired"
    assert info.value.www_authenticate() == (
        'Bearer realm="master", error="invalid_token", error_description="Token is expired"'
    )


async def test_verifier_with_the_real_clock(
    aiohttp_client: ClientFactory, signing_key: rsa.RSAPrivateKey
) -> None:
    realm = TokenRealm(private_key=signing_key, access_token_lifetime=1)
    realm.users.add("u", "p")
    c = await aiohttp_client(make_token_app(realm))
    resp = await c.post(
        TOKEN_PATH,
        data={"grant_type": "password", "username": "u", "password": "p"},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    token = (await resp.json())["access_token"]
    assert realm.verify_access_token(token)["preferred_username"] == "u"
    await asyncio.sleep(1.05)  # exp = int(iat_time) + 1 <= iat_time + 1
    with pytest.raises(InvalidToken) as info:
        realm.verify_access_token(token)
    assert info.value.reason == "expired"


async def test_verifier_rejects_tampered_signature_and_payload(client: TestClient, realm: TokenRealm) -> None:
    token = (await password_login(client))["access_token"]
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    for forged in (
        f"{header}.{payload}.{flipped}",
        f"{header}.{b64url(json.dumps({**unverified(token), 'sub': 'attacker'}).encode())}.{signature}",
    ):
        with pytest.raises(InvalidToken) as info:
            realm.verify_access_token(forged)
        assert info.value.reason == "bad_signature"


async def test_verifier_rejects_hs256_forgery_keyed_with_public_key(realm: TokenRealm) -> None:
    now = int(realm.clock())
    header = {"alg": "HS256", "typ": "JWT", "kid": realm.keys.kid}
    claims = {"exp": now + 60, "iat": now, "jti": "x", "iss": "irrelevant", "sub": USER_ID, "typ": "Bearer"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    mac = hmac.new(realm.keys.public_key_pem().encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken) as info:
        realm.verify_access_token(f"{signing_input}.{b64url(mac)}")
    assert info.value.reason == "bad_signature"
    assert "HS256" in info.value.detail


async def test_verifier_rejects_alg_none(client: TestClient, realm: TokenRealm) -> None:
    claims = unverified((await password_login(client))["access_token"])
    for header in ({"alg": "none", "typ": "JWT", "kid": realm.keys.kid}, {"alg": "none"}):
        token = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."
        with pytest.raises(InvalidToken) as info:
            realm.verify_access_token(token)
        assert info.value.reason == "bad_signature"


async def test_verifier_rejects_other_keys_issuers_and_garbage(client: TestClient, realm: TokenRealm) -> None:
    assert realm.keys.private_key is not None
    claims = unverified((await password_login(client))["access_token"])
    other_key = generate_signing_key()
    same_kid_other_key = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": realm.keys.kid})
    wrong_issuer = jwt.encode(
        {**claims, "iss": "https://evil.example/auth/realms/master"},
        realm.keys.private_key,
        algorithm="RS256",
        headers={"kid": realm.keys.kid},
    )
    no_kid = jwt.encode(claims, realm.keys.private_key, algorithm="RS256")
    missing_sub = jwt.encode(
        {k: v for k, v in claims.items() if k != "sub"},
        realm.keys.private_key,
        algorithm="RS256",
        headers={"kid": realm.keys.kid},
    )
    cases = {
        same_kid_other_key: "bad_signature",
        wrong_issuer: "wrong_issuer",
        no_kid: "bad_signature",
        missing_sub: "missing_claim",
        "": "malformed",
        "abc": "malformed",
        "a.b.c": "malformed",
        "x" * 20_000: "malformed",
    }
    for token, reason in cases.items():
        with pytest.raises(InvalidToken) as info:
            realm.verify_access_token(token)
        assert info.value.reason == reason, token[:40]


# --------------------------------------------------------------------------- discovery, counters, mounting


async def test_openid_configuration_lists_the_token_endpoint(client: TestClient, realm: TokenRealm) -> None:
    resp = await client.get(DISCOVERY_PATH)
    assert resp.status == 200
    doc = await resp.json()
    base = str(client.make_url("/")).rstrip("/")
    assert doc["issuer"] == realm.issuer == f"{base}/auth/realms/master"
    assert doc["token_endpoint"] == f"{base}{TOKEN_PATH}"
    assert doc["jwks_uri"] == f"{base}{CERTS_PATH}"
    assert doc["grant_types_supported"] == ["password", "client_credentials", "refresh_token"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]

    info = await (await client.get("/auth/realms/master")).json()
    assert info["realm"] == "master"
    assert info["token-service"] == f"{base}/auth/realms/master/protocol/openid-connect"


async def test_issuer_is_pinned_from_the_first_token_request(
    aiohttp_client: ClientFactory, signing_key: rsa.RSAPrivateKey
) -> None:
    realm = TokenRealm(private_key=signing_key, users={"Ann": RealmUser("Ann", "pw")})
    c = await aiohttp_client(make_token_app(realm))
    assert realm.issuer is None
    resp = await c.post(
        TOKEN_PATH,
        data={"grant_type": "password", "username": "ann", "password": "pw"},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert resp.status == 200
    expected = f"http://127.0.0.1:{c.port}/auth/realms/master"
    assert realm.issuer == expected
    assert realm.verify_access_token((await resp.json())["access_token"])["iss"] == expected


async def test_counters_values(client: TestClient, realm: TokenRealm) -> None:
    assert dict(realm.issued) == {}
    first = await password_login(client)
    await password_login(client)
    assert (await refresh(client, first["refresh_token"]))[0] == 200
    assert (await refresh(client, first["refresh_token"]))[0] == 400
    ok = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    bad = await client.post(
        TOKEN_PATH, data={"grant_type": "client_credentials"}, headers=basic(DEFAULT_CLIENT_ID, "bad")
    )
    assert (ok.status, bad.status) == (200, 401)
    assert dict(realm.issued) == {"password": 2, "refresh_token": 1, "client_credentials": 1}
    assert dict(realm.rejected) == {"invalid_grant": 1, "invalid_client": 1}


async def test_add_token_routes_mounts_beside_other_routes(
    aiohttp_client: ClientFactory, signing_key: rsa.RSAPrivateKey
) -> None:
    async def other(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/v1/api/users/query", other)
    realm = TokenRealm(private_key=signing_key, name="wallaroo", clients={"svc": "s3cret"})
    add_token_routes(app, realm)
    c = await aiohttp_client(app)
    assert await (await c.post("/v1/api/users/query")).json() == {"ok": True}
    resp = await c.post(
        "/auth/realms/wallaroo/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        headers=basic("svc", "s3cret"),
    )
    assert resp.status == 200
    claims = realm.verify_access_token((await resp.json())["access_token"])
    assert claims["aud"] == ["wallaroo-realm", "account"]
    assert claims["iss"] == f"http://127.0.0.1:{c.port}/auth/realms/wallaroo"
    assert (await c.get(CERTS_PATH)).status == 404  # realm "master" is not served here
