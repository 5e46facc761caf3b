"""Verifying a token the realm minted: shape, header, RS256 signature, required claims, time
against the realm's clock with zero leeway, issuer and token type, in that order; any failure
raises `InvalidToken` with a machine-readable reason."""

from __future__ import annotations

from typing import Any, Final

import jwt

from sandbox.keycloak.errors import InvalidToken
from sandbox.keycloak.keys import ALGORITHM, SigningKey

# Longest token the verifier will even try to parse; real Keycloak tokens are ~1.5-3 KiB.
MAX_TOKEN_CHARS: Final = 16 * 1024


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def verify_token(
    key: SigningKey, token: object, *, expected_typ: str, issuer: str | None, now: float
) -> dict[str, Any]:
    """The claims of ``token`` if ``key`` signed it for ``issuer`` and it is a live ``expected_typ``."""
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
    if header.get("kid") != key.kid:
        raise InvalidToken(InvalidToken.REASON_BAD_SIGNATURE, "Unknown signing key id")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public_key,
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
    if exp <= now:
        raise InvalidToken(InvalidToken.REASON_EXPIRED, "Token is expired")
    if iat > now:
        raise InvalidToken(InvalidToken.REASON_NOT_YET_VALID, "Token is not yet valid")
    if issuer is None or claims["iss"] != issuer:
        raise InvalidToken(InvalidToken.REASON_WRONG_ISSUER, "Token was not issued by this realm")
    if claims["typ"] != expected_typ:
        raise InvalidToken(InvalidToken.REASON_WRONG_TYPE, f"Token type is not {expected_typ}")
    return claims
